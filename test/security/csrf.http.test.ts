import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInCustomer } from '../support/customers.ts';

/**
 * CSRF that holds across sub-domains: a token is bound to its session (a token and secret obtained
 * by someone else — as a visitor or in their own account — are worthless in the victim's session,
 * even with the secret cookie planted), it rotates at sign-in, and a state-changing request whose
 * Origin or Sec-Fetch-Site shows another origin is refused, the token notwithstanding.
 */
let t: TestApp;
let victim: Agent;
let attacker: Agent;

before(async () => {
  t = await createTestApp();
  victim = await signedInCustomer(t, 'victime');
  attacker = await signedInCustomer(t, 'attaquant');
});
after(async () => {
  await t.close();
});

/** The victim's name change, as the account page posts it; `cookies` and `token` as the request carries them. */
function changeName(cookies: Map<string, string>, token: string, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/compte/personne',
    remoteAddress: victim.ip,
    headers: {
      host: victim.host,
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    payload: new URLSearchParams({ _csrf: token, name: 'Nom changé', email: 'victime@example.org', locale: 'fr' }).toString(),
  });
}

async function victimName() {
  return (await t.container.services.accounts.findUserByEmail('victime@example.org'))!.name;
}

async function tokenOf(agent: Agent): Promise<string> {
  await agent.get('/compte');
  return agent.lastCsrf!;
}

describe('a CSRF token is bound to its session', () => {
  it('the token of another session is refused, with its secret cookie planted too', async () => {
    const theirs = await tokenOf(attacker);
    const planted = new Map(victim.cookies);
    planted.set('ecrin_csrf', attacker.cookies.get('ecrin_csrf')!);
    const withTheirSecret = await changeName(planted, theirs);
    assert.equal(withTheirSecret.statusCode, 403);
    assert.match(withTheirSecret.body, /n&#39;a pas été envoyé depuis ce site/);
    const withOwnSecret = await changeName(victim.cookies, theirs);
    assert.equal(withOwnSecret.statusCode, 403);
    assert.equal(await victimName(), 'Camille victime', 'nothing changed');
  });

  it('a token minted for a visitor (not signed in) is refused in a session', async () => {
    const visitor = new Agent(t.app);
    await visitor.get('/connexion');
    const planted = new Map(victim.cookies);
    planted.set('ecrin_csrf', visitor.cookies.get('ecrin_csrf')!);
    assert.equal((await changeName(planted, visitor.lastCsrf!)).statusCode, 403);
    assert.equal(await victimName(), 'Camille victime');
  });

  it('the victim’s own token works (the check is not refusing everything)', async () => {
    const own = await tokenOf(victim);
    const res = await changeName(victim.cookies, own);
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    assert.equal(await victimName(), 'Nom changé');
  });

  it('rotates at sign-in: a token from before is refused after', async () => {
    const agent = new Agent(t.app);
    await agent.get('/connexion');
    const before = agent.lastCsrf!;
    const signedIn = await agent.post('/connexion', { identifier: 'attaquant', password: 'velo-rouge-2026!' });
    assert.equal(signedIn.statusCode, 303);
    assert.equal(agent.cookies.has('ecrin_csrf'), false, 'a new secret for the new session');
    const res = await agent.post('/compte/personne', { _csrf: before, name: 'X', email: 'attaquant@example.org', locale: 'fr' });
    assert.equal(res.statusCode, 403);
    await agent.get('/compte');
    assert.notEqual(agent.lastCsrf, before);
    assert.equal((await agent.post('/compte/personne', { name: 'Camille attaquant', email: 'attaquant@example.org', locale: 'fr' })).statusCode, 303);
  });
});

describe('requests from another origin are refused', () => {
  it('Origin of an instance (same-site, another origin), of another site, or "null": 403 with a valid token', async () => {
    for (const origin of ['http://bidule.localhost:3000', 'http://evil.example', 'null', 'http://portail.localhost:3001', 'https://portail.localhost:3000']) {
      const res = await changeName(victim.cookies, await tokenOf(victim), { origin });
      assert.equal(res.statusCode, 403, origin);
      assert.match(res.body, /n&#39;a pas été envoyé depuis ce site/);
    }
  });

  it('Sec-Fetch-Site same-site (a page on an instance) or cross-site: 403', async () => {
    for (const site of ['same-site', 'cross-site']) {
      const res = await changeName(victim.cookies, await tokenOf(victim), { 'sec-fetch-site': site, origin: 'http://portail.localhost:3000' });
      assert.equal(res.statusCode, 403, site);
    }
  });

  it('the portal’s own origin, same-origin, or a client that says nothing: judged by the token', async () => {
    const cases: Record<string, string>[] = [{ origin: 'http://portail.localhost:3000' }, { 'sec-fetch-site': 'same-origin', origin: 'http://portail.localhost:3000' }, { 'sec-fetch-site': 'none' }, {}];
    for (const headers of cases) {
      const res = await changeName(victim.cookies, await tokenOf(victim), headers);
      assert.equal(res.statusCode, 303, JSON.stringify(headers));
    }
  });
});
