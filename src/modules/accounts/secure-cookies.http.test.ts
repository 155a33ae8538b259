import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, linkIn, pathOf } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo } from '../../../test/support/customers.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp({ env: { PUBLIC_URL_SCHEME: 'https', PUBLIC_DOMAIN: 'sleto.example' } });
});
after(async () => {
  await t.close();
});

describe('behind TLS (PUBLIC_URL_SCHEME=https)', () => {
  it('marks every cookie Secure, sends HSTS, and writes https links', async () => {
    const agent = new Agent(t.app);
    agent.host = 'portail.sleto.example';
    const page = await agent.get('/inscription');
    assert.match(String(page.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(String(page.headers['content-security-policy']), /upgrade-insecure-requests/);
    for (const c of page.cookies as { name: string; secure?: boolean }[]) assert.equal(c.secure, true, c.name);
    await agent.post('/inscription', { alias: 'tls', name: 'Camille', email: 'tls@example.org', organisation: 'Asso' });
    const link = linkIn((await lastMailTo(t, 'tls@example.org', 'accounts.welcome')).text_body, '/mot-de-passe/definir');
    assert.match(link, /^https:\/\/portail\.sleto\.example\/mot-de-passe\/definir\?jeton=/);
    await agent.get(pathOf(link));
    const set = await agent.post('/mot-de-passe/definir', { jeton: new URL(link).searchParams.get('jeton')!, password: 'velo-rouge-2026!', password_confirm: 'velo-rouge-2026!' });
    const session = (set.cookies as { name: string; secure?: boolean; httpOnly?: boolean; sameSite?: string }[]).find((c) => c.name === 'ecrin_session');
    assert.ok(session);
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
  });
});
