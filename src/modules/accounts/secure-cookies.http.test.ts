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
  it('marks every cookie Secure and __Host- (host-only, the whole site), sends HSTS, and writes https links', async () => {
    const agent = new Agent(t.app);
    agent.host = 'portail.sleto.example';
    const page = await agent.get('/inscription');
    assert.match(String(page.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(String(page.headers['content-security-policy']), /upgrade-insecure-requests/);
    const first = page.cookies as { name: string; secure?: boolean; path?: string; domain?: string }[];
    assert.ok(first.some((c) => c.name === '__Host-ecrin_csrf'), 'the CSRF secret is a __Host- cookie');
    for (const c of first) {
      assert.equal(c.secure, true, c.name);
      assert.match(c.name, /^__Host-/, `${c.name}: a sub-domain could set a cookie without the prefix`);
      assert.equal(c.path, '/', c.name);
      assert.equal(c.domain, undefined, `${c.name}: host-only`);
    }
    await agent.post('/inscription', { alias: 'tls', name: 'Camille', email: 'tls@example.org', organisation: 'Asso' });
    const link = linkIn((await lastMailTo(t, 'tls@example.org', 'accounts.welcome')).text_body, '/mot-de-passe/definir');
    assert.match(link, /^https:\/\/portail\.sleto\.example\/mot-de-passe\/definir\?jeton=/);
    await agent.get(pathOf(link));
    const set = await agent.post('/mot-de-passe/definir', { jeton: new URL(link).searchParams.get('jeton')!, password: 'velo-rouge-2026!', password_confirm: 'velo-rouge-2026!' });
    const session = (set.cookies as { name: string; secure?: boolean; httpOnly?: boolean; sameSite?: string }[]).find((c) => c.name === '__Host-ecrin_session');
    assert.ok(session);
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    // The language cookie too.
    const lang = (await agent.get('/faq?lang=en')).cookies as { name: string; secure?: boolean }[];
    assert.equal(lang.find((c) => c.name === '__Host-lang')?.secure, true);
    assert.match((await agent.get('/faq')).body, /<html lang="en">/, 'the __Host-lang cookie is read back');
  });
});
