/**
 * The cross-sub-domain CSRF chain, in the system's Chromium against a real ecrin: a customer's
 * instance (vitrine.ecrin.test, same-site with portail.ecrin.test) serves a hostile page — an XSS or an
 * uploaded HTML file in a real Diacamma would do. The page plants its own CSRF secret cookie for
 * the parent domain ("cookie tossing", with a more specific path so it is sent first) and posts a
 * form with the matching token to the portal, to change the victim's organisation e-mail (which
 * receives every e-mail). The victim, signed in to the portal in the same browser, opens the page.
 * The portal refuses the request, and nothing changes.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/csrf-chain.journey.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { Agent } from '../support/agent.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { customerAgent } from '../support/paid-order.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { liveSite, SiteDriver } from '../support/site-driver.ts';

const TEST_TIMEOUT = 180_000;
/**
 * A registrable domain, as in production: Chromium keeps every `*.localhost` name a site of its own
 * (so the embedded default is not exposed this way), while NAME.ecrin.test and portail.ecrin.test are
 * the same site. Chromium resolves it to loopback by a host-resolver rule.
 */
const DOMAIN = 'ecrin.test';
const ATTACKER_EMAIL = 'attaquant@evil.example';

describe('a hostile page on an instance cannot act on the portal', { skip: skipReason, timeout: TEST_TIMEOUT }, () => {
  let browser: Browser;
  let server: RunningServer;
  /** what the attacker got from the portal as a plain visitor: a CSRF secret and its token */
  let loot = { secret: '', token: '' };
  const hostileLoads: string[] = [];

  before(async () => {
    const driver = new SiteDriver((name, req, res) => {
      hostileLoads.push(name);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      // "discrete" asks the browser to send no referrer: its Origin is then "null"
      res.end(hostilePage(server.baseUrl, loot, DOMAIN, name === 'discrete'));
    });
    server = await startServer({ driver, env: { PUBLIC_DOMAIN: DOMAIN } });
    await liveSite(server, 'pirate', 'vitrine');
    await liveSite(server, 'pirate-bis', 'discrete');
    const visitor = new Agent(server.app);
    visitor.host = new URL(server.baseUrl).host;
    await visitor.get('/connexion');
    loot = { secret: visitor.cookies.get('ecrin_csrf')!, token: visitor.lastCsrf! };
    assert.ok(loot.secret && loot.token);
    // Treated as secure contexts, as production's https origins are (over plain http to a name other
    // than localhost Chromium ignores, and complains of, some of the portal's security headers).
    const origins = ['portail', 'vitrine', 'discrete'].map((n) => `http://${n}.${DOMAIN}:${server.port}`).join(',');
    browser = await launchBrowser([`--host-resolver-rules=MAP *.${DOMAIN} 127.0.0.1, MAP ${DOMAIN} 127.0.0.1`, `--unsafely-treat-insecure-origin-as-secure=${origins}`]);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the form posted from vitrine.ecrin.test to the portal is refused; the organisation e-mail is unchanged', async () => {
    await customerAgent(server, 'victime');
    // (only the portal's own pages are checked: the instance's page is the attacker's)
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: 15_000, origin: server.baseUrl });
    try {
      // The victim signs in to the portal, from its home page.
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByLabel('Alias ou adresse courriel').fill('victime');
      await page.getByLabel('Mot de passe').fill('velo-rouge-2026!');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL('**/espace');

      // Later, in the same browser, the victim visits the customer instance the attacker controls.
      const instance = `http://vitrine.${DOMAIN}:${server.port}/`;
      const refused = page.waitForResponse((r) => r.url() === `${server.baseUrl}/compte/personne-morale` && r.request().method() === 'POST', { timeout: 15_000 });
      await page.goto(instance);
      const response = await refused;
      assert.equal(hostileLoads.length > 0, true, 'the hostile page was served by the instance, through the front door');
      const sent = await response.request().allHeaders();
      assert.equal(sent.origin, `http://vitrine.${DOMAIN}:${server.port}`, 'Chromium says where the form comes from');
      // (Chromium sends Sec-Fetch-Site to https origins only: over plain http, Origin is what tells)
      if (sent['sec-fetch-site'] !== undefined) assert.equal(sent['sec-fetch-site'], 'same-site', 'an instance is same-site with the portal');
      assert.match(sent.cookie ?? '', /ecrin_session=/, 'SameSite=Lax sends the session along: it does not stop this');
      assert.match(sent.cookie ?? '', new RegExp(`ecrin_csrf=${loot.secret}`), 'the tossed secret cookie is sent');
      assert.equal(response.status(), 403);
      await page.waitForURL(`${server.baseUrl}/compte/personne-morale`);
      assert.match(await page.locator('main').innerText(), /Le formulaire a expiré ou n'a pas été envoyé depuis ce site/);

      const victim = await server.container.services.accounts.findUserByEmail('victime@example.org');
      const account = await server.container.services.accounts.getAccount(victim!.id);
      assert.equal(account?.organisation?.email, null, 'the organisation e-mail is unchanged');
      assert.equal(account?.organisation?.name, 'Association victime');
      const toAttacker = await server.container.database.db
        .selectFrom('mail_messages')
        .select('id')
        .where((eb) => eb(eb.val(ATTACKER_EMAIL), '=', eb.fn.any('recipients')))
        .execute();
      assert.equal(toAttacker.length, 0, 'no mail, and no later reset link, goes to the attacker');
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });

  it('the same page asking for no referrer (its Origin is then "null") is refused too', async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: 15_000, origin: server.baseUrl });
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByLabel('Alias ou adresse courriel').fill('victime');
      await page.getByLabel('Mot de passe').fill('velo-rouge-2026!');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL('**/espace');
      const refused = page.waitForResponse((r) => r.url() === `${server.baseUrl}/compte/personne-morale` && r.request().method() === 'POST', { timeout: 15_000 });
      await page.goto(`http://discrete.${DOMAIN}:${server.port}/`);
      const response = await refused;
      assert.equal((await response.request().allHeaders()).origin, 'null');
      assert.equal(response.status(), 403);
      const victim = await server.container.services.accounts.findUserByEmail('victime@example.org');
      assert.equal((await server.container.services.accounts.getAccount(victim!.id))?.organisation?.email, null);
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });
});

/** The attacker's page: toss the secret cookie for the parent domain, then post the form at once. */
function hostilePage(portal: string, loot: { secret: string; token: string }, domain: string, noReferrer: boolean): string {
  const fields = {
    _csrf: loot.token,
    name: 'Association victime',
    legal_form: 'association',
    registration_number: '',
    address: '3 place du Marché',
    postcode: '38420',
    city: 'Domène',
    country: 'FR',
    email: ATTACKER_EMAIL,
    phone: '',
  };
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('');
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8">${noReferrer ? '<meta name="referrer" content="no-referrer">' : ''}<title>Nos actualités</title></head><body>
<h1>Nos actualités</h1>
<form id="f" method="post" action="${portal}/compte/personne-morale">${inputs}</form>
<script>
document.cookie = 'ecrin_csrf=${loot.secret}; Domain=${domain}; Path=/compte/personne-morale';
document.getElementById('f').submit();
</script>
</body></html>`;
}
