/**
 * Accompaniment from request to its invoice, in the system's Chromium against a real ecrin, by
 * clicks only: a customer sends "Demande information" from the home page; the operator (invited by
 * e-mail) answers with a quote (invoiced on completion); the customer accepts it ("Bon pour
 * accord"); the operator plans two sessions — each participant's invitation reaches the SMTP sink
 * with its .ics, read by ical.js; "Vos séances" shows them; one session is moved — the update has
 * the same UID and a higher SEQUENCE; a session to come cannot be marked done; a week later (the
 * server's clock moved forward) both are marked done and the hours done show on both sides; the
 * operator clicks « Facturer l'accompagnement »: the invoice reaches the sink with its PDF, and the
 * customer finds it, to pay, from their home through « Vos factures ». The planning page and
 * "Vos séances" are checked at 390 px (screenshots with SCREENSHOTS=dir). axe-core on every page.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DAY } from '../../src/platform/clock.ts';
import { addDays, parisDate } from '../../src/platform/dates.ts';
import { linkIn } from '../support/agent.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { parseIcs } from '../support/ics.ts';
import { mimeLeaves } from '../support/mime.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage, signUpInBrowser } from '../support/page-watch.ts';
import { OffsetClock, startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.ts';

const STEP = 15_000;
const MAIL = 30_000;
const PHONE = { width: 390, height: 844 };

async function assertFits(page: Page): Promise<void> {
  const [scroll, width] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  assert.ok(scroll <= width, `${page.url()} is ${scroll} px wide on a ${width} px screen`);
}

function calendarOf(m: SinkMessage) {
  const leaf = mimeLeaves(m.raw).find((l) => l.mime === 'text/calendar');
  assert.ok(leaf, `a text/calendar part in "${m.subject}"`);
  assert.match(leaf.contentType, /method=(REQUEST|CANCEL)/i);
  const [ev] = parseIcs(leaf.bytes.toString('utf8'));
  assert.ok(ev);
  return ev;
}

describe('accompaniment sessions in a browser', { skip: skipReason, timeout: 400_000 }, () => {
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

  it('request → quote → "Bon pour accord" → two sessions planned, invited, one moved, both done → invoice in « Vos factures »', { timeout: 360_000 }, async () => {
    const origin = new URL(server.baseUrl).origin;
    const email = 'ines.seances@example.org';
    const cust = await newWatchedPage(browser, { stepTimeout: STEP, origin, viewport: PHONE });
    const ops = await newWatchedPage(browser, { stepTimeout: STEP, origin });
    const page = cust.page;
    const op = ops.page;
    // Within the sessions' two weeks of sign-in: the clock moves a week forward once they are planned.
    const today = parisDate(clock.now());
    const day1 = addDays(today, 2);
    const day2 = addDays(today, 4);
    const day3 = addDays(today, 6);
    try {
      // --- the customer asks, from the home page ------------------------------------------------
      await signUpInBrowser(page, sink, { baseUrl: server.baseUrl, alias: 'ines-seances', name: 'Inès Robert', email, organisation: 'Harmonie de Domène', password: 'Trompette-Doree-2026', mailTimeout: MAIL });
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('link', { name: 'Demande information', exact: true }).first().click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Demande information');
      await page.getByLabel('Vos difficultés').fill('La saisie des cotisations.');
      await page.getByLabel('Vos attentes').fill('Être autonome avant l’assemblée générale.');
      await page.getByRole('radio', { name: 'À distance — présentation' }).check();
      await page.waitForTimeout(3200);
      await page.getByRole('button', { name: 'Envoyer la demande' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Demande envoyée');

      // --- the operator, invited by e-mail, answers with a quote --------------------------------
      const invite = await server.container.services.accounts.createOperator('operatrice.seances@example.org');
      assert.ok(invite.ok);
      const inviteMail = await sink.waitFor((m) => m.to.includes('operatrice.seances@example.org'), MAIL);
      await op.goto(linkIn(inviteMail.text, '/mot-de-passe/definir'));
      await op.getByLabel('Nouveau mot de passe').fill('Lanterne-Magique-77');
      await op.getByLabel('Confirmez le mot de passe').fill('Lanterne-Magique-77');
      await op.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
      await op.waitForURL((u) => u.pathname === '/backoffice');
      await op.getByRole('navigation', { name: 'Sections du back office' }).getByRole('link', { name: 'Demandes' }).click();
      await op.locator('table').getByRole('link').first().click();
      await op.getByLabel('Séances, ligne 1 : intitulé').fill('Cotisations et reçus');
      await op.getByLabel('Séances, ligne 1 : heures').fill('4');
      await op.getByRole('button', { name: 'Émettre et envoyer le devis' }).click();
      const issued = await op.getByText(/^Devis DEV-\d{4}-\d{4,} émis et envoyé au client\.$/).innerText();
      const quoteNumber = /DEV-\d{4}-\d{4,}/.exec(issued)![0];
      await sink.waitFor((m) => m.to.includes(email) && m.subject.includes(quoteNumber), MAIL);

      // --- the customer accepts it --------------------------------------------------------------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Vos factures' }).click();
      await page.getByRole('link', { name: 'Accepter ou refuser' }).first().click();
      await page.getByLabel('Vos nom et prénom').first().fill('Inès Robert');
      await page.getByLabel('Bon pour accord : j’accepte ce devis').check();
      await page.getByRole('button', { name: 'Accepter le devis' }).click();
      await page.getByText(/Devis accepté le .* par Inès Robert/).waitFor();

      // --- the operator plans two sessions ------------------------------------------------------
      await op.reload();
      await op.getByRole('link', { name: 'Planning des séances' }).click();
      await assertHeading(op.getByRole('heading', { level: 1 }), `Planning — demande n° ${/\/demandes\/(\d+)/.exec(op.url())![1]}`);
      const plan = async (date: string, time: string, topic: string) => {
        await op.getByLabel('Sujet (facultatif)').fill(topic);
        await op.getByLabel(/^Date\b/).fill(date);
        await op.getByLabel('Heure de début (heure de Paris)').fill(time);
        await op.getByLabel('Format').selectOption('remote_presentation');
        await op.getByLabel('Durée').selectOption('120');
        await op.getByLabel(/^Adresse \(sur site\), lien de la réunion/).fill('https://visio.example.org/harmonie');
        await op.getByLabel(/^Adresses courriel des participants/).fill(`${email}, chef.choeur@example.org`);
        await op.getByRole('button', { name: 'Planifier et inviter les participants' }).click();
        await op.getByText('Séance planifiée ; les participants ont reçu l’invitation.').waitFor();
      };
      await plan(day1, '10:00', 'Cotisations');
      await plan(day2, '14:00', 'Reçus fiscaux');
      await op.setViewportSize(PHONE);
      await assertFits(op);
      if (process.env.SCREENSHOTS) await op.screenshot({ path: path.join(process.env.SCREENSHOTS, 'support-planning-phone.png'), fullPage: true });
      await op.setViewportSize({ width: 1100, height: 900 });

      const invitations = [];
      for (const topic of ['Cotisations', 'Reçus fiscaux']) {
        for (const to of [email, 'chef.choeur@example.org']) {
          const m = await sink.waitFor((x) => x.to.includes(to) && x.subject.startsWith('Invitation :') && x.subject.includes(topic), MAIL);
          const ev = calendarOf(m);
          assert.equal(ev.method, 'REQUEST');
          assert.deepEqual(ev.tzids, ['Europe/Paris']);
          assert.equal(ev.startTzid, 'Europe/Paris');
          assert.equal(ev.sequence, 0);
          assert.equal(ev.url, 'https://visio.example.org/harmonie');
          assert.deepEqual(ev.attendees.map((a) => a.toLowerCase()).sort(), [`mailto:chef.choeur@example.org`, `mailto:${email}`]);
          assert.match(ev.organizer, /^mailto:/i);
          invitations.push({ topic, ev });
        }
      }
      const first = invitations.find((i) => i.topic === 'Cotisations')!.ev;
      assert.equal(first.startLocal, `${day1}T10:00:00`);
      assert.equal(invitations.filter((i) => i.topic === 'Cotisations').every((i) => i.ev.uid === first.uid), true, 'one UID per session');
      assert.notEqual(invitations.find((i) => i.topic === 'Reçus fiscaux')!.ev.uid, first.uid);

      // --- "Vos séances" shows them -------------------------------------------------------------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Vos séances' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Vos séances');
      await page.getByRole('heading', { name: /— Cotisations$/ }).waitFor();
      await page.getByRole('heading', { name: /— Reçus fiscaux$/ }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Rejoindre la présentation' }).count(), 2);
      await page.getByText('Heures réalisées : 0 h sur 4 h devisées').waitFor();
      await assertFits(page);
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'support-sessions-phone.png'), fullPage: true });

      // --- the operator moves the first one -----------------------------------------------------
      await op.getByRole('link', { name: /^Ouvrir la séance du/ }).first().click();
      await op.getByLabel(/^Date\b/).fill(day3);
      await op.getByRole('button', { name: 'Enregistrer et prévenir les participants' }).click();
      await op.getByText('Séance modifiée ; les participants ont reçu la mise à jour.').waitFor();
      const update = calendarOf(await sink.waitFor((x) => x.to.includes(email) && x.subject.startsWith('Séance modifiée :'), MAIL));
      assert.equal(update.uid, first.uid, 'the same UID');
      assert.ok(update.sequence > first.sequence, `SEQUENCE ${update.sequence} > ${first.sequence}`);
      assert.equal(update.startLocal, `${day3}T10:00:00`);

      // --- a session to come cannot be marked done ----------------------------------------------
      await op.getByLabel('Heures réalisées').fill('2');
      await op.getByRole('button', { name: 'Marquer réalisée' }).click();
      await op.getByText('Cette séance n’a pas encore commencé : elle ne peut être marquée réalisée qu’une fois son heure de début passée.').first().waitFor();

      // --- a week later, both marked done; the hours on both sides ------------------------------
      clock.set(new Date(clock.now().getTime() + 7 * DAY));
      await op.getByRole('link', { name: 'Revenir au planning' }).click();
      for (let i = 0; i < 2; i++) {
        await op.locator('tbody tr').filter({ hasText: 'planifiée' }).first().getByRole('link', { name: /^Ouvrir la séance du/ }).click();
        await op.getByLabel('Heures réalisées').fill('2');
        await op.getByRole('button', { name: 'Marquer réalisée' }).click();
        await op.getByText('Séance marquée réalisée.').waitFor();
      }
      await op.getByText('Heures devisées : 4 h · réalisées : 4 h · planifiées à venir : 0 h').waitFor();
      await page.reload();
      await page.getByText('Heures réalisées : 4 h sur 4 h devisées').waitFor();
      assert.equal(await page.getByText('Réalisée (2 h)').count(), 2);

      // --- the operator closes the accompaniment: its invoice --------------------------------------
      await op.getByRole('heading', { name: 'Facturation' }).waitFor();
      const questions: string[] = [];
      op.once('dialog', (d) => {
        questions.push(d.message());
        void d.accept();
      });
      await op.getByRole('button', { name: 'Facturer l’accompagnement' }).click();
      const invoiced = await op.getByText(/^Facture FAC-\d{4}-\d{4,} émise et envoyée au client\.$/).innerText();
      assert.deepEqual(questions, ['Émettre la facture de fin de cet accompagnement ? Elle ne pourra plus être modifiée (seul un avoir la corrige).']);
      const invoiceNumber = /FAC-\d{4}-\d{4,}/.exec(invoiced)![0];
      await op.getByText(new RegExp(`Facture de fin d’accompagnement : ${invoiceNumber} du .*, reste à payer 320,00.€`)).waitFor();
      const invoiceMail = await sink.waitFor((m) => m.to.includes(email) && m.subject === `Votre facture d'accompagnement ${invoiceNumber}`, MAIL);
      const pdf = mimeLeaves(invoiceMail.raw).find((l) => l.mime === 'application/pdf');
      assert.ok(pdf, 'the invoice PDF attached');
      assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
      assert.match(invoiceMail.text, /Reste à payer : 320,00.€/);

      // --- the customer finds it from their home, through « Vos factures » ------------------------
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mon espace' }).click();
      await page.getByRole('main').getByRole('link', { name: /^Vos factures/ }).first().click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Vos factures');
      const row = page.getByRole('row').filter({ hasText: invoiceNumber });
      await row.getByText('à payer', { exact: true }).waitFor();
      await row.getByText(/320,00.€/).first().waitFor();
      await assertFits(page);
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'support-invoice-phone.png'), fullPage: true });
      await assertNoPageProblems(cust.problems);
      await assertNoPageProblems(ops.problems);
    } finally {
      await cust.context.close();
      await ops.context.close();
    }
  });
});
