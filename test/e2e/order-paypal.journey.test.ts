/**
 * Ordering an instance and paying it with PayPal: in the system's Chromium against a real ecrin
 * (HTTP on a loopback port, pg-boss workers sending real mail to an SMTP sink) whose PayPal is the
 * local fake (test/support/fake-paypal.ts); then, without a browser, the webhook paths (webhook
 * before the customer's return, tampered signature, pending / declined / foreign-currency captures).
 * The browser part is skipped, with the reason, when Chromium is missing.
 *
 *   E2E_BROWSER=/usr/bin/chromium node_modules/.bin/node --test test/e2e/order-paypal.journey.test.ts
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { assertHeading, assertNoPageProblems, newWatchedPage, signUpInBrowser } from '../support/page-watch.ts';
import { gotoRefused } from '../support/journey.ts';
import { orderAndValidate, signedInCustomer } from '../support/customers.ts';
import { testBackend } from '../support/database.ts';
import { startFakePaypal, type FakePaypal, type NextCapture } from '../support/fake-paypal.ts';
import { attachmentsOf } from '../support/mime.ts';
import { paypalEnv, startServer, type RunningServer } from '../support/server.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.ts';
import { deliverWebhook } from '../support/webhooks.ts';

const STEP_TIMEOUT = 15_000;
const MAIL_TIMEOUT = 30_000;
const TEST_TIMEOUT = 180_000;

// --- page watching (as in the accounts journey) -------------------------------------------------



/** The one PDF attached to a mail, named `${number}.pdf`, with its bytes checked. */
function assertPdfAttachment(mail: SinkMessage, number: string): Buffer {
  const files = attachmentsOf(mail.raw);
  assert.deepEqual(
    files.map((f) => ({ mime: f.mime, name: f.name, filename: f.filename })),
    [{ mime: 'application/pdf', name: `${number}.pdf`, filename: `${number}.pdf` }],
    `attachments of "${mail.subject}"`,
  );
  assert.match(mail.raw, new RegExp(`Content-Type: application/pdf; name="?${number.replace(/-/g, '\\-')}\\.pdf"?`, 'i'));
  const pdf = files[0]!.bytes;
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the attachment decodes to a PDF');
  assert.ok(pdf.length > 1000, `a real PDF, not ${pdf.length} bytes`);
  return pdf;
}

/**
 * A GET from inside the page (its cookies, its origin), for a PDF link. Playwright's `page.request`
 * runs in Node, whose resolver does not know `portail.localhost` (only Chromium maps `*.localhost`
 * to loopback), so it cannot reach the portal's address.
 */
async function getInPage(page: Page, url: string): Promise<{ status: number; contentType: string; disposition: string; bytes: Buffer }> {
  // (a string, not a function: the project's type-check has no DOM library)
  const r = (await page.evaluate(`(async () => {
    const res = await fetch(${JSON.stringify(url)}, { credentials: 'same-origin', cache: 'no-store' });
    const bytes = new Uint8Array(await res.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return { status: res.status, contentType: res.headers.get('content-type') || '', disposition: res.headers.get('content-disposition') || '', base64: btoa(bin) };
  })()`)) as { status: number; contentType: string; disposition: string; base64: string };
  return { status: r.status, contentType: r.contentType, disposition: r.disposition, bytes: Buffer.from(r.base64, 'base64') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- the journey in a browser ------------------------------------------------------------------

describe('ordering an instance and paying it with PayPal, in a real browser', { skip: skipReason, timeout: TEST_TIMEOUT * 2 }, () => {
  let browser: Browser;
  let server: RunningServer;
  let sink: SmtpSink;
  let fake: FakePaypal;

  before(async () => {
    sink = await startSmtpSink();
    fake = await startFakePaypal();
    server = await startServer({ smtpUrl: sink.url, paypal: fake.config() });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await fake?.close();
    await sink?.close();
  });

  it('signs up, orders Opale, gets the quote by mail, pays on PayPal, gets the invoice; webhook replays change nothing', { timeout: TEST_TIMEOUT }, async (t: TestContext) => {
    const started = Date.now();
    const { context, page, problems } = await newWatchedPage(browser, { stepTimeout: STEP_TIMEOUT });
    const alias = 'dominique.pignon';
    const email = 'dominique.pignon@example.org';
    const password = 'Chaine-Huilee-2026!';
    const adminPassword = 'Rayon-De-Soleil-77';
    const instance = 'amis-du-velo';
    const heading = () => page.getByRole('heading', { level: 1 });
    const db = server.container.database.db;

    try {
      // --- 1. sign-up, password, legal entity ---------------------------------------------------
      await signUpInBrowser(page, sink, { baseUrl: server.baseUrl, alias, name: 'Dominique Pignon', email, organisation: 'Les Amis du Vélo', password, mailTimeout: MAIL_TIMEOUT });
      await assertHeading(heading(), 'Bonjour Dominique Pignon');

      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: 'Votre compte' }).click();
      await page.waitForURL((u) => u.pathname === '/compte');
      await page.getByRole('navigation', { name: 'Votre compte' }).getByRole('link', { name: 'Personne morale' }).click();
      await page.waitForURL((u) => u.searchParams.get('onglet') === 'personne-morale');
      const panel = page.locator('#panel-organisation');
      await panel.getByRole('link', { name: /Modifier/ }).click();
      await panel.getByRole('heading', { name: 'Modifier la personne morale' }).waitFor();
      await panel.getByLabel('Forme juridique').selectOption({ label: 'Association (loi 1901)' });
      await panel.getByLabel('Adresse', { exact: true }).fill('12 rue des Rayons');
      await panel.getByLabel('Code postal').fill('38000');
      await panel.getByLabel('Ville').fill('Grenoble');
      await panel.getByRole('button', { name: 'Enregistrer' }).click();
      await panel.getByText('Modifications enregistrées.').waitFor();
      await panel.locator('dl.details').getByText('12 rue des Rayons').waitFor();

      // --- 2. "Vos instances d'hébergement" → a new order → CGV → validation ----------------------
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: "Vos instances d'hébergement" }).click();
      await assertHeading(heading(), "Vos instances d'hébergement");
      await page.getByText("Vous n'avez encore aucune instance d'hébergement.").waitFor();
      await page.getByRole('main').getByRole('link', { name: "Nouvelle commande d'hébergement" }).click();
      await page.waitForURL((u) => u.pathname === '/instances/nouvelle');
      await assertHeading(heading(), "Nouvelle commande d'hébergement");
      await page.getByLabel("Nom de l'instance").fill(instance);
      await page.getByRole('radio', { name: /^Opale — / }).check();
      await page.getByRole('radio', { name: 'Diacamma Asso (associations)' }).check();
      await page.getByLabel('Mot de passe du compte « admin » de votre Diacamma').fill(adminPassword);
      await page.getByLabel('Confirmez le mot de passe « admin »').fill(adminPassword);
      // PayPal is configured here: it is offered, and preselected
      assert.equal(await page.getByRole('radio', { name: /^PayPal/ }).isChecked(), true);
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.waitForURL((u) => /^\/commandes\/\d+$/.test(u.pathname));
      const orderPath = new URL(page.url()).pathname;
      const orderId = Number(orderPath.split('/').pop());
      await assertHeading(heading(), `Commande ${instance}`);
      const details = page.locator('dl.details');
      await details.getByText('Opale').waitFor();
      await details.getByText('Brouillon — à valider').waitFor();
      await details.getByText('PayPal (compte ou carte bancaire) — le plus rapide').waitFor();
      // the address comes from "Personne morale", filled in above; the CGV box is the one step left
      assert.equal(await page.getByLabel(/^Adresse( \*)?$/).inputValue(), '12 rue des Rayons');
      await page.getByRole('button', { name: 'Valider la commande' }).click();
      await page.getByRole('alert').getByText('Cochez la case pour accepter les conditions générales de vente.').waitFor();
      await page.getByRole('checkbox', { name: /J'ai lu et j'accepte les conditions générales de vente/ }).check();
      await page.getByRole('button', { name: 'Valider la commande' }).click();
      await page.waitForURL((u) => u.pathname === orderPath && u.searchParams.has('valide'));
      const validated = await page.locator('.notice.success').first().innerText();
      const quoteMatch = /^Commande validée : le devis (DEV-\d{4}-\d{4,}) vous a été envoyé par courriel\.$/.exec(validated.trim());
      assert.ok(quoteMatch, `validation notice: ${validated}`);
      const quoteNumber = quoteMatch[1]!;
      await details.getByText('En attente de paiement').waitFor();
      await page.getByText(new RegExp(`Devis ${quoteNumber} de 44,99\\s€`)).waitFor();

      // --- 3. the quote mail, with its PDF ----------------------------------------------------------
      const quoteMail = await sink.waitFor((m) => m.subject.includes(quoteNumber), MAIL_TIMEOUT);
      assert.deepEqual(quoteMail.to, [email]);
      assert.equal(quoteMail.subject, `Votre devis ${quoteNumber} — hébergement ${instance}.localhost`);
      assert.match(quoteMail.text, new RegExp(`référence ${quoteNumber}`));
      assert.ok(quoteMail.text.includes(`${server.baseUrl}/paiement/paypal/${quoteNumber}`), `the PayPal link in the quote mail:\n${quoteMail.text}`);
      const quotePdf = assertPdfAttachment(quoteMail, quoteNumber);
      const quoteOnline = await getInPage(page, `/factures/${quoteNumber}.pdf`);
      assert.ok(quoteOnline.bytes.equals(quotePdf), 'the attached quote is the PDF as issued');

      // --- 4. "Payer avec PayPal" (a form: it creates a PayPal order) → the fake's approval page → "Payer" → back on ecrin
      await page.getByRole('button', { name: 'Payer avec PayPal' }).click();
      await page.waitForURL((u) => u.origin === fake.url && u.pathname === '/checkoutnow').catch((err: Error) => {
        const csp = problems.cspViolations.join('\n');
        throw new Error(`"Payer avec PayPal" did not lead to PayPal's approval page (still on ${page.url()})${csp ? `; CSP violations:\n${csp}` : ''}`, { cause: err });
      });
      const paypalOrderId = new URL(page.url()).searchParams.get('token')!;
      assert.match(paypalOrderId, /^[A-Z0-9]{17}$/);
      assert.equal((await page.locator('#amount').innerText()).trim(), '44.99 EUR');
      await page.getByText(`Devis ${quoteNumber}`).waitFor();
      await page.getByRole('button', { name: 'Payer' }).click();
      await page.waitForURL((u) => u.origin === server.baseUrl && u.pathname === '/factures' && u.searchParams.get('paiement') === 'ok');
      const invoiceNumber = new URL(page.url()).searchParams.get('facture')!;
      assert.match(invoiceNumber, /^FAC-\d{4}-\d{4,}$/);
      await assertHeading(heading(), 'Vos factures');
      await page.locator('.notice.success').getByText(`Paiement reçu : merci ! Votre facture ${invoiceNumber} est disponible ci-dessous.`).waitFor();

      const row = (number: string) => page.locator('tbody tr').filter({ has: page.locator('strong', { hasText: number }) });
      await row(quoteNumber).waitFor();
      assert.equal((await row(quoteNumber).locator('.badge').innerText()).trim(), 'payé');
      assert.equal((await row(invoiceNumber).locator('.badge').innerText()).trim(), 'payé');
      assert.match(await row(invoiceNumber).innerText(), new RegExp(`Facture ${invoiceNumber}[\\s\\S]*→ ${quoteNumber}`));
      assert.equal(await row(quoteNumber).getByRole('button', { name: 'Payer avec PayPal' }).count(), 0, 'a paid quote offers no payment');
      assert.equal(await page.locator('tbody tr').count(), 2);

      const href = await row(invoiceNumber).getByRole('link', { name: 'Imprimer (PDF)' }).getAttribute('href');
      assert.equal(href, `/factures/${invoiceNumber}.pdf`);
      const printUrl = new URL(href!, page.url()).href;
      const first = await getInPage(page, printUrl);
      assert.equal(first.status, 200);
      assert.equal(first.contentType, 'application/pdf');
      assert.equal(first.disposition, `inline; filename="${invoiceNumber}.pdf"`);
      const invoicePdf = first.bytes;
      assert.equal(invoicePdf.subarray(0, 5).toString('latin1'), '%PDF-');
      const second = await getInPage(page, printUrl);
      assert.ok(second.bytes.equals(invoicePdf), 'a reprint gives the same bytes');
      assert.ok(invoicePdf.includes('factur-x.xml'), 'the invoice embeds factur-x.xml');
      const anonymous = await browser.newContext();
      try {
        const stranger = await anonymous.newPage();
        await gotoRefused(stranger, printUrl);
        assert.equal(new URL(stranger.url()).pathname, '/connexion', 'the PDF is not public');
      } finally {
        await anonymous.close();
      }

      // --- 5. the invoice mail; the order is paid ---------------------------------------------------
      const invoiceMail = await sink.waitFor((m) => m.subject === `Paiement reçu — facture ${invoiceNumber}`, MAIL_TIMEOUT);
      assert.deepEqual(invoiceMail.to, [email]);
      assert.match(invoiceMail.text, /44,99\s€/);
      const attached = assertPdfAttachment(invoiceMail, invoiceNumber);
      assert.ok(attached.equals(invoicePdf), 'the attached invoice is the PDF as issued');
      const invoiceMailRows = await db.selectFrom('mail_messages').select(['template', 'subject']).where('template', '=', 'billing.invoice').execute();
      assert.deepEqual(invoiceMailRows, [{ template: 'billing.invoice', subject: `Paiement reçu — facture ${invoiceNumber}` }]);

      // the paid order, reached from its instance ("Editer" → "Voir la commande et sa facture")
      await page.getByRole('navigation', { name: 'Mon espace' }).getByRole('link', { name: "Vos instances d'hébergement" }).click();
      await page.getByRole('link', { name: `Editer ${instance}` }).click();
      await page.getByRole('link', { name: 'Voir la commande et sa facture' }).click();
      await page.waitForURL((u) => u.pathname === orderPath);
      await details.getByText(/^Payée/).waitFor();
      await page.getByText(new RegExp(`^Payée le .+ : facture ${invoiceNumber}\\. Votre instance est (en cours de création|en ligne)\\.$`)).waitFor();
      await page.getByRole('link', { name: `Voir l’instance ${instance}` }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Payer avec PayPal' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Annuler la commande' }).count(), 0);
      await assertNoPageProblems(problems);

      // --- 6. PAYMENT.CAPTURE.COMPLETED delivered ten times: nothing more happens ------------------
      const quote = (await server.container.services.billing.findDocument({ number: quoteNumber }))!;
      const event = fake.event.captureCompleted(paypalOrderId);
      const answers: { status: number; body: string }[] = [];
      for (let i = 0; i < 10; i++) answers.push(await deliverWebhook(fake, `${server.baseUrl}/api/paypal/webhook`, event));
      assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200), answers.map((a) => a.body).join('\n'));
      assert.deepEqual(
        answers.map((a) => (JSON.parse(a.body) as { outcome: string }).outcome),
        ['capture:paid', ...Array(9).fill('duplicate')],
      );
      // and ten separate events (new ids) for the same capture, all at once
      const burst = await Promise.all(Array.from({ length: 10 }, () => deliverWebhook(fake, `${server.baseUrl}/api/paypal/webhook`, fake.event.captureCompleted(paypalOrderId))));
      assert.deepEqual(burst.map((a) => a.status), Array(10).fill(200), burst.map((a) => a.body).join('\n'));

      const userId = quote.user_id!;
      const docs = await server.container.services.billing.listDocuments({ userId, limit: 50, offset: 0, today: server.container.services.billing.today() });
      assert.deepEqual(docs.map((d) => [d.kind, d.number]).sort(), [['invoice', invoiceNumber], ['quote', quoteNumber]]);
      const payments = await db.selectFrom('payments').selectAll().where('quote_id', '=', quote.id).execute();
      assert.equal(payments.length, 1, 'one PayPal payment');
      assert.equal(payments[0]!.method, 'paypal');
      assert.equal(payments[0]!.amount_cents, 4499);
      assert.equal(payments[0]!.paypal_capture_id, fake.order(paypalOrderId)!.purchase_units[0].payments.captures[0].id);
      const order = await server.container.services.orders.find(orderId);
      assert.equal(order?.status, 'paid');
      const events = await db.selectFrom('paypal_events').select(['event_id', 'verified', 'outcome']).execute();
      assert.equal(events.length, 20);
      assert.ok(events.every((e) => e.verified), 'every delivery verified');

      // give the workers time to send anything a replay might have enqueued
      await sleep(2_000);
      assert.equal(sink.messages.filter((m) => m.subject.startsWith('Paiement reçu')).length, 1, 'no second invoice mail');
      assert.equal((await db.selectFrom('mail_messages').select('id').where('template', '=', 'billing.invoice').execute()).length, 1);

      t.diagnostic(`journey took ${((Date.now() - started) / 1000).toFixed(1)} s on ${testBackend()}`);
    } finally {
      const seen = [...problems.cspViolations, ...problems.pageErrors, ...problems.consoleErrors, ...problems.failedSubresources].filter((p) => !p.includes('/favicon.ico'));
      if (seen.length > 0) t.diagnostic(`page problems seen:\n${seen.join('\n')}`);
      const shot = path.join(os.tmpdir(), `ecrin-e2e-order-paypal-${testBackend()}.png`);
      await page.screenshot({ path: shot, fullPage: true }).then(
        () => t.diagnostic(`screenshot: ${shot}`),
        () => {},
      );
      await context.close();
    }
  });
});

// --- the webhook paths, without a browser --------------------------------------------------------

describe('PayPal webhooks and capture outcomes (in-process app, fake PayPal)', { timeout: TEST_TIMEOUT }, () => {
  let app: TestApp;
  let fake: FakePaypal;

  before(async () => {
    fake = await startFakePaypal();
    app = await createTestApp({ env: paypalEnv(fake.config()) });
  });

  after(async () => {
    await app?.close();
    await fake?.close();
  });

  const db = () => app.container.database.db;

  async function postWebhook(signed: { headers: Record<string, string>; body: string }) {
    const res = await app.app.inject({ method: 'POST', url: '/api/paypal/webhook', headers: { ...signed.headers, host: 'portail.localhost:3000' }, payload: signed.body });
    return { status: res.statusCode, outcome: (res.json() as { outcome: string }).outcome };
  }

  /** Order + quote, then "Payer avec PayPal": the PayPal order id (the approval page's token). */
  async function startPayment(agent: Agent, instance: string): Promise<{ orderId: number; quoteNumber: string; quoteId: number; paypalOrderId: string }> {
    const { orderId, quoteNumber } = await orderAndValidate(app, agent, instance, 'opale', 'paypal');
    // the page behind the quote's link says what will be paid; going to PayPal is a POST
    const page = await agent.get(`/paiement/paypal/${quoteNumber}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Montant à régler : 44,99/);
    const quoteRow = (await app.container.services.billing.findDocument({ number: quoteNumber }))!;
    assert.deepEqual(await db().selectFrom('paypal_orders').select('id').where('quote_id', '=', quoteRow.id).execute(), [], 'a GET creates no PayPal order');
    const start = await agent.post(`/paiement/paypal/${quoteNumber}`, {});
    assert.equal(start.statusCode, 303, start.body);
    const approveUrl = new URL(String(start.headers.location));
    assert.equal(approveUrl.origin, fake.url);
    assert.equal(approveUrl.pathname, '/checkoutnow');
    const paypalOrderId = approveUrl.searchParams.get('token')!;
    assert.ok(fake.order(paypalOrderId), 'the order exists at PayPal');
    assert.equal(fake.order(paypalOrderId)!.purchase_units[0].amount.value, '44.99');
    const quote = (await app.container.services.billing.findDocument({ number: quoteNumber }))!;
    return { orderId, quoteNumber, quoteId: quote.id, paypalOrderId };
  }

  const invoicesOf = async (quoteId: number) => db().selectFrom('documents').select('number').where('kind', '=', 'invoice').where('related_document_id', '=', quoteId).execute();
  const paymentsOf = async (quoteId: number) => db().selectFrom('payments').selectAll().where('quote_id', '=', quoteId).execute();

  it('captures on CHECKOUT.ORDER.APPROVED before the customer is back; the return then finds it paid', async () => {
    const agent = await signedInCustomer(app, 'avance');
    const { orderId, quoteNumber, quoteId, paypalOrderId } = await startPayment(agent, 'webhook-avant');
    // a second click reuses the same PayPal order
    const again = await agent.post(`/paiement/paypal/${quoteNumber}`, {});
    assert.equal(new URL(String(again.headers.location)).searchParams.get('token'), paypalOrderId);
    fake.approve(paypalOrderId);

    // a delivery whose body was altered after signing is refused: counted, not stored
    const approved = fake.event.orderApproved(paypalOrderId);
    const tampered = await postWebhook(fake.signWebhook(approved, { tamper: true }));
    assert.deepEqual(tampered, { status: 400, outcome: 'rejected:bad_signature' });
    const rejected = await db().selectFrom('paypal_events').selectAll().where('event_id', '=', String(approved.id)).execute();
    assert.equal(rejected.length, 0, 'an unverified body is not stored');
    const counted = await db().selectFrom('paypal_webhook_rejections').selectAll().where('reason', '=', 'bad_signature').execute();
    assert.equal(counted.length, 1);
    assert.ok(counted[0]!.count >= 1);
    assert.equal(fake.order(paypalOrderId)!.status, 'APPROVED', 'nothing captured on a forged event');
    assert.deepEqual(await invoicesOf(quoteId), []);

    // the genuine one captures, and the invoice is issued
    const genuine = await postWebhook(fake.signWebhook(approved));
    assert.deepEqual(genuine, { status: 200, outcome: 'capture:paid' });
    assert.equal(fake.order(paypalOrderId)!.status, 'COMPLETED');
    const invoices = await invoicesOf(quoteId);
    assert.equal(invoices.length, 1);
    const invoiceNumber = invoices[0]!.number;
    assert.equal((await app.container.services.orders.find(orderId))?.status, 'paid');

    // the customer comes back from PayPal afterwards
    const back = await agent.get(`/paiement/paypal/retour?token=${paypalOrderId}&PayerID=FAKEPAYER`);
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, `/factures?paiement=ok&facture=${invoiceNumber}`);
    const list = await agent.get(String(back.headers.location));
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`Paiement reçu : merci ! Votre facture ${invoiceNumber}`));
    assert.deepEqual(await invoicesOf(quoteId), [{ number: invoiceNumber }]);
    assert.equal((await paymentsOf(quoteId)).length, 1);
    const mails = await db().selectFrom('mail_messages').select('subject').where('template', '=', 'billing.invoice').where('subject', 'like', `%${invoiceNumber}%`).execute();
    assert.equal(mails.length, 1, 'one invoice mail');
    // the same event again: a duplicate
    assert.deepEqual(await postWebhook(fake.signWebhook(approved)), { status: 200, outcome: 'duplicate' });
  });

  it('makes one capture and one invoice when the return and the webhook arrive together', async () => {
    const agent = await signedInCustomer(app, 'ensemble');
    const { quoteId, paypalOrderId } = await startPayment(agent, 'en-meme-temps');
    fake.approve(paypalOrderId);
    const [back, hook] = await Promise.all([
      agent.get(`/paiement/paypal/retour?token=${paypalOrderId}&PayerID=FAKEPAYER`),
      postWebhook(fake.signWebhook(fake.event.orderApproved(paypalOrderId))),
    ]);
    const invoices = await invoicesOf(quoteId);
    assert.equal(invoices.length, 1);
    assert.equal(back.headers.location, `/factures?paiement=ok&facture=${invoices[0]!.number}`);
    assert.deepEqual(hook, { status: 200, outcome: 'capture:paid' });
    assert.equal((await paymentsOf(quoteId)).length, 1);
    assert.equal(fake.order(paypalOrderId)!.purchase_units[0].payments.captures.length, 1, 'one capture at PayPal');
  });

  const outcomes: { title: string; instance: string; knob: NextCapture; location: string; orderStatus: string }[] = [
    { title: 'a PENDING capture: "en attente", no invoice', instance: 'capture-attente', knob: { outcome: 'PENDING' }, location: '/factures?paiement=attente', orderStatus: 'PENDING' },
    { title: 'a DECLINED capture: "refusé", no invoice', instance: 'capture-refusee', knob: { outcome: 'DECLINED' }, location: '/factures?paiement=refuse', orderStatus: 'DECLINED' },
    { title: 'a capture in USD: not counted, currency_mismatch', instance: 'capture-dollars', knob: { amount: { currency_code: 'USD' } }, location: '/factures?erreur=currency_mismatch', orderStatus: 'COMPLETED' },
  ];
  it('counts a capture of the wrong amount as what it is: a partial payment, no invoice until covered', async () => {
    const agent = await signedInCustomer(app, 'client-montant');
    const { orderId, quoteId, paypalOrderId } = await startPayment(agent, 'capture-montant');
    fake.approve(paypalOrderId);
    fake.nextCapture({ amount: { value: '10.00' } });
    const back = await agent.get(`/paiement/paypal/retour?token=${paypalOrderId}&PayerID=FAKEPAYER`);
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, '/factures?paiement=partiel&recu=1000&reste=3499');
    assert.match((await agent.get(String(back.headers.location))).body, /Il reste 34,99/);
    assert.deepEqual(await invoicesOf(quoteId), []);
    assert.equal(await app.container.services.payments.paidCents(quoteId), 1000);
    assert.equal((await app.container.services.orders.find(orderId))?.status, 'validated');
  });

  for (const o of outcomes) {
    it(o.title, async () => {
      const agent = await signedInCustomer(app, o.instance.replace('capture-', 'client-'));
      const { orderId, quoteId, paypalOrderId } = await startPayment(agent, o.instance);
      fake.approve(paypalOrderId);
      fake.nextCapture(o.knob);
      const back = await agent.get(`/paiement/paypal/retour?token=${paypalOrderId}&PayerID=FAKEPAYER`);
      assert.equal(back.statusCode, 303);
      assert.equal(back.headers.location, o.location);
      const page = await agent.get(String(back.headers.location));
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Paiement reçu/);
      assert.deepEqual(await invoicesOf(quoteId), []);
      assert.deepEqual(await paymentsOf(quoteId), [], 'no payment counted');
      assert.equal(await app.container.services.payments.paidCents(quoteId), 0);
      assert.equal((await app.container.services.orders.find(orderId))?.status, 'validated');
      const row = await db().selectFrom('paypal_orders').select('status').where('paypal_order_id', '=', paypalOrderId).executeTakeFirstOrThrow();
      assert.equal(row.status, o.orderStatus);
    });
  }
});
