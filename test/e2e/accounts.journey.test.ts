/**
 * Browser journeys for accounts, in the system's Chromium against a real ecrin (HTTP on a loopback
 * port, pg-boss worker sending real mail over SMTP to an in-process sink). Skipped, with the reason,
 * when Chromium is missing.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/accounts.journey.test.ts
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { linkIn } from '../support/agent.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { testBackend } from '../support/database.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.ts';

const STEP_TIMEOUT = 15_000;
const MAIL_TIMEOUT = 30_000;
const TEST_TIMEOUT = 180_000;

/** Everything the page complained about: console errors, uncaught errors, CSP violations. */

describe('accounts in a real browser', { skip: skipReason, timeout: TEST_TIMEOUT * 3 }, () => {
  let browser: Browser;
  let server: RunningServer;
  let sink: SmtpSink;

  before(async () => {
    sink = await startSmtpSink();
    server = await startServer({ smtpUrl: sink.url });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await sink?.close();
  });

  it('signs up, sets a password, edits the legal entity, recovers the password and signs in again', { timeout: TEST_TIMEOUT }, async (t: TestContext) => {
    const started = Date.now();
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP_TIMEOUT });
    const alias = 'camille.velo';
    const email = 'camille.martin@example.org';
    const orgEmail = 'contact@amis-du-velo.example.org';
    const firstPassword = 'Pedale-Douce-2026!';
    const newPassword = 'Guidon-Chrome-2027?';
    const heading = () => page.getByRole('heading', { level: 1 });

    try {
      // --- the public home page, with its strict CSP ------------------------------------------
      const home = await page.goto(`${server.baseUrl}/`);
      assert.equal(home?.status(), 200);
      const csp = (await home!.allHeaders())['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'(;|$)/, `CSP sent: ${csp}`);
      assert.match(csp, /style-src 'self'(;|$)/, `CSP sent: ${csp}`);

      // --- sign-up ------------------------------------------------------------------------------
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Créer un compte' }).click();
      await page.waitForURL('**/inscription');
      await assertHeading(heading(), 'Créer un compte');
      await page.getByLabel('Alias (identifiant de connexion)').fill(alias);
      await page.getByLabel('Vos nom et prénom').fill('Camille Martin');
      await page.getByLabel('Votre adresse courriel').fill(email);
      await page.getByLabel('Nom de votre structure (association, entreprise…)').fill('Les Amis du Vélo');
      await page.getByRole('button', { name: 'Créer mon compte' }).click();
      await assertHeading(heading(), 'Vérifiez votre messagerie');
      await page.getByText(`Un courriel vient d’être envoyé à ${email}`).waitFor();

      // --- the welcome mail, sent by the real worker over SMTP ----------------------------------
      const welcome = await sink.waitFor((m) => m.to.includes(email) && /Bienvenue/.test(m.subject), MAIL_TIMEOUT);
      assert.deepEqual(welcome.to, [email]);
      assert.match(welcome.subject, /^Bienvenue sur le portail .+ : choisissez votre mot de passe$/);
      assert.match(welcome.text, new RegExp(`Votre alias de connexion est : ${alias.replace('.', '\\.')}`));
      const welcomeLink = linkIn(welcome.text, '/mot-de-passe/definir');
      assert.ok(welcomeLink.startsWith(`${server.baseUrl}/`), `the link uses the real port: ${welcomeLink}`);

      // --- choose the password --------------------------------------------------------------------
      await page.goto(welcomeLink);
      await assertHeading(heading(), 'Choisir votre mot de passe');
      await page.getByText(`Compte : ${alias}`).waitFor();
      await page.getByLabel('Nouveau mot de passe').fill(firstPassword);
      await page.getByLabel('Confirmez le mot de passe').fill(firstPassword);
      await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
      await page.waitForURL((u) => u.pathname === '/espace');
      await assertHeading(heading(), 'Bonjour Camille Martin');
      await page.getByText('Votre mot de passe est enregistré. Vous êtes connecté.').waitFor();

      // --- the account page, legal entity tab, edited in place with htmx ------------------------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Votre compte' }).click();
      await page.waitForURL((u) => u.pathname === '/compte');
      await assertHeading(heading(), 'Votre compte');
      await page.getByRole('navigation', { name: 'Votre compte' }).getByRole('link', { name: 'Personne morale' }).click();
      await page.waitForURL((u) => u.pathname === '/compte' && u.searchParams.get('onglet') === 'personne-morale');
      const tabUrl = page.url();
      const panel = page.locator('#panel-organisation');
      await panel.getByRole('heading', { name: 'Personne morale' }).waitFor();
      await panel.getByText('Les Amis du Vélo').waitFor();

      const htmxRequests: string[] = [];
      page.on('request', (r) => {
        if (r.headers()['hx-request'] === 'true') htmxRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
      await panel.getByRole('link', { name: /Modifier/ }).click();
      await panel.getByRole('heading', { name: 'Modifier la personne morale' }).waitFor();
      assert.equal(page.url(), tabUrl, 'the edit form replaced the panel in place (htmx), not a new page');
      await panel.getByLabel('Forme juridique').selectOption({ label: 'Association (loi 1901)' });
      await panel.getByLabel('SIREN, SIRET ou numéro RNA').fill('82010331500017');
      await panel.getByLabel('Adresse', { exact: true }).fill('12 rue des Rayons');
      await panel.getByLabel('Code postal').fill('38000');
      await panel.getByLabel('Ville').fill('Grenoble');
      await panel.locator('#f-email').fill(orgEmail);
      // A new address needs the current password, and is used once confirmed from the link sent to it.
      await panel.getByLabel('Votre mot de passe actuel').fill(firstPassword);
      const confirmBefore = sink.messages.length;
      await panel.getByRole('button', { name: 'Enregistrer' }).click();
      await panel.getByText(`Un lien de confirmation a été envoyé à ${orgEmail}.`).waitFor();
      assert.equal(page.url(), tabUrl, 'saving swapped the panel in place');
      assert.deepEqual(htmxRequests, ['GET /compte/personne-morale/modifier', 'POST /compte/personne-morale']);
      const details = panel.locator('dl.details');
      await details.getByText('Association (loi 1901)').waitFor();
      await details.getByText('820 103 315 00017').waitFor();
      await details.getByText('12 rue des Rayons').waitFor();
      await details.getByText('38000').waitFor();
      await details.getByText('Grenoble').waitFor();
      assert.equal(await details.getByText(orgEmail).count(), 0, 'not used before its confirmation');
      const told = await sink.waitFor((m) => sink.messages.indexOf(m) >= confirmBefore && m.to.includes(email) && /Demande de changement d’adresse/.test(m.subject), MAIL_TIMEOUT);
      assert.match(told.text, new RegExp(`Rien ne change tant que le lien envoyé à ${orgEmail.replace(/\./g, '\\.')} n’a pas été suivi`));
      const confirmation = await sink.waitFor((m) => sink.messages.indexOf(m) >= confirmBefore && m.to.includes(orgEmail), MAIL_TIMEOUT);
      assert.deepEqual(confirmation.to, [orgEmail]);
      await page.goto(linkIn(confirmation.text, '/courriel/confirmer'));
      await assertHeading(heading(), 'Confirmer la nouvelle adresse');
      await page.getByRole('button', { name: 'Confirmer cette adresse' }).click();
      await assertHeading(heading(), 'Adresse confirmée');
      await page.getByRole('link', { name: 'Aller à « Votre compte »' }).click();
      await page.getByRole('navigation', { name: 'Votre compte' }).getByRole('link', { name: 'Personne morale' }).click();
      await page.locator('#panel-organisation dl.details').getByText(orgEmail).waitFor();
      // and it is really saved: a plain reload shows the same
      await page.reload();
      await page.locator('#panel-organisation dl.details').getByText('820 103 315 00017').waitFor();

      // --- sign out, then "Mot de passe ou alias oublié ?" -----------------------------------------
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.waitForURL((u) => u.pathname === '/connexion');
      await assertHeading(heading(), 'Connexion au portail');
      await page.getByRole('link', { name: 'Mot de passe ou alias oublié ?' }).click();
      await page.waitForURL((u) => u.pathname === '/mot-de-passe-oublie');
      await assertHeading(heading(), 'Mot de passe ou alias oublié ?');
      const before = sink.messages.length;
      await page.getByLabel('Votre adresse courriel').fill(email);
      await page.getByRole('button', { name: 'Envoyer' }).click();
      await page.getByText(`Si un compte correspond à ${email}, un courriel vient de lui être envoyé`).waitFor();

      const reset = await sink.waitFor((m) => sink.messages.indexOf(m) >= before && /alias et votre mot de passe/.test(m.subject), MAIL_TIMEOUT);
      assert.deepEqual(reset.to, [email], 'the reset link goes to the person’s own address only');
      assert.match(reset.subject, /^Votre alias et votre mot de passe sur le portail /);
      assert.match(reset.text, new RegExp(`Pour rappel, votre alias de connexion est : ${alias.replace('.', '\\.')}`));
      const resetLink = linkIn(reset.text, '/mot-de-passe/definir');

      await page.goto(resetLink);
      await assertHeading(heading(), 'Choisir votre mot de passe');
      await page.getByLabel('Nouveau mot de passe').fill(newPassword);
      await page.getByLabel('Confirmez le mot de passe').fill(newPassword);
      await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
      await page.waitForURL((u) => u.pathname === '/espace');
      await assertHeading(heading(), 'Bonjour Camille Martin');

      // --- sign out; the old password is refused, the new one works with the alias --------------
      await page.getByRole('button', { name: 'Se déconnecter' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByLabel('Alias ou adresse courriel').fill(alias);
      await page.getByLabel(/^Mot de passe( \*)?$/).fill(firstPassword);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('alert').getByText('Alias, adresse courriel ou mot de passe incorrect.').waitFor();
      assert.equal(new URL(page.url()).pathname, '/connexion');

      await page.getByLabel(/^Mot de passe( \*)?$/).fill(newPassword);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL((u) => u.pathname === '/espace');
      await assertHeading(heading(), 'Bonjour Camille Martin');

      await assertNoPageProblems(problems);
      t.diagnostic(`axe-core checked ${problems.axe.checked.length} page states`);
      t.diagnostic(`journey took ${((Date.now() - started) / 1000).toFixed(1)} s on ${testBackend()}`);
    } finally {
      const shot = path.join(os.tmpdir(), `ecrin-e2e-accounts-${testBackend()}.png`);
      await page.screenshot({ path: shot, fullPage: true }).then(
        () => t.diagnostic(`screenshot: ${shot}`),
        () => {},
      );
      await context.close();
    }
  });

  it('switches the sign-in page to English with the header link, and back', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP_TIMEOUT });
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByRole('link', { name: 'English' }).click();
      await page.waitForURL((u) => u.pathname === '/connexion' && u.searchParams.get('lang') === 'en');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Sign in to the portal');
      await page.getByLabel('Alias or e-mail address').waitFor();
      await page.getByRole('link', { name: 'Forgotten password or alias?' }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();

      // the choice is remembered (cookie) without the parameter
      await page.getByRole('link', { name: 'Home' }).click();
      await page.waitForURL((u) => u.pathname === '/' && !u.searchParams.has('lang'));
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/connexion' && !u.searchParams.has('lang'));
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Sign in to the portal');

      // and the header link switches back to French
      await page.getByRole('link', { name: 'Français' }).click();
      await page.waitForURL((u) => u.searchParams.get('lang') === 'fr');
      assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Connexion au portail');
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });
});

