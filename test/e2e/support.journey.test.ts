/**
 * "Demande information" as a visitor finds it, in the system's Chromium against a real ecrin, by
 * clicks from "/": on a 390 px phone with JavaScript, the request sent and its acknowledgement in the
 * SMTP sink; without JavaScript, a form sent at once (faster than a person types) is refused on the
 * page, what was typed kept. axe-core checks every page. Skipped, with the reason, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const STEP = 15_000;
const PHONE = { width: 390, height: 844 };

async function assertFits(page: Page): Promise<void> {
  const [scroll, width] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  assert.ok(scroll <= width, `${page.url()} is ${scroll} px wide on a ${width} px screen`);
}

async function fill(page: Page, email: string): Promise<void> {
  await page.getByLabel('Sujet').selectOption('support');
  await page.getByLabel('Organisation').fill('Harmonie de Domène');
  await page.getByLabel('Personne à contacter').fill('Inès Robert');
  await page.getByLabel('Adresse courriel').fill(email);
  await page.getByLabel('Vos difficultés').fill('La saisie des cotisations.\nLes reçus fiscaux.');
  await page.getByLabel('Vos attentes').fill('Être autonome avant l’assemblée générale.');
  await page.getByRole('radio', { name: 'À distance — présentation' }).check();
}

describe('"Demande information" in a browser', { skip: skipReason, timeout: 240_000 }, () => {
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

  it('on a phone, from the home page: sent, acknowledged by e-mail', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP, viewport: PHONE });
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('link', { name: 'Demande information', exact: true }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Demande information');
      await assertFits(page);
      await fill(page, 'ines.robert@example.org');
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'support-form-phone.png'), fullPage: true });
      // a person takes a few seconds to fill it in
      await page.waitForTimeout(3200);
      await page.getByRole('button', { name: 'Envoyer la demande' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Demande envoyée');
      await assertFits(page);
      const ack = await sink.waitFor((m) => m.to.includes('ines.robert@example.org'), 30_000);
      assert.match(ack.subject, /Votre demande information n° \d+ est bien reçue/);
      assert.match(ack.text, /La saisie des cotisations/);
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });

  it('without JavaScript: sent at once, refused on the page with what was typed kept', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP, javaScript: false });
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('link', { name: 'Questions fréquentes' }).first().click();
      await page.getByText('Comment demander un accompagnement ?').click();
      await page.getByRole('link', { name: 'Remplir le formulaire « Demande information »' }).click();
      await fill(page, 'trop.vite@example.org');
      await page.getByRole('button', { name: 'Envoyer la demande' }).click();
      await page.getByText('Le formulaire a été envoyé trop vite').first().waitFor();
      assert.equal(await page.getByLabel('Organisation').inputValue(), 'Harmonie de Domène');
      if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, 'support-refused.png'), fullPage: true });
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });
});
