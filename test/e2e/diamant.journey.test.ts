/**
 * Diamant in a real browser, by clicks only: the customer asks for a Diamant quote from "Nouvelle
 * commande d'hébergement"; the operator finds the request from the back office's home and writes
 * the custom quote; the customer's order page then shows the quote and how to pay it.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/diamant.journey.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { signedInOperator } from '../support/customers.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { customerAgent } from '../support/paid-order.ts';
import { startServer, type RunningServer } from '../support/server.ts';

// (two browsers at once on a shared machine: a generous step bound)
const STEP = 30_000;

async function signIn(page: Page, baseUrl: string, identifier: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
  await page.getByLabel('Alias ou adresse courriel').fill(identifier);
  await page.getByLabel(/^Mot de passe( \*)?$/).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

describe('Diamant in a real browser', { skip: skipReason, timeout: 180_000 }, () => {
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

  it('the customer asks, the operator writes the custom quote, the customer sees it to pay', { timeout: 150_000 }, async () => {
    await customerAgent(server, 'grande');
    await signedInOperator(server, 'ops-diamant@example.org');
    const customer = await newWatchedPage(browser, { stepTimeout: STEP });
    const operator = await newWatchedPage(browser, { stepTimeout: STEP });
    try {
      const page = customer.page;
      await signIn(page, server.baseUrl, 'grande', 'velo-rouge-2026!');
      await page.waitForURL('**/espace');
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: "Nouvelle commande d'hébergement" }).click();
      await page.getByRole('link', { name: 'demander un devis Diamant' }).click();
      await assertHeading(page.getByRole('heading', { level: 1 }), 'Demander un devis Diamant');
      await page.getByLabel("Nom de l'instance").fill('federation');
      await page.getByLabel('Vos besoins').fill('Soixante personnes connectées en même temps.\nTrente Go de documents.');
      await page.getByLabel('Mot de passe du compte « admin » de votre Diacamma').fill('tournesol-geant-42');
      await page.getByLabel('Confirmez le mot de passe « admin »').fill('tournesol-geant-42');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByLabel(/J'ai lu et j'accepte les conditions générales de vente/).check();
      await page.getByRole('button', { name: 'Envoyer la demande de devis' }).click();
      await page.getByText('Votre demande de devis Diamant est envoyée').waitFor();

      const ops = operator.page;
      await signIn(ops, server.baseUrl, 'ops-diamant@example.org', 'lanterne-magique-77');
      await ops.waitForURL('**/backoffice');
      await ops.getByRole('link', { name: 'Demandes Diamant à chiffrer' }).last().click();
      await ops.getByRole('link', { name: 'Établir le devis federation' }).click();
      await ops.getByText('Soixante personnes connectées en même temps.').waitFor();
      await ops.getByLabel('Connexions simultanées au maximum').fill('60');
      await ops.getByLabel('Bande passante (Mbps)').fill('100');
      await ops.getByLabel('Stockage (Go)').fill('40');
      await ops.getByLabel('Prix annuel hors taxes (€)').fill('1200');
      await ops.getByLabel('Libellé de la ligne 1').fill('Reprise des données');
      await ops.getByLabel('Prix unitaire HT de la ligne 1 (€)').fill('250');
      await ops.getByRole('button', { name: 'Émettre et envoyer le devis' }).click();
      const issued = await ops.getByText(/Le devis DEV-\d{4}-\d{4} a été émis/).textContent();
      const number = /DEV-\d{4}-\d{4}/.exec(issued ?? '')![0];

      await page.getByRole('link', { name: "Vos instances d'hébergement" }).first().click();
      await page.getByRole('link', { name: 'Voir la commande federation' }).click();
      await page.getByText(new RegExp(`Devis ${number} de 1\\s450,00\\s€`)).waitFor();
      await page.getByRole('heading', { name: 'Régler votre commande' }).waitFor();
      await assertNoPageProblems(customer.problems);
      await assertNoPageProblems(operator.problems);
      assert.equal((await server.container.services.instances.findByName('federation')), undefined, 'no instance before payment');
    } finally {
      await customer.context.close();
      await operator.context.close();
    }
  });
});
