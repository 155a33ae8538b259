import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { safeReturnPath, samePortalPath } from '../../src/web/guards.ts';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInCustomer } from '../support/customers.ts';

/**
 * Redirects and links are built from parsed same-origin paths only: what the browser would make of
 * the text (tabs and line breaks dropped, backslashes as slashes) must still be this site, and what
 * is sent is the parsed path, never the raw text.
 */
let t: TestApp;
let customer: Agent;
before(async () => {
  t = await createTestApp();
  customer = await signedInCustomer(t, 'retour');
});
after(async () => {
  await t.close();
});

/** Where a browser goes with this Location header, from the portal. */
function landing(location: unknown): URL {
  return new URL(String(location), 'http://portail.localhost:3000/connexion');
}

const HOSTILE = ['/%09/evil.example/', '/\t/evil.example/', '//evil.example/', '/\\evil.example/', '/\\/evil.example', '/\r\n/evil.example', 'https://evil.example/', '/%0d%0aSet-Cookie:x=1', 'javascript:alert(1)', '/ /evil.example'];

describe('the return address after sign-in', () => {
  it('keeps a signed-in person on the portal whatever `retour` says (no 500)', async () => {
    for (const retour of HOSTILE) {
      const res = await customer.get(`/connexion?retour=${encodeURIComponent(retour)}`);
      // A raw control character is refused by input hygiene (422, on the portal); anything else goes home.
      if (/[\t\r\n]/.test(retour)) {
        assert.equal(res.statusCode, 422, JSON.stringify(retour));
        continue;
      }
      assert.equal(res.statusCode, 303, `${JSON.stringify(retour)}: ${res.statusCode}`);
      const to = landing(res.headers.location);
      assert.equal(to.origin, 'http://portail.localhost:3000', `${JSON.stringify(retour)} → ${String(res.headers.location)}`);
      assert.doesNotMatch(String(res.headers['set-cookie'] ?? ''), /x=1/);
    }
    // The raw query text, as the issue found it.
    const raw = await customer.get('/connexion?retour=/%09/evil.example/');
    assert.equal(landing(raw.headers.location).host, 'portail.localhost:3000');
  });

  it('and after the sign-in form', async () => {
    for (const retour of HOSTILE) {
      const agent = new Agent(t.app);
      await agent.get('/connexion');
      const res = await agent.post('/connexion', { identifier: 'retour', password: 'velo-rouge-2026!', retour: retour.replace(/[\r\n\t]/g, '') });
      assert.equal(res.statusCode, 303, JSON.stringify(retour));
      assert.equal(landing(res.headers.location).origin, 'http://portail.localhost:3000', `${JSON.stringify(retour)} → ${String(res.headers.location)}`);
    }
  });

  it('still returns to a page of the portal, query included', async () => {
    const res = await customer.get(`/connexion?retour=${encodeURIComponent('/compte?onglet=personne-morale')}`);
    assert.equal(res.headers.location, '/compte?onglet=personne-morale');
  });

  it('parses, then keeps the parsed path only', () => {
    assert.equal(samePortalPath('/%09/evil.example/'), '/%09/evil.example/', 'an encoded tab is a path segment, harmless');
    assert.equal(samePortalPath('/\t/evil.example/'), null);
    assert.equal(samePortalPath('/a/../b?x=1'), '/b?x=1');
    assert.equal(samePortalPath('/compte#x'), '/compte');
    assert.equal(safeReturnPath('/' + 'a'.repeat(600)), null);
  });
});

describe('links built from the current URL', () => {
  it('the 404 page’s language link stays on the site', async () => {
    const res = await new Agent(t.app).get('//evil.example/x');
    assert.equal(res.statusCode, 404);
    const href = /<a href="([^"]*)" lang="en"/.exec(res.body)?.[1];
    assert.ok(href, 'a language link');
    assert.equal(landing(href.replace(/&amp;/g, '&')).host, 'portail.localhost:3000', href);
  });

  it('a visitor sent to sign in comes back to the page asked for', async () => {
    const res = await new Agent(t.app).get('/compte?onglet=personne');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/connexion?retour=${encodeURIComponent('/compte?onglet=personne')}`);
  });
});
