/**
 * The portal as a customer finds it, in the system's Chromium against a real ecrin, only by clicks
 * from "/" and links read from e-mails:
 * - on a 390 px wide phone, with JavaScript: "Commander" on a plan, through the sign-up and the
 *   e-mailed link, to the order form with that plan chosen; no page scrolls sideways; "Annuler la
 *   commande" asks first; an htmx form ("Personne morale") shows the server's refusal of a SIRET;
 * - without JavaScript: the same refusal on a page of its own, and the confirmation page.
 * axe-core checks every portal page. Skipped, with the reason, when Chromium is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { linkIn } from '../support/agent.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage, signUpInBrowser } from '../support/page-watch.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const STEP = 15_000;
const MAIL = 30_000;
const PHONE = { width: 390, height: 844 };

/** The page fits the screen's width: nothing to scroll sideways. */
async function assertFits(page: Page): Promise<void> {
  const [scroll, width] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  assert.ok(scroll <= width, `${page.url()} is ${scroll} px wide on a ${width} px screen`);
}

describe('the portal as a customer finds it', { skip: skipReason, timeout: 300_000 }, () => {
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

  it('on a phone: "Commander" through the sign-up to the order form, confirmations, an htmx form that speaks', { timeout: 180_000 }, async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP, viewport: PHONE });
    const heading = () => page.getByRole('heading', { level: 1 });
    const email = 'sacha.noel@example.org';
    try {
      await page.goto(`${server.baseUrl}/`);
      await assertFits(page);
      await page.getByRole('link', { name: 'Commander le forfait Émeraude' }).click();
      await page.waitForURL((u) => u.pathname === '/inscription' && u.searchParams.get('retour') === '/instances/nouvelle?forfait=emeraude');
      await assertFits(page);
      await page.getByLabel('Alias (identifiant de connexion)').fill('sacha.noel');
      await page.getByLabel('Vos nom et prénom').fill('Sacha Noël');
      await page.getByLabel('Votre adresse courriel').fill(email);
      await page.getByLabel('Nom de votre structure (association, entreprise…)').fill('Chorale du Grésivaudan');
      await page.getByRole('button', { name: 'Créer mon compte' }).click();
      await assertHeading(heading(), 'Vérifiez votre messagerie');
      // the intent rides in the e-mailed link: opened in this browser or any other, it leads to the form
      const welcome = await sink.waitFor((m) => m.to.includes(email), MAIL);
      const link = linkIn(welcome.text, '/mot-de-passe/definir');
      assert.match(welcome.text, /&retour=%2Finstances%2Fnouvelle%3Fforfait%3Demeraude/);
      await page.goto(link);
      await page.getByLabel('Nouveau mot de passe').fill('Chant-Du-Matin-2026');
      await page.getByLabel('Confirmez le mot de passe').fill('Chant-Du-Matin-2026');
      await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
      await page.waitForURL((u) => u.pathname === '/instances/nouvelle' && u.searchParams.get('forfait') === 'emeraude');
      await assertHeading(heading(), "Nouvelle commande d'hébergement");
      assert.equal(await page.getByRole('radio', { name: /^Émeraude — / }).isChecked(), true, 'the plan chosen on the home page');
      await assertFits(page);

      // a draft; "Annuler la commande" asks first (the browser's dialog, from app.js)
      await page.getByLabel("Nom de l'instance").fill('chorale');
      await page.getByLabel('Mot de passe du compte « admin » de votre Diacamma').fill('admin');
      await page.getByLabel('Confirmez le mot de passe « admin »').fill('autre');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      // every password rule broken is named at once
      const error = page.locator('#f-password-error');
      await error.waitFor();
      for (const rule of ['au moins 10 caractères', 'ne doit pas contenir « admin »', 'ne doit pas être un mot de passe courant', 'doivent être identiques']) {
        assert.ok((await error.innerText()).includes(rule), `names the rule: ${rule}`);
      }
      await page.getByLabel('Mot de passe du compte « admin » de votre Diacamma').fill('Voix-De-Basse-2026');
      await page.getByLabel('Confirmez le mot de passe « admin »').fill('Voix-De-Basse-2026');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await assertHeading(heading(), 'Commande chorale');
      await assertFits(page);
      const questions: string[] = [];
      page.once('dialog', (d) => {
        questions.push(d.message());
        void d.dismiss();
      });
      await page.getByRole('button', { name: 'Annuler la commande' }).click();
      await page.waitForTimeout(300);
      assert.deepEqual(questions, ['Annuler la commande chorale ? Son devis est annulé et le nom de l’instance libéré.']);
      assert.equal(new URL(page.url()).search, '', 'dismissed: nothing sent');
      page.once('dialog', (d) => void d.accept());
      await Promise.all([page.waitForURL((u) => u.searchParams.get('annulee') === '1'), page.getByRole('button', { name: 'Annuler la commande' }).click()]).catch(async (err: unknown) => {
        await page.screenshot({ path: '/tmp/ecrin-e2e-portal-cancel.png', fullPage: true });
        throw err;
      });
      await page.getByText('La commande est annulée.').waitFor();

      // "Personne morale" edited in place (htmx): the server refuses the SIRET, the panel says so
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Votre compte' }).click();
      await page.getByRole('navigation', { name: 'Votre compte' }).getByRole('link', { name: 'Personne morale' }).click();
      const panel = page.locator('#panel-organisation');
      await panel.getByRole('link', { name: /Modifier/ }).click();
      await panel.getByRole('heading', { name: 'Modifier la personne morale' }).waitFor();
      const url = page.url();
      await panel.getByLabel('SIREN, SIRET ou numéro RNA').fill('123 456 789 00000');
      await panel.getByRole('button', { name: 'Enregistrer' }).click();
      await panel.getByRole('alert').getByText(/Indiquez un SIREN \(9 chiffres\), un SIRET \(14 chiffres\)/).waitFor();
      assert.equal(page.url(), url, 'in place, no page load');
      assert.equal(await panel.getByLabel('SIREN, SIRET ou numéro RNA').inputValue(), '123 456 789 00000', 'what was typed is kept');
      await assertFits(page);
      for (const entry of ["Vos instances d'hébergement", 'Vos factures']) {
        await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: entry }).click();
        await assertHeading(heading(), entry);
        await assertFits(page);
      }
      await page.getByRole('link', { name: 'Mon espace', exact: true }).click();
      await assertHeading(heading(), 'Bonjour Sacha Noël');
      await assertFits(page);
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });

  it('without JavaScript: the refusal on a page of its own, and the confirmation page', { timeout: 180_000 }, async () => {
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP, javaScript: false });
    const heading = () => page.getByRole('heading', { level: 1 });
    try {
      await signUpInBrowser(page, sink, { baseUrl: server.baseUrl, alias: 'sans.script', name: 'Dominique Sansscript', email: 'sans.script@example.org', organisation: 'Club sans script', password: 'Lampe-A-Huile-1900', mailTimeout: MAIL });
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Votre compte' }).click();
      await page.getByRole('navigation', { name: 'Votre compte' }).getByRole('link', { name: 'Personne morale' }).click();
      await page.getByRole('link', { name: /Modifier/ }).click();
      await page.waitForURL((u) => u.pathname === '/compte/personne-morale/modifier');
      await page.getByLabel('SIREN, SIRET ou numéro RNA').fill('123');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByRole('alert').getByText(/Indiquez un SIREN \(9 chiffres\)/).waitFor();

      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: "Nouvelle commande d'hébergement" }).click();
      await page.getByLabel("Nom de l'instance").fill('sans-script');
      await page.getByLabel('Mot de passe du compte « admin » de votre Diacamma').fill('Bougie-Parfumee-77');
      await page.getByLabel('Confirmez le mot de passe « admin »').fill('Bougie-Parfumee-77');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await assertHeading(heading(), 'Commande sans-script');
      await page.getByRole('button', { name: 'Annuler la commande' }).click();
      await assertHeading(heading(), 'Confirmez');
      await page.getByText('Annuler la commande sans-script ? Son devis est annulé et le nom de l’instance libéré.').waitFor();
      await page.getByRole('link', { name: 'Non, revenir en arrière' }).click();
      await assertHeading(heading(), 'Commande sans-script');
      await page.getByRole('button', { name: 'Annuler la commande' }).click();
      await page.getByRole('button', { name: 'Annuler la commande' }).click();
      await page.getByText('La commande est annulée.').waitFor();
      await assertNoPageProblems(problems);
    } finally {
      await context.close();
    }
  });
});
