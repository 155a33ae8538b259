/**
 * The hosting year's renewal in a real browser, by clicks only (from "/" or a link read from an
 * e-mail), against a real ecrin whose clock the journey moves to the days of the year:
 * - 30 days before the end the daily sweep issues the renewal orders; the e-mail's link, then
 *   « Mon espace »'s banner (on a 390 px phone) name the end, the quote and its amount;
 * - another plan at renewal: the downgrade to Opale refused with the figures while the instance
 *   stores more than Opale's quota, allowed once the space is freed; the quote made again;
 * - « Annuler la commande automatique » on the other instance, with its confirmation;
 * - the operator changes the grace period in « Réglages » → « Cycle de l’abonnement » from the back
 *   office's home (a bad value refused first, with JavaScript and without, on a 390 px phone);
 * - the reminders then go to the renewed instance only; after the end, « Mon espace » shows the grace
 *   period of the new length and the end asked for; the suspension follows the new grace.
 * axe-core on every portal page (no serious or critical violation); screenshots with SCREENSHOTS=dir.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/renewal.journey.test.ts
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { lucteriosName } from '../../src/hosting/apps/diacamma.ts';
import { runLifecycleDay } from '../../src/modules/lifecycle/use-cases/run-lifecycle.ts';
import { addDays, frenchDate } from '../../src/platform/dates.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { signedInOperator } from '../support/customers.ts';
import { activeInstances } from '../support/instances.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { OffsetClock, startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

// (two browsers at once on a shared machine: a generous step bound, not a speed target)
const STEP = 30_000;
const MAIL_TIMEOUT = 30_000;
const PHONE = { width: 390, height: 844 };
const CUSTOMER = { identifier: 'renouvelle', password: 'velo-rouge-2026!' };
const OPERATOR = { identifier: 'ops-cycle@example.org', password: 'lanterne-magique-77' };
const text = (s: string | null) => (s ?? '').replace(/[\u202f\u00a0]/g, ' ');

async function assertFits(page: Page): Promise<void> {
  const [scroll, width] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  assert.ok(scroll <= width, `${page.url()} is ${scroll} px wide on a ${width} px screen`);
}

/** The sign-in form, filled as a person does (the page shows it). */
async function fillSignIn(page: Page, who: { identifier: string; password: string }): Promise<void> {
  await page.getByLabel('Alias ou adresse courriel').fill(who.identifier);
  await page.getByLabel(/^Mot de passe( \*)?$/).fill(who.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/** From "/": « Se connecter », then the form. */
async function signInFromHome(page: Page, baseUrl: string, who: { identifier: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
  await fillSignIn(page, who);
}

describe('the renewal in a real browser', { skip: skipReason, timeout: 300_000 }, () => {
  let browser: Browser;
  let server: RunningServer;
  let sink: SmtpSink;
  const clock = new OffsetClock();

  before(async () => {
    sink = await startSmtpSink();
    server = await startServer({ smtpUrl: sink.url, clock });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await sink?.close();
  });

  /** The morning of a Paris day, then that day's sweep (as the daily job runs it). */
  async function sweepOn(day: string) {
    clock.set(`${day}T07:30:00Z`);
    return runLifecycleDay(server.container.deps, day);
  }

  it('renewal order, banner, another plan at renewal, « Annuler la commande automatique », the operator’s delays', { timeout: 280_000 }, async (t: TestContext) => {
    // Two Émeraude instances of one customer, active (paid through the portal, provisioned by the queue).
    await activeInstances(server, 'renouvelle', ['renouveau', 'adieu'], { plan: 'emeraude' });
    await signedInOperator(server, OPERATOR.identifier);
    const instances = server.container.services.instances;
    const renewed = (await instances.findByName('renouveau'))!;
    const end = String(renewed.period_end);
    assert.equal(String((await instances.findByName('adieu'))!.period_end), end);
    const db = server.container.database.db;
    const mailsOf = (template: string, name: string) => db.selectFrom('mail_messages').select('id').where('template', '=', template).where('subject', 'like', `%${name}.%`).execute();

    // --- 1. 30 days before the end: the sweep issues both renewal orders and e-mails them ----------
    assert.equal((await sweepOn(addDays(end, -30))).renewalsIssued, 0, '31 days before the new period: nothing yet');
    assert.equal((await sweepOn(addDays(end, -29))).renewalsIssued, 2);
    const mail = await sink.waitFor((m) => m.to.includes('renouvelle@example.org') && m.subject.startsWith('Renouvellement de http://renouveau.'), MAIL_TIMEOUT);
    const quoteNumber = /devis (DEV-\d{4}-\d{4,})/.exec(mail.subject)![1]!;
    assert.match(text(mail.subject), /\(129,99 €\)/);
    const link = /https?:\/\/[^\s"<>]+\/commandes\/\d+/.exec(mail.text)![0];

    const customer = await newWatchedPage(browser, { stepTimeout: STEP, viewport: PHONE, origin: new URL(server.baseUrl).origin });
    const operator = await newWatchedPage(browser, { stepTimeout: STEP, origin: new URL(server.baseUrl).origin });
    const noJs = await newWatchedPage(browser, { stepTimeout: STEP, javaScript: false, viewport: PHONE });
    try {
      const page = customer.page;
      const banner = page.getByRole('region', { name: 'Renouvellement de vos instances' });
      const toHome = () => page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mon espace' }).click();

      // --- 2. the e-mail's link: sign in, the order to pay; then « Mon espace » and its banner -------
      await page.goto(link);
      await page.waitForURL((u) => u.pathname === '/connexion');
      await fillSignIn(page, CUSTOMER);
      await page.waitForURL((u) => u.pathname === new URL(link).pathname);
      await page.getByText(quoteNumber).first().waitFor();
      await assertFits(page);
      await toHome();
      await page.waitForURL((u) => u.pathname === '/espace');
      await banner.waitFor();
      const renewedLine = banner.getByRole('listitem').filter({ hasText: 'renouveau :' });
      assert.match(
        text(await renewedLine.getByRole('paragraph').first().textContent()),
        new RegExp(`^renouveau : l’abonnement se termine le ${frenchDate(end)}\\. La commande automatique de renouvellement vous attend : devis ${quoteNumber}, 129,99 € à régler, pour la période du ${frenchDate(addDays(end, 1))} au \\d\\d/\\d\\d/\\d{4} \\(forfait Émeraude\\)\\.$`),
      );
      await banner.getByRole('listitem').filter({ hasText: 'adieu :' }).waitFor();
      await assertFits(page);
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'renewal-banner-phone.png'), fullPage: true });
      // the pay link leads to the order of the e-mail
      await renewedLine.getByRole('link', { name: 'Régler le renouvellement de renouveau' }).click();
      await page.waitForURL((u) => u.pathname === new URL(link).pathname);
      await toHome();

      // --- 3. another plan at renewal: Opale refused while the instance stores more than 1 Go -------
      // The customer's documents in Diacamma take 1.5 Go (a sparse file in the instance's data),
      // measured by the monitor as it does every few minutes.
      const big = path.join(server.container.config.dataDir, 'instances', 'renouveau', lucteriosName('renouveau'), 'documents-2026.bin');
      const fd = openSync(big, 'w');
      ftruncateSync(fd, 1.5 * 1024 ** 3);
      closeSync(fd);
      await server.container.monitor.run();
      await renewedLine.getByRole('link', { name: 'Annuler la commande automatique de renouveau ou choisir un autre forfait' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Instance renouveau');
      const panel = page.getByRole('region', { name: 'Renouvellement' });
      await panel.getByLabel('Forfait du renouvellement').selectOption('opale');
      await panel.getByRole('button', { name: 'Renouveler avec ce forfait' }).click();
      const refusal = text(await page.getByRole('alert').textContent());
      assert.match(refusal, /^Le forfait Opale offre 1 Go de stockage, et l’instance en utilise 1,5 Go \(données et archives\)\. Libérez de la place avant de renouveler avec ce forfait : supprimez des archives dont vous n’avez plus besoin \(page « Archives » de l’instance\) ou des documents dans Diacamma\.$/);
      await assertFits(page);
      // The customer deletes those documents; the next measure sees the space freed.
      rmSync(big);
      await server.container.monitor.run();
      await panel.getByLabel('Forfait du renouvellement').selectOption('opale');
      await panel.getByRole('button', { name: 'Renouveler avec ce forfait' }).click();
      const changed = text(await page.getByRole('status').filter({ hasText: 'Le devis de renouvellement est refait au forfait Opale' }).textContent());
      const opaleQuote = /(DEV-\d{4}-\d{4,})/.exec(changed)![1]!;
      assert.notEqual(opaleQuote, quoteNumber);
      const opaleMail = await sink.waitFor((m) => m.subject.includes(opaleQuote), MAIL_TIMEOUT);
      assert.match(text(opaleMail.subject), /\(44,99 €\)/);
      await toHome();
      assert.match(text(await renewedLine.getByRole('paragraph').first().textContent()), new RegExp(`devis ${opaleQuote}, 44,99 € à régler, .*\\(forfait Opale\\)\\.$`));

      // --- 4. « Annuler la commande automatique » on the other instance, confirmed ------------------
      await banner.getByRole('link', { name: 'Annuler la commande automatique de adieu ou choisir un autre forfait' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Instance adieu');
      let question = '';
      page.once('dialog', (d) => {
        question = d.message();
        void d.accept();
      });
      await page.getByRole('region', { name: 'Renouvellement' }).getByRole('button', { name: 'Annuler la commande automatique' }).click();
      await page.getByRole('status').filter({ hasText: 'La commande automatique est annulée : l’instance s’arrêtera à l’échéance.' }).waitFor();
      assert.equal(text(question), `Annuler la commande automatique de renouvellement de adieu ? L’instance s’arrêtera à l’échéance du ${frenchDate(end)} ; ses données seront conservées 30 jours.`);
      await toHome();
      await banner.getByRole('listitem').filter({ hasText: 'adieu : vous avez annulé la commande automatique' }).waitFor();
      await assertFits(page);

      // --- 5. the operator: « Réglages » from the back office's home, the grace period to 5 days ------
      const ops = operator.page;
      await signInFromHome(ops, server.baseUrl, OPERATOR);
      await ops.waitForURL((u) => u.pathname === '/backoffice');
      await ops.getByRole('main').getByRole('link', { name: /^Réglages/ }).first().click();
      await assertHeading(ops.getByRole('heading', { level: 1 }), 'Réglages');
      const cycle = ops.locator('section#cycle');
      await cycle.getByRole('heading', { level: 2, name: 'Cycle de l’abonnement' }).waitFor();
      assert.equal(await cycle.getByLabel('Rappels : jours avant l’échéance').inputValue(), '15, 7, 1');
      assert.equal(await cycle.getByLabel('Réservation du nom d’une instance supprimée (jours)').inputValue(), '90');
      await cycle.getByLabel('Rappels : jours avant l’échéance').fill('40, 7, 1');
      await cycle.getByRole('button', { name: 'Enregistrer' }).click();
      // the summary names the problem and leads to the field, which says it too
      await ops.locator('section#cycle').getByRole('link', { name: 'Le rappel à 40 jours viendrait avant la commande de renouvellement (30 jours avant l’échéance) : chaque rappel doit être de 1 à 29 jours.' }).click();
      assert.equal(await ops.locator('section#cycle').getByLabel('Rappels : jours avant l’échéance').getAttribute('aria-invalid'), 'true');
      const describedBy = (await ops.locator('section#cycle').getByLabel('Rappels : jours avant l’échéance').getAttribute('aria-describedby')) ?? '';
      assert.match(text(await ops.locator(`#${describedBy.split(' ').pop()}`).textContent()), /^Le rappel à 40 jours viendrait avant/);
      assert.equal(await ops.locator('section#cycle').getByLabel('Rappels : jours avant l’échéance').inputValue(), '40, 7, 1', 'what was typed is kept');
      await ops.locator('section#cycle').getByLabel('Rappels : jours avant l’échéance').fill('15, 7, 1');
      await ops.locator('section#cycle').getByLabel('Délai de grâce après l’échéance (jours)').fill('5');
      await ops.locator('section#cycle').getByRole('button', { name: 'Enregistrer' }).click();
      await ops.locator('section#cycle').getByRole('status').filter({ hasText: 'Réglages enregistrés.' }).waitFor();
      assert.equal((await server.container.services.settings.lifecycle()).graceDays, 5);

      // the same form without JavaScript, on a phone: the error comes back from the server, in French, on the field
      await signInFromHome(noJs.page, server.baseUrl, OPERATOR);
      await noJs.page.waitForURL((u) => u.pathname === '/backoffice');
      await noJs.page.getByRole('main').getByRole('link', { name: /^Réglages/ }).first().click();
      await noJs.page.locator('section#cycle').getByLabel('Commande de renouvellement : jours avant l’échéance').fill('trente');
      await noJs.page.locator('section#cycle').getByRole('button', { name: 'Enregistrer' }).click();
      await noJs.page.locator('section#cycle').getByRole('link', { name: 'Délai invalide : un nombre entier de jours, de 1 à 120.' }).waitFor();
      assert.equal(await noJs.page.locator('section#cycle').getByLabel('Commande de renouvellement : jours avant l’échéance').getAttribute('aria-invalid'), 'true');
      assert.equal(await noJs.page.locator('section#cycle').getByLabel('Commande de renouvellement : jours avant l’échéance').inputValue(), 'trente');
      await assertFits(noJs.page);
      if (process.env.SCREENSHOTS) await noJs.page.locator('section#cycle').screenshot({ path: path.join(process.env.SCREENSHOTS, 'renewal-settings-phone.png') });
      assert.equal((await server.container.services.settings.lifecycle()).renewalLeadDays, 30, 'nothing saved');

      // --- 6. the reminders go to the renewed instance only; the end follows the settings ------------
      const reminded = await sweepOn(addDays(end, -14));
      assert.equal(reminded.reminders, 1, '15 days before: the renewed instance only');
      await sink.waitFor((m) => m.subject.startsWith('Rappel : http://renouveau.') && m.subject.includes(opaleQuote), MAIL_TIMEOUT);
      assert.equal((await mailsOf('lifecycle.reminder', 'adieu')).length, 0, 'no reminder after « Annuler la commande automatique »');
      assert.equal((await sweepOn(addDays(end, -6))).reminders, 1, '7 days before');
      assert.equal((await sweepOn(addDays(end, 0))).reminders, 1, 'the last day');
      assert.equal((await mailsOf('lifecycle.reminder', 'adieu')).length, 0);

      const lapsed = await sweepOn(addDays(end, 1));
      assert.deepEqual([lapsed.grace, lapsed.ended], [1, 1]);
      // the clock moved past the session's life: the customer signs in again from "/"
      await signInFromHome(page, server.baseUrl, CUSTOMER);
      await page.waitForURL((u) => u.pathname === '/espace');
      const grace = banner.getByRole('listitem').filter({ hasText: 'renouveau :' });
      assert.equal(text(await grace.getByRole('paragraph').first().textContent()), `renouveau : l’abonnement est échu depuis le ${frenchDate(end)}. Le devis ${opaleQuote} (44,99 €) n’est pas réglé : l’instance sera suspendue le ${frenchDate(addDays(end, 6))}.`);
      assert.match(text(await banner.getByRole('listitem').filter({ hasText: 'adieu :' }).textContent()), new RegExp(`l’abonnement prend fin le ${frenchDate(end)}\\. Les données seront conservées jusqu’au ${frenchDate(addDays(end, 30))}`));
      await assertFits(page);
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'renewal-grace-phone.png'), fullPage: true });
      assert.equal((await sweepOn(addDays(end, 5))).suspended, 0, 'still in the 5 days of grace');
      assert.equal((await sweepOn(addDays(end, 6))).suspended, 1, 'suspended after the 5 days of grace of the settings');

      await assertNoPageProblems(customer.problems);
      await assertNoPageProblems(operator.problems);
      await assertNoPageProblems(noJs.problems);
      assert.ok(customer.problems.axe.checked.some((u) => new URL(u).pathname === '/espace'), 'axe-core checked « Mon espace »');
      assert.ok(operator.problems.axe.checked.some((u) => new URL(u).pathname.startsWith('/backoffice/reglages')), 'axe-core checked « Réglages »');
      t.diagnostic(`axe-core checked ${customer.problems.axe.checked.length} customer and ${operator.problems.axe.checked.length} operator page states`);
    } finally {
      await customer.context.close();
      await operator.context.close();
      await noJs.context.close();
    }
  });
});
