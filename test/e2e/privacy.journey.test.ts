/**
 * "Vos données" in a real browser, by clicks only, on a phone: a customer downloads the ZIP of their
 * data (read back with a ZIP library) and closes their account; signing in is refused afterwards.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/privacy.journey.test.ts
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { orderAndValidate } from '../support/customers.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { customerAgent } from '../support/paid-order.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { unzipEntries } from '../support/unzip.ts';

const STEP = 15_000;
const PHONE = { width: 390, height: 844 };

async function assertFits(page: Page): Promise<void> {
  const [scroll, width] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  assert.ok(scroll <= width, `${page.url()} is ${scroll} px wide on a ${width} px screen`);
}

describe('"Vos données" in a real browser', { skip: skipReason, timeout: 180_000 }, () => {
  let browser: Browser;
  let server: RunningServer;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('downloads the data in one click, then closes the account; signing in is refused after', { timeout: 150_000 }, async () => {
    const agent = await customerAgent(server, 'depart');
    const { quoteNumber } = await orderAndValidate(server, agent, 'depart-devis');
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP, viewport: PHONE });
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByLabel('Alias ou adresse courriel').fill('depart');
      await page.getByLabel(/^Mot de passe( \*)?$/).fill('velo-rouge-2026!');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL('**/espace');
      await page.getByRole('link', { name: 'Votre compte' }).first().click();
      await page.getByRole('link', { name: 'Vos données : les télécharger, clôturer le compte' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Vos données');
      await assertFits(page);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger mes données' }).click()]);
      assert.match(download.suggestedFilename(), /^donnees-depart-\d{4}-\d{2}-\d{2}\.zip$/);
      const file = path.join(os.tmpdir(), `ecrin-donnees-${process.pid}.zip`);
      await download.saveAs(file);
      const files = await unzipEntries(await readFile(file));
      const json = JSON.parse(files.get('compte.json')!.toString('utf8'));
      assert.equal(json.account.alias, 'depart');
      assert.equal(files.get(`documents/devis/${quoteNumber}.pdf`)?.subarray(0, 4).toString(), '%PDF');

      await page.getByLabel(/Pour confirmer, tapez votre adresse courriel ou le mot CLÔTURER/).fill('peut-être');
      await page.getByRole('button', { name: 'Clôturer mon compte' }).click();
      await page.getByRole('alert').getByText('Pour confirmer, tapez votre adresse courriel ou le mot CLÔTURER.').waitFor();
      await page.getByLabel(/Pour confirmer, tapez votre adresse courriel ou le mot CLÔTURER/).fill('CLÔTURER');
      await page.getByRole('button', { name: 'Clôturer mon compte' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Votre compte est clôturé');
      await assertFits(page);

      await page.getByRole('link', { name: 'Retour à l’accueil' }).click();
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByLabel('Alias ou adresse courriel').fill('depart');
      await page.getByLabel(/^Mot de passe( \*)?$/).fill('velo-rouge-2026!');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('alert').getByText('Alias, adresse courriel ou mot de passe incorrect.').waitFor();
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });
});
