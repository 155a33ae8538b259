/**
 * The journey rules themselves (test/support/journey.ts), in the system's Chromium against a real
 * ecrin: `page.goto` to an inner URL fails the journey, `/` and a link read from an e-mail do not,
 * `gotoRefused` is how a journey checks a URL is refused; axe-core finds a violation when there is one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { linkIn } from '../support/agent.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { axeViolations, gotoRefused, JourneyRuleError } from '../support/journey.ts';
import { assertNoPageProblems, newWatchedPage } from '../support/page-watch.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const STEP = 15_000;

describe('journey rules', { skip: skipReason, timeout: 180_000 }, () => {
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

  it('refuses page.goto("/instances"): the journey fails, the page stays where it was', async () => {
    const { context, page } = await newWatchedPage(browser, { stepTimeout: STEP });
    try {
      await page.goto(`${server.baseUrl}/`);
      await assert.rejects(() => page.goto(`${server.baseUrl}/instances`), (err: unknown) => err instanceof JourneyRuleError && /clicks what a person sees/.test(err.message));
      await assert.rejects(() => page.goto(`${server.baseUrl}/?forfait=opale`), JourneyRuleError);
      assert.equal(new URL(page.url()).pathname, '/');
      // every context of the browser follows the rule, not only the watched ones
      const other = await browser.newContext();
      try {
        await assert.rejects(async () => (await other.newPage()).goto(`${server.baseUrl}/factures`), JourneyRuleError);
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  });

  it('lets a journey check that a URL is refused, and fails when it is not', async () => {
    const { context, page } = await newWatchedPage(browser, { stepTimeout: STEP });
    try {
      await gotoRefused(page, `${server.baseUrl}/instances`);
      assert.equal(new URL(page.url()).pathname, '/connexion');
      await assert.rejects(() => gotoRefused(page, `${server.baseUrl}/faq`), /was not refused/);
    } finally {
      await context.close();
    }
  });

  it('opens a link read from an e-mail', async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP });
    try {
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Se connecter' }).click();
      await page.getByRole('link', { name: 'Mot de passe ou alias oublié ?' }).click();
      await page.getByLabel('Votre adresse courriel').fill('personne@example.org');
      await page.getByRole('button', { name: 'Envoyer' }).click();
      await page.getByRole('button', { name: 'Envoyer' }).waitFor();
      // no account: no mail; an operator invitation is a mail with a link
      const invite = await server.container.services.accounts.createOperator('regles@example.org');
      assert.ok(invite.ok);
      const mail = await sink.waitFor((m) => m.to.includes('regles@example.org'), 30_000);
      const link = linkIn(mail.text, '/mot-de-passe/definir');
      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: 'Choisir votre mot de passe' }).waitFor();
      await assertNoPageProblems(problems);
      assert.ok(problems.axe.checked.length >= 4, `axe checked ${problems.axe.checked.join(', ')}`);
    } finally {
      await context.close();
    }
  });

  it('finds what axe-core finds: an image without text alternative is a critical violation', async () => {
    const page = await browser.newPage();
    try {
      await page.setContent('<!doctype html><html lang="fr"><head><title>t</title></head><body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>');
      const found = await axeViolations(page);
      assert.deepEqual(found.map((f) => [f.rule, f.impact]), [['image-alt', 'critical']]);
    } finally {
      await page.close();
    }
  });
});
