/**
 * The order journey, in the system's Chromium against a real ecrin (HTTP on a loopback port, its own
 * DATA_DIR, pg-boss workers running the provisioning and action jobs, mail to an SMTP sink), only by
 * clicks from "/" and links read from e-mails: sign up → the e-mail's link → "Mon espace" →
 * "Nouvelle commande d'hébergement" → the billing address → "Valider la commande" → the quote; the
 * operator, invited by e-mail, records the transfer in the back office by clicks; the instance turns
 * "Active" by itself; "Editer"; the customer opens it through the front door (a new tab at the
 * instance's address), signs in to the Diacamma stand-in as admin, adds a member; "Mot de passe" from
 * the portal, watched to the end without reloading (htmx); the old password no longer works, the new
 * one does; "Vos factures" → the invoice PDF. axe-core checks every portal page on the way.
 * Skipped, with the reason, when Chromium is missing.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/instance.journey.test.ts
 *   (TEST_DB=postgres for the PostgreSQL back end)
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage, signUpInBrowser } from '../support/page-watch.ts';
import { testBackend } from '../support/database.ts';
import { linkIn } from '../support/agent.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.ts';

const STEP_TIMEOUT = 15_000;
const MAIL_TIMEOUT = 30_000;
const TEST_TIMEOUT = 180_000;
/** how long the instance may take to turn "Active" after the payment, and how often the list is reloaded */
// (a bound for the journey to fail rather than hang, not a speed target: it counts the operator's
// clicks too, and the suite runs two files at once; the figure is printed below, and measured by bench/provision.ts)
const ACTIVE_TIMEOUT = 60_000;
const RELOAD_EVERY = 500;
/** how long the password action may take to show "terminée" (htmx polls every 2 s) */
const ACTION_TIMEOUT = 10_000;

// --- page watching: ecrin's own pages only (the instance is the stand-in's, with its own CSP) ------



/** Opens the instance at its address (the stand-in asks to sign in) and signs in; true when it let us in. */
async function instanceSignIn(page: Page, origin: string, username: string, password: string): Promise<boolean> {
  await page.goto(`${origin}/`);
  await page.waitForURL((u) => u.origin === origin && u.pathname === '/login');
  await assertHeading(page.getByRole('heading', { level: 1 }), 'Connexion');
  await page.getByLabel('Identifiant').fill(username);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.waitForLoadState();
  const refused = page.getByText('Identifiant ou mot de passe incorrect.');
  const home = page.getByRole('heading', { level: 1, name: 'Accueil' });
  await refused.or(home).first().waitFor();
  return (await home.count()) > 0;
}

/** The bytes behind a link, fetched from inside the page (its cookies; Node cannot resolve *.localhost). */
async function pdfBytesInPage(page: Page, href: string): Promise<Buffer> {
  // (a string, not a function: the project's type-check has no DOM library)
  const b64 = (await page.evaluate(`(async () => {
    const bytes = new Uint8Array(await (await fetch(${JSON.stringify(href)}, { credentials: 'same-origin' })).arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  })()`)) as string;
  return Buffer.from(b64, 'base64');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an instance from order to use, in a real browser', { skip: skipReason, timeout: TEST_TIMEOUT * 2 }, () => {
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

  it('orders Opale, pays by transfer, opens the active instance, adds a member, changes the admin password', { timeout: TEST_TIMEOUT }, async (t: TestContext) => {
    const started = Date.now();
    const portalOrigin = new URL(server.baseUrl).origin;
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP_TIMEOUT, origin: portalOrigin });
    const alias = 'claude.brun';
    const email = 'claude.brun@example.org';
    const password = 'Jardin-Partage-2026!';
    const adminP1 = 'Potager-Bio-2026';
    const adminP2 = 'Serre-Chaude-2027';
    const adminP3 = 'Jardin-Ouvrier-2028';
    const instance = 'jardins-partages';
    const instanceOrigin = `http://${instance}.localhost:${server.port}`;
    const heading = () => page.getByRole('heading', { level: 1 });

    try {
      // --- 1. sign-up and password --------------------------------------------------------------
      await signUpInBrowser(page, sink, { baseUrl: server.baseUrl, alias, name: 'Claude Brun', email, organisation: 'Les Jardins Partagés', password, mailTimeout: MAIL_TIMEOUT });

      // --- 2. "Mon espace" → "Nouvelle commande d'hébergement": Opale, admin password P1, transfer ------
      await assertHeading(heading(), 'Bonjour Claude Brun');
      await page.getByRole('main').getByRole('link', { name: "Nouvelle commande d'hébergement" }).click();
      await page.waitForURL((u) => u.pathname === '/instances/nouvelle');
      await assertHeading(heading(), "Nouvelle commande d'hébergement");
      await page.getByLabel("Nom de l'instance").fill(instance);
      await page.getByRole('radio', { name: /^Opale — / }).check();
      await page.getByRole('radio', { name: 'Diacamma Asso (associations)' }).check();
      await page.getByLabel('Mot de passe du compte « admin » de votre Diacamma').fill(adminP1);
      await page.getByLabel('Confirmez le mot de passe « admin »').fill(adminP1);
      // PayPal is not configured: the transfer is preselected, PayPal not offered
      assert.equal(await page.getByRole('radio', { name: 'Virement bancaire' }).isChecked(), true);
      assert.equal(await page.getByRole('radio', { name: /PayPal/ }).count(), 0);
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL((u) => /^\/commandes\/\d+$/.test(u.pathname));
      const orderPath = new URL(page.url()).pathname;
      const orderId = Number(orderPath.split('/').pop());
      await assertHeading(heading(), `Commande ${instance}`);

      // --- 3. the billing address and the CGV, one step: "Valider la commande" -------------------------
      const validate = page.getByRole('button', { name: 'Valider la commande' });
      await validate.click();
      // nothing filled in: every problem named at once
      await page.getByRole('alert').getByText('Cochez la case pour accepter les conditions générales de vente.').waitFor();
      assert.equal(await page.getByRole('alert').getByRole('listitem').count(), 5);
      await page.getByLabel('Forme juridique').selectOption({ label: 'Association (loi 1901)' });
      await page.getByLabel(/^Adresse( \*)?$/).fill('8 chemin des Potagers');
      await page.getByLabel('Code postal').fill('38420');
      await page.getByLabel('Ville').fill('Le Versoud');
      await page.getByRole('checkbox', { name: /J'ai lu et j'accepte les conditions générales de vente/ }).check();
      await validate.click();
      await page.waitForURL((u) => u.pathname === orderPath && u.searchParams.has('valide'));
      const quoteNumber = new URL(page.url()).searchParams.get('valide')!;
      assert.match(quoteNumber, /^DEV-\d{4}-\d{4,}$/);
      await page.locator('dl.details').getByText('En attente de paiement').waitFor();
      await page.getByText(/Titulaire du compte : .+ — IBAN FR76/).waitFor();
      const quoteMail = await sink.waitFor((m) => m.subject.includes(quoteNumber), MAIL_TIMEOUT);
      assert.doesNotMatch(quoteMail.text, /PayPal/, 'no PayPal in the quote mail while it is not configured');

      // --- the operator, invited by e-mail, records the transfer in the back office -------------------
      const paidAt = performance.now();
      const invite = await server.container.services.accounts.createOperator('operatrice@example.org');
      assert.ok(invite.ok);
      const inviteMail = await sink.waitFor((m) => m.to.includes('operatrice@example.org'), MAIL_TIMEOUT);
      const ops = await newWatchedPage(browser, { stepTimeout: STEP_TIMEOUT, origin: portalOrigin });
      try {
        const op = ops.page;
        await op.goto(linkIn(inviteMail.text, '/mot-de-passe/definir'));
        await op.getByLabel('Nouveau mot de passe').fill('Lanterne-Magique-77');
        await op.getByLabel('Confirmez le mot de passe').fill('Lanterne-Magique-77');
        await op.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
        await op.waitForURL((u) => u.pathname === '/backoffice');
        await op.getByRole('navigation', { name: 'Sections du back office' }).getByRole('link', { name: 'Documents' }).click();
        await op.getByRole('link', { name: quoteNumber }).click();
        await op.waitForURL((u) => u.pathname === `/backoffice/documents/${quoteNumber}`);
        // Prefilled with what is due; a typo in the amount is caught before anything is recorded.
        assert.equal(await op.getByLabel('Montant reçu (€)').inputValue(), '44,99');
        await op.getByLabel('Montant reçu (€)').fill('4,99');
        await op.getByLabel('Référence du virement ou numéro du chèque').fill(quoteNumber);
        await op.getByRole('button', { name: 'Enregistrer le règlement' }).click();
        await op.getByRole('alert').filter({ hasText: 'Vérifiez avant d’enregistrer' }).waitFor();
        await op.getByText(/Le montant saisi diffère du reste dû \(44,99\s€\)/).waitFor();
        if (process.env.SCREENSHOTS) await op.screenshot({ path: path.join(process.env.SCREENSHOTS, 'payment-warning.png'), fullPage: true });
        await op.getByLabel('Montant reçu (€)').fill('44,99');
        await op.getByRole('button', { name: 'Enregistrer le règlement' }).click();
        await op.getByText(/^Règlement enregistré — facture FAC-\d{4}-\d{4,} émise\.$/).waitFor();
        if (process.env.SCREENSHOTS) await op.screenshot({ path: path.join(process.env.SCREENSHOTS, 'payment-recorded.png'), fullPage: true });
        await assertNoPageProblems(ops.problems);
      } finally {
        await ops.context.close();
      }

      // --- 4. "Vos instances d'hébergement": reloaded until the instance is "Active" --------------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: "Vos instances d'hébergement" }).click();
      await page.waitForURL((u) => u.pathname === '/instances');
      const row = page.locator('tbody tr').filter({ has: page.locator('strong', { hasText: instance }) }).first();
      let state = '';
      let reloads = 0;
      while (performance.now() - paidAt < ACTIVE_TIMEOUT) {
        if ((await row.count()) > 0) state = (await row.locator('.badge').innerText()).trim();
        if (state === 'Active') break;
        await sleep(RELOAD_EVERY);
        await page.reload();
        reloads++;
      }
      const toActiveMs = performance.now() - paidAt;
      assert.equal(state, 'Active', `the instance is not active ${ACTIVE_TIMEOUT / 1000} s after the payment (last state seen: "${state || 'no row'}")`);
      const record = (await server.container.services.instances.findByName(instance))!;
      const order = (await server.container.services.orders.find(orderId))!;
      const serverSide = record.activated_at && order.paid_at ? new Date(record.activated_at).getTime() - new Date(order.paid_at).getTime() : NaN;
      t.diagnostic(`payment → "Active" in the list: ${(toActiveMs / 1000).toFixed(2)} s (${reloads} reloads); paid_at → activated_at: ${(serverSide / 1000).toFixed(2)} s`);
      assert.equal(await row.getByRole('link', { name: instanceOrigin }).getAttribute('href'), instanceOrigin);

      // --- 5. "Editer": the instance page, its state and its address ---------------------------------
      await row.getByRole('link', { name: `Editer ${instance}` }).click();
      await page.waitForURL((u) => u.pathname === `/instances/${record.id}`);
      await assertHeading(heading(), `Instance ${instance}`);
      const details = page.locator('dl.details');
      assert.equal((await details.locator('.badge').first().innerText()).trim(), 'Active');
      await details.getByText('Opale').waitFor();
      await details.getByText('3 au maximum').waitFor();
      const address = details.getByRole('link', { name: instanceOrigin });
      assert.equal(await address.getAttribute('href'), instanceOrigin);
      const actions = page.locator('#actions');
      await actions.locator('tr').filter({ hasText: "Création de l'instance" }).getByText('terminée').waitFor();
      // the paid order leads to its instance, and back
      await details.getByRole('link', { name: 'Voir la commande et sa facture' }).click();
      await page.waitForURL((u) => u.pathname === orderPath);
      await page.getByRole('link', { name: `Voir l’instance ${instance}` }).click();
      await page.waitForURL((u) => u.pathname === `/instances/${record.id}`);

      // --- 6. the instance, through the front door, in a new tab: the stand-in's sign-in, admin / P1 ---
      const portalPage = page;
      const tab = await context.newPage();
      await tab.goto(`${instanceOrigin}/`);
      {
      const page = tab;
      const heading = () => tab.getByRole('heading', { level: 1 });
      await page.waitForURL((u) => u.origin === instanceOrigin && u.pathname === '/login');
      await assertHeading(heading(), 'Connexion');
      await page.getByText('Mode de connexion : Connexion toujours nécessaire').waitFor();
      await page.getByLabel('Identifiant').fill('admin');
      await page.getByLabel('Mot de passe').fill(adminP1);
      await page.getByRole('button', { name: 'Connexion' }).click();
      await page.waitForURL((u) => u.origin === instanceOrigin && u.pathname === '/');
      await assertHeading(heading(), 'Accueil');
      await page.getByText('Déconnexion').waitFor();

      // --- 7. a member, added on /members ----------------------------------------------------------
      await page.getByRole('link', { name: 'Membres' }).first().click();
      await page.waitForURL((u) => u.origin === instanceOrigin && u.pathname === '/members');
      await assertHeading(heading(), 'Membres');
      await page.getByText('0 membre(s).').waitFor();
      await page.getByLabel('Prénom').fill('Louise');
      await page.getByLabel('Nom', { exact: true }).fill('Michel');
      await page.getByLabel('Courriel').fill('louise.michel@example.org');
      await page.getByRole('button', { name: 'Ajouter' }).click();
      await page.waitForURL((u) => u.origin === instanceOrigin && u.pathname === '/members');
      await page.getByText('1 membre(s).').waitFor();
      await page.getByRole('cell', { name: 'louise.michel@example.org' }).waitFor();
      }

      // --- 8. back in the portal's tab: "Mot de passe", P2 twice -------------------------------------------
      await portalPage.bringToFront();
      await assertHeading(heading(), `Instance ${instance}`);
      const form = page.locator('#mot-de-passe');
      await form.getByRole('heading', { name: 'Mot de passe' }).waitFor();
      await form.getByLabel('Nouveau mot de passe « admin »').fill(adminP2);
      await form.getByLabel('Confirmez le mot de passe').fill(adminP2);
      const clicked = performance.now();
      await form.getByRole('button', { name: 'Mot de passe', exact: true }).click();
      await page.waitForURL((u) => u.pathname === `/instances/${record.id}` && u.searchParams.get('action') === 'planifiee');
      await page.locator('.notice.success').getByText(/Action planifiée/).waitFor();
      const pwdRow = actions.locator('tbody tr').filter({ hasText: 'Mot de passe admin' });
      await pwdRow.waitFor();
      const firstSeen = (await pwdRow.locator('.badge').innerText()).trim();
      assert.ok(['planifiée', 'en cours', 'terminée'].includes(firstSeen), `state of the new action: ${firstSeen}`);
      // From here on, no navigation: the table refreshes itself (htmx, every 2 s).
      await page.evaluate('window.__sameDocument = true');
      let navigations = 0;
      const onNavigate = (frame: { parentFrame(): unknown }) => {
        if (!frame.parentFrame()) navigations++;
      };
      page.on('framenavigated', onNavigate);
      const refreshes: string[] = [];
      page.on('request', (r) => {
        if (r.headers()['hx-request'] === 'true') refreshes.push(new URL(r.url()).pathname);
      });
      await pwdRow.locator('.badge', { hasText: 'terminée' }).waitFor({ timeout: ACTION_TIMEOUT });
      const doneMs = performance.now() - clicked;
      page.off('framenavigated', onNavigate);
      assert.equal(navigations, 0, 'the page was not reloaded');
      assert.equal(await page.evaluate('window.__sameDocument'), true, 'still the same document');
      if (firstSeen !== 'terminée') assert.ok(refreshes.includes(`/instances/${record.id}/actions`), `htmx refreshed the table: ${refreshes.join(', ')}`);
      t.diagnostic(`"Mot de passe" click → "terminée" shown: ${(doneMs / 1000).toFixed(2)} s (first seen: ${firstSeen}; htmx refreshes: ${refreshes.length})`);
      assert.equal(await actions.locator('.badge', { hasText: 'en échec' }).count(), 0);

      // the password change signed the old instance session out, as Django does
      await tab.getByRole('link', { name: 'Membres' }).first().click();
      await tab.waitForURL((u) => u.origin === instanceOrigin && u.pathname === '/login');

      // --- 9. a new browser: admin / P1 refused, admin / P2 accepted, the member is still there -------
      const fresh = await browser.newContext({ locale: 'fr-FR' });
      try {
        fresh.setDefaultTimeout(STEP_TIMEOUT);
        const other = await fresh.newPage();
        assert.equal(await instanceSignIn(other, instanceOrigin, 'admin', adminP1), false, 'the old admin password is refused');
        await other.getByText('Identifiant ou mot de passe incorrect.').waitFor();
        assert.equal(await instanceSignIn(other, instanceOrigin, 'admin', adminP2), true, 'the new admin password works');
        await other.getByRole('link', { name: 'Membres' }).first().click();
        await other.getByRole('cell', { name: 'louise.michel@example.org' }).waitFor();
      } finally {
        await fresh.close();
      }

      // --- 9b. Archiver → the data changes → Restaurer → the data of the archive is back ---------------
      await page.getByRole('link', { name: 'Gérer les archives' }).click();
      await page.waitForURL((u) => u.pathname === `/instances/${record.id}/archives`);
      await assertHeading(heading(), `Archives de ${instance}`);
      await page.getByText('Aucune archive pour le moment.').waitFor();
      await page.getByLabel("Nom de l'archive").fill('Avant le ménage');
      await page.getByRole('button', { name: 'Archiver', exact: true }).click();
      await page.locator('.notice.success').getByText(/l'archive apparaîtra ici/).waitFor();
      const archiveRow = page.locator('tbody tr').filter({ hasText: 'Avant le ménage' });
      for (const deadline = Date.now() + ACTION_TIMEOUT * 3; (await archiveRow.count()) === 0 && Date.now() < deadline; ) {
        await sleep(RELOAD_EVERY);
        await page.reload();
      }
      await archiveRow.getByText('créée ici').waitFor();
      assert.match(await archiveRow.innerText(), /SHA-256 : [0-9a-f]{64}/, 'the SHA-256 is shown beside it');
      // the data changes in the instance: the member is deleted
      {
        await tab.bringToFront();
        assert.equal(await instanceSignIn(tab, instanceOrigin, 'admin', adminP2), true);
        await tab.getByRole('link', { name: 'Membres' }).first().click();
        await tab.getByRole('row').filter({ hasText: 'louise.michel@example.org' }).getByRole('button', { name: 'Supprimer' }).click();
        await tab.getByText('0 membre(s).').waitFor();
      }
      await portalPage.bringToFront();
      await archiveRow.getByRole('link', { name: 'Restaurer « Avant le ménage »' }).click();
      await assertHeading(heading(), 'Restaurer « Avant le ménage »');
      await page.getByLabel(`Tapez le nom de l'instance (${instance}) pour confirmer`).fill(instance);
      await page.getByLabel('Mot de passe « admin » après la restauration').fill(adminP3);
      await page.getByLabel('Confirmez le mot de passe').fill(adminP3);
      await page.getByRole('button', { name: 'Restaurer' }).click();
      await page.locator('.notice.success').getByText(/Restauration planifiée/).waitFor();
      await page.getByRole('link', { name: "Vos actions d'hébergement" }).first().click();
      await assertHeading(heading(), "Vos actions d'hébergement");
      await page.locator('tbody tr').filter({ hasText: 'Restauration' }).locator('.badge', { hasText: 'terminée' }).waitFor({ timeout: ACTION_TIMEOUT * 4 });
      {
        const fresh = await browser.newContext({ locale: 'fr-FR' });
        try {
          fresh.setDefaultTimeout(STEP_TIMEOUT);
          const other = await fresh.newPage();
          assert.equal(await instanceSignIn(other, instanceOrigin, 'admin', adminP2), false, 'the password before the restore is refused');
          assert.equal(await instanceSignIn(other, instanceOrigin, 'admin', adminP3), true, 'the password given with Restaurer works');
          await other.getByRole('link', { name: 'Membres' }).first().click();
          await other.getByRole('cell', { name: 'louise.michel@example.org' }).waitFor();
        } finally {
          await fresh.close();
        }
      }

      // --- 10. "Vos factures": the invoice, its PDF as issued (Factur-X inside) -------------------------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Vos factures' }).click();
      await assertHeading(heading(), 'Vos factures');
      const invoiceRow = page.locator('tbody tr').filter({ hasText: /Facture FAC-\d{4}-\d{4,}/ });
      const invoiceNumber = /FAC-\d{4}-\d{4,}/.exec(await invoiceRow.innerText())![0];
      const link = invoiceRow.getByRole('link', { name: 'Imprimer (PDF)' });
      // the bytes, read as the page's own request would (Chromium shows a PDF in its viewer)
      const bytes = await pdfBytesInPage(page, (await link.getAttribute('href'))!);
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.ok(bytes.includes('factur-x.xml'), 'the invoice embeds factur-x.xml');
      const [pdf] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === `/factures/${invoiceNumber}.pdf`), link.click()]);
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      await page.goBack();
      await assertHeading(heading(), 'Vos factures');

      // --- 11. "Changer de forfait": the offer, a refusal that speaks, the order and its quote ---------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: "Vos instances d'hébergement" }).click();
      await page.locator('tbody tr').filter({ has: page.locator('strong', { hasText: instance }) }).first().getByRole('link', { name: `Editer ${instance}` }).click();
      await page.getByRole('link', { name: 'Changer de forfait' }).click();
      await assertHeading(heading(), `Changer de forfait — ${instance}`);
      const emeraude = page.getByRole('radio', { name: /^Émeraude — 85,00\s€ à régler \(Changement de forfait Opale → Émeraude du / });
      assert.equal(await emeraude.isChecked(), true);
      await page.getByRole('button', { name: 'Commander le changement de forfait' }).click();
      await page.getByRole('alert').getByText('Cochez la case pour accepter les conditions générales de vente.').waitFor();
      await page.getByRole('checkbox', { name: /J’ai lu et j’accepte les conditions générales de vente/ }).check();
      await page.getByRole('button', { name: 'Commander le changement de forfait' }).click();
      await assertHeading(heading(), `Changement de forfait — ${instance}`);
      await page.getByText('Opale → Émeraude').waitFor();
      await page.getByText('Le nouveau forfait s’applique dès réception du règlement.').waitFor();
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'plan-change-order.png'), fullPage: true });
      await assertNoPageProblems(problems);
      t.diagnostic(`axe-core checked ${problems.axe.checked.length} portal page states`);

      t.diagnostic(`journey took ${((Date.now() - started) / 1000).toFixed(1)} s on ${testBackend()}`);
    } finally {
      const seen = [...problems.cspViolations, ...problems.pageErrors, ...problems.consoleErrors, ...problems.failedSubresources];
      if (seen.length > 0) t.diagnostic(`page problems seen on ecrin's pages:\n${seen.join('\n')}`);
      const shot = path.join(os.tmpdir(), `ecrin-e2e-instance-${testBackend()}.png`);
      await page.screenshot({ path: shot, fullPage: true }).then(
        () => t.diagnostic(`screenshot: ${shot}`),
        () => {},
      );
      await context.close();
    }
  });
});
