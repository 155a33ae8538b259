import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { DAY, type ManualClock } from '../../platform/clock.ts';
import type { BillingDocument } from '../billing/document.types.ts';

let t: TestApp;
let operator: Agent;
let operatorId: number;

const db = () => t.container.database.db;
const doc = (number: string) => t.container.services.billing.findDocument({ number }).then((d) => d!);
const paymentsOf = async (number: string) => db().selectFrom('payments').selectAll().where('quote_id', '=', (await doc(number)).id).execute();
const invoicesOf = async (number: string) => db().selectFrom('documents').select('number').where('kind', '=', 'invoice').where('related_document_id', '=', (await doc(number)).id).execute();
/** Text of a page with the narrow no-break spaces of French money written as plain spaces. */
const text = (body: string) => body.replace(/[\u202f\u00a0]/g, ' ');

async function quoteFor(alias: string, instance: string) {
  const agent = await signedInCustomer(t, alias);
  return { agent, ...(await orderAndValidate(t, agent, instance)) };
}

async function pay(number: string, fields: Partial<Record<'method' | 'amount' | 'received_on' | 'reference' | 'bank' | 'confirm_warnings', string>>) {
  await operator.get(`/backoffice/documents/${number}`);
  return operator.post(`/backoffice/documents/${number}/reglements`, { method: 'transfer', amount: '44,99', received_on: '2026-03-01', reference: '', bank: '', ...fields });
}

before(async () => {
  t = await createTestApp();
  operator = await signedInOperator(t);
  operatorId = (await db().selectFrom('users').select('id').where('email', '=', 'ops@example.org').executeTakeFirstOrThrow()).id;
});
after(async () => {
  await t?.close();
});

describe('access to the money pages', () => {
  it('refuses customers (403) on every page and form, sends visitors to sign in, changes nothing', async () => {
    const { agent: customer, quoteNumber } = await quoteFor('curieux', 'curieux-asso');
    const visitor = new Agent(t.app);
    for (const url of ['/backoffice/commandes', '/backoffice/commandes?statut=paid', '/backoffice/documents', '/backoffice/documents?type=quote&q=cur', `/backoffice/documents/${quoteNumber}`, '/backoffice/reglages']) {
      const res = await customer.get(url);
      assert.equal(res.statusCode, 403, url);
      assert.doesNotMatch(res.body, /Enregistrer un règlement|IBAN/, `nothing leaks on ${url}`);
      const anonymous = await visitor.get(url);
      assert.equal(anonymous.statusCode, 303, url);
      assert.equal(anonymous.headers.location, `/connexion?retour=${encodeURIComponent(url)}`);
    }
    await customer.get('/factures');
    const posts: [string, Record<string, string>][] = [
      [`/backoffice/documents/${quoteNumber}/reglements`, { method: 'transfer', amount: '44,99', received_on: '2026-03-01', reference: 'x', bank: '' }],
      [`/backoffice/documents/${quoteNumber}/annuler`, { reason: 'x' }],
      [`/backoffice/documents/${quoteNumber}/reediter`, {}],
      [`/backoffice/documents/${quoteNumber}/avoirs`, { amount: '1', reason: 'x' }],
      ['/backoffice/reglages/banque', { iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'BNPAFRPP', chequePayee: 'X', chequeAddress: 'Y' }],
      ['/backoffice/reglages/cgv', { title: 'Pirate', body: 'Pirate' }],
    ];
    for (const [url, fields] of posts) assert.equal((await customer.post(url, fields)).statusCode, 403, url);
    assert.equal((await paymentsOf(quoteNumber)).length, 0);
    assert.equal(await t.container.services.billing.stateOf(await doc(quoteNumber)), 'to_pay');
    assert.equal((await t.container.services.settings.operatorIdentity()).iban, 'FR76 1680 7001 2932 6233 9521 322');
    assert.equal((await t.container.services.settings.currentTerms())?.version, 1);
  });

  it('links the new pages from the dashboard and the tabs', async () => {
    const home = await operator.get('/backoffice');
    for (const href of ['/backoffice/commandes', '/backoffice/documents', '/backoffice/reglages']) {
      assert.equal(home.body.split(`href="${href}"`).length - 1, 2, `${href} in the tabs and the dashboard list`);
    }
    const page = await operator.get('/backoffice/documents');
    assert.match(page.body, /<a href="\/backoffice\/documents" aria-current="page" class="active">Documents<\/a>/);
  });
});

describe('manual payments', () => {
  it('records a full transfer: FAC-2026-0001, order paid, invoice mailed, provisioning queued', async () => {
    const { orderId, quoteNumber } = await quoteFor('alpha', 'alpha-asso');
    const customerId = (await doc(quoteNumber)).user_id;
    const page = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<span class="badge warn">à payer<\/span>/);
    assert.match(page.body, /Hébergement Diacamma — forfait Opale — 1 an<br><span class="muted">Instance http:\/\/alpha-asso\.localhost:3000 /);
    assert.match(page.body, new RegExp(`<a href="/backoffice/clients/${customerId}">alpha</a>`));
    assert.match(page.body, /Enregistrer un règlement/);
    assert.match(page.body, new RegExp(`href="/factures/${quoteNumber}\\.pdf"`));

    const res = await pay(quoteNumber, { reference: 'VIR ALPHA 1', bank: 'Banque Populaire' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/backoffice/documents/${quoteNumber}?reglement=paye&facture=FAC-2026-0001&nouveau=1`);
    const shown = await operator.get(res.headers.location!);
    assert.match(shown.body, /Règlement enregistré — facture FAC-2026-0001 émise\./);
    assert.match(shown.body, /<span class="badge ok">payé<\/span>/);
    assert.match(shown.body, /<td[^>]*>01\/03\/2026<\/td>\s*<td[^>]*>virement<\/td>\s*<td[^>]*>44,99\s€<\/td>\s*<td[^>]*>VIR ALPHA 1<\/td>\s*<td[^>]*>Banque Populaire<\/td>\s*<td[^>]*>ops<br>/);
    assert.match(shown.body, /<a href="\/backoffice\/documents\/FAC-2026-0001">FAC-2026-0001<\/a>/);

    assert.equal((await t.container.services.orders.find(orderId))?.status, 'paid');
    const invoice = await doc('FAC-2026-0001');
    assert.equal(invoice.related_document_id, (await doc(quoteNumber)).id);
    const mail = await lastMailTo(t, 'alpha@example.org', 'billing.invoice');
    assert.deepEqual(mail.attachments, [{ kind: 'document_pdf', documentId: invoice.id, filename: 'FAC-2026-0001.pdf' }]);
    const jobs = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'instance.provision' and data->>'orderId' = ${String(orderId)}`.execute(db());
    assert.equal(jobs.rows[0]!.n, 1);
    const recorded = await db().selectFrom('audit_log').selectAll().where('action', '=', 'payment.recorded').execute();
    assert.equal(recorded.filter((r) => (r.details as { quote?: string }).quote === quoteNumber).length, 1, 'recorded once, by the service');
    assert.equal(recorded[0]!.actor_user_id, operatorId);

    const paidOrders = await operator.get('/backoffice/commandes?statut=paid');
    assert.match(paidOrders.body, /<td[^>]*>alpha-asso<\/td>/);
    assert.match(paidOrders.body, /<option value="paid" selected>payée<\/option>/);
    assert.match(paidOrders.body, new RegExp(`<a href="/backoffice/documents/${quoteNumber}">${quoteNumber}</a>`));
    assert.doesNotMatch((await operator.get('/backoffice/commandes?statut=validated')).body, /<td[^>]*>alpha-asso<\/td>/);
    const invoices = await operator.get('/backoffice/documents?type=invoice');
    assert.match(invoices.body, /data-document="FAC-2026-0001"/);
    assert.doesNotMatch(invoices.body, /data-document="DEV-/);
    const byAlias = await operator.get('/backoffice/documents?q=alpha');
    assert.deepEqual([...byAlias.body.matchAll(/data-document="([^"]+)"/g)].map((m) => m[1]).sort(), ['FAC-2026-0001', quoteNumber].sort());
    assert.match(byAlias.body, /href="\/factures\/FAC-2026-0001\.pdf"/);
  });

  it('adds partial transfers up until the quote is covered, with one invoice', async () => {
    const { orderId, quoteNumber } = await quoteFor('beta', 'beta-asso');
    const first = await pay(quoteNumber, { amount: '20,00', reference: 'VIR BETA 1', confirm_warnings: '1' });
    assert.equal(first.headers.location, `/backoffice/documents/${quoteNumber}?reglement=partiel&reste=2499`);
    assert.match(text((await operator.get(first.headers.location!)).body), /Règlement partiel enregistré : reste 24,99 €\./);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'validated');
    assert.equal((await invoicesOf(quoteNumber)).length, 0);
    assert.match(text((await operator.get('/backoffice/documents?q=beta')).body), /reçu 20,00 €/);

    const second = await pay(quoteNumber, { amount: '24.99', reference: 'VIR BETA 2' });
    assert.equal(second.headers.location, `/backoffice/documents/${quoteNumber}?reglement=paye&facture=FAC-2026-0002&nouveau=1`);
    assert.deepEqual(await invoicesOf(quoteNumber), [{ number: 'FAC-2026-0002' }]);
    assert.equal((await paymentsOf(quoteNumber)).length, 2);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'paid');
    const page = text((await operator.get(`/backoffice/documents/${quoteNumber}`)).body);
    assert.match(page, /<dt>Total reçu<\/dt><dd>44,99 €<\/dd>\s*<dt>Reste dû<\/dt><dd>0,00 €<\/dd>/);
    assert.doesNotMatch(page, /Trop-perçu/);
  });

  it('refuses the same transfer twice, whatever the case of its reference', async () => {
    const { quoteNumber } = await quoteFor('gamma', 'gamma-asso');
    assert.equal((await pay(quoteNumber, { amount: '10', reference: 'VIR-G', confirm_warnings: '1' })).statusCode, 303);
    for (const reference of ['VIR-G', 'vir-g']) {
      // First a warning (same reference as a payment in force), then, confirmed, the database's refusal.
      const warned = await pay(quoteNumber, { amount: '10,00', reference });
      assert.equal(warned.statusCode, 422);
      assert.match(text(warned.body), /Un règlement avec cette référence est déjà enregistré sur ce devis \(10,00 € reçu le 01\/03\/2026\)/);
      const again = await pay(quoteNumber, { amount: '10,00', reference, confirm_warnings: '1' });
      assert.equal(again.statusCode, 422);
      assert.match(again.body, /Ce règlement est déjà enregistré \(même devis, date, montant et référence\)\./);
    }
    assert.equal((await paymentsOf(quoteNumber)).length, 1);
  });

  it('asks for the cheque number, and explains malformed amounts and dates', async () => {
    const { quoteNumber } = await quoteFor('delta', 'delta-asso');
    const cheque = await pay(quoteNumber, { method: 'cheque', reference: '' });
    assert.equal(cheque.statusCode, 422);
    assert.match(cheque.body, /<p class="error" id="f-reference-error">Indiquez le numéro du chèque\.<\/p>/);
    assert.match(cheque.body, /<option value="cheque" selected>/, 'the form keeps what was typed');
    for (const [amount, message] of [
      ['abc', /Montant invalide : saisissez un montant positif en euros, avec au plus deux décimales/],
      ['-5', /Montant invalide/],
      ['1,234', /Montant invalide/],
      ['44,99 €', /Montant invalide/],
      ['0,00', /Le montant doit être supérieur à 0/],
      ['', /Indiquez le montant reçu\./],
    ] as const) {
      const res = await pay(quoteNumber, { amount, reference: 'X' });
      assert.equal(res.statusCode, 422, amount);
      assert.match(res.body, message, amount);
      assert.match(res.body, /id="f-amount-error"/);
    }
    const future = await pay(quoteNumber, { received_on: '2026-03-02', reference: 'X' });
    assert.equal(future.statusCode, 422);
    assert.match(future.body, /La date de réception ne peut pas être dans le futur\./);
    const garbled = await pay(quoteNumber, { received_on: '2026-02-30', reference: 'X' });
    assert.match(garbled.body, /Date invalide/);
    assert.equal((await paymentsOf(quoteNumber)).length, 0);
    const ok = await pay(quoteNumber, { method: 'cheque', amount: '44,99', reference: '1234567', bank: 'La Poste' });
    assert.equal(ok.statusCode, 303);
    assert.deepEqual((await paymentsOf(quoteNumber)).map((p) => [p.method, p.amount_cents, p.reference, p.bank]), [['cheque', 4499, '1234567', 'La Poste']]);
  });

  it('shows an overpayment, and counts a later payment on a paid quote as more of it', async () => {
    const { quoteNumber } = await quoteFor('epsilon', 'epsilon-asso');
    const res = await pay(quoteNumber, { amount: '50', reference: 'VIR EPS', confirm_warnings: '1' });
    assert.match(String(res.headers.location), /reglement=paye&facture=FAC-2026-\d{4}&nouveau=1/);
    const page = text((await operator.get(`/backoffice/documents/${quoteNumber}`)).body);
    assert.match(page, /Trop-perçu : 5,01 €/);
    assert.match(page, /<dt>Reste dû<\/dt><dd>0,00 €<\/dd>/);
    const invoice = (await invoicesOf(quoteNumber))[0]!;
    assert.equal(((await doc(invoice.number)).content as BillingDocument).paid?.amountCents, 4499, 'the invoice says what it settles');
    const more = await pay(quoteNumber, { amount: '1', reference: 'VIR EPS 2', confirm_warnings: '1' });
    assert.equal(more.headers.location, `/backoffice/documents/${quoteNumber}?reglement=paye&facture=${invoice.number}&nouveau=0`);
    assert.match(text((await operator.get(more.headers.location!)).body), /déjà réglé par la facture [\s\S]*Trop-perçu : 6,01 €/);
    assert.equal((await invoicesOf(quoteNumber)).length, 1);
  });
});

describe('quotes', () => {
  it('cancels an unpaid quote: state annulé, order cancelled, no payment taken', async () => {
    const { orderId, quoteNumber } = await quoteFor('zeta', 'zeta-asso');
    const page = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(page.body, /Annuler le devis/);
    assert.doesNotMatch(page.body, /Rééditer le devis/);
    const asked = await operator.post(`/backoffice/documents/${quoteNumber}/annuler`, { reason: 'Doublon' });
    assert.equal(asked.statusCode, 200);
    assert.match(asked.body, new RegExp(`Annuler le devis ${quoteNumber} \\?`));
    assert.match(asked.body, /name="reason" value="Doublon"/);
    const res = await operator.post(`/backoffice/documents/${quoteNumber}/annuler`, { reason: 'Doublon', confirme: '1' });
    assert.equal(res.headers.location, `/backoffice/documents/${quoteNumber}?annule=1`);
    const shown = await operator.get(res.headers.location!);
    assert.match(shown.body, /Devis annulé ; la commande est annulée\./);
    assert.match(shown.body, /<span class="badge err">annulé<\/span>/);
    assert.doesNotMatch(shown.body, /Annuler le devis|Rééditer le devis|Enregistrer un règlement/);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'cancelled');
    const entry = await db().selectFrom('audit_log').selectAll().where('action', '=', 'order.cancelled').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual(entry.details, { orderId, reason: 'Doublon' });
    const refused = await pay(quoteNumber, { reference: 'X' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Devis annulé : aucun règlement ne peut y être enregistré\./);
    assert.equal((await operator.post(`/backoffice/documents/${quoteNumber}/annuler`, { confirme: '1' })).statusCode, 409);
    assert.equal((await operator.post(`/backoffice/documents/${quoteNumber}/reediter`, {})).statusCode, 409, 'a cancelled order is not reopened');
    assert.equal((await paymentsOf(quoteNumber)).length, 0);
  });

  it('answers 404 for unknown or malformed numbers, and for a form on the wrong kind of document', async () => {
    for (const url of ['/backoffice/documents/DEV-2026-9999', '/backoffice/documents/abc', '/backoffice/documents/dev-2026-0001']) {
      assert.equal((await operator.get(url)).statusCode, 404, url);
    }
    assert.equal((await operator.post('/backoffice/documents/FAC-2026-0001/reglements', { amount: '1', received_on: '2026-03-01', method: 'transfer', reference: 'x' })).statusCode, 404);
    const quote = (await db().selectFrom('documents').select('number').where('kind', '=', 'quote').executeTakeFirstOrThrow()).number;
    assert.equal((await operator.post(`/backoffice/documents/${quote}/avoirs`, { amount: '1', reason: 'x' })).statusCode, 404);
  });
});

describe('credit notes', () => {
  it('issues AVO-2026-0001 for part of an invoice, mails it, and refuses more than remains', async () => {
    const invoice = await doc('FAC-2026-0001');
    const page = text((await operator.get('/backoffice/documents/FAC-2026-0001')).body);
    assert.match(page, /Émettre un avoir/);
    assert.match(page, /Reste à créditer : 44,99 €/);
    assert.match(page, /<dt>Règle le devis<\/dt><dd><a href="\/backoffice\/documents\/DEV-2026-\d{4}">/);

    const res = await operator.post('/backoffice/documents/FAC-2026-0001/avoirs', { amount: '10', reason: 'Geste commercial : panne du 3 mars' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/backoffice/documents/FAC-2026-0001?avoir=AVO-2026-0001');
    const shown = text((await operator.get(res.headers.location!)).body);
    assert.match(shown, /Avoir AVO-2026-0001 émis et envoyé au client\./);
    assert.match(shown, /data-credit-note="AVO-2026-0001"[\s\S]*10,00 €[\s\S]*Geste commercial : panne du 3 mars/);
    assert.match(shown, /Reste à créditer : 34,99 €/);

    const note = await doc('AVO-2026-0001');
    assert.equal(note.gross_cents, 1000);
    assert.equal(note.related_document_id, invoice.id);
    assert.equal((note.content as BillingDocument).references?.invoiceNumber, 'FAC-2026-0001');
    const mail = await lastMailTo(t, 'alpha@example.org', 'billing.credit_note');
    assert.match(mail.subject, /Avoir AVO-2026-0001 sur la facture FAC-2026-0001/);
    assert.deepEqual(mail.attachments, [{ kind: 'document_pdf', documentId: note.id, filename: 'AVO-2026-0001.pdf' }]);
    const audits = await db().selectFrom('audit_log').selectAll().where('action', '=', 'credit_note.issued').execute();
    assert.equal(audits.length, 1);
    assert.equal(audits[0]!.actor_user_id, operatorId);
    assert.deepEqual(audits[0]!.details, { invoice: 'FAC-2026-0001', creditNote: 'AVO-2026-0001', amountCents: 1000, reason: 'Geste commercial : panne du 3 mars' });

    const tooMuch = await operator.post('/backoffice/documents/FAC-2026-0001/avoirs', { amount: '40,00', reason: 'Remboursement' });
    assert.equal(tooMuch.statusCode, 422);
    assert.match(text(tooMuch.body), /Montant supérieur à ce qui reste de la facture : 34,99 € au plus\./);
    const noReason = await operator.post('/backoffice/documents/FAC-2026-0001/avoirs', { amount: '5', reason: '' });
    assert.equal(noReason.statusCode, 422);
    assert.match(noReason.body, /Indiquez le motif de l&#39;avoir\./);
    const badAmount = await operator.post('/backoffice/documents/FAC-2026-0001/avoirs', { amount: '5,555', reason: 'x' });
    assert.match(badAmount.body, /Montant invalide/);
    assert.equal((await t.container.services.billing.creditNotesFor(invoice.id)).length, 1);

    const rest = await operator.post('/backoffice/documents/FAC-2026-0001/avoirs', { amount: '34,99', reason: 'Résiliation' });
    assert.equal(rest.headers.location, '/backoffice/documents/FAC-2026-0001?avoir=AVO-2026-0002');
    const full = await operator.get('/backoffice/documents/FAC-2026-0001');
    assert.match(full.body, /Cette facture est entièrement créditée\./);
    assert.doesNotMatch(full.body, /Émettre l&#39;avoir/);
    const notePage = await operator.get('/backoffice/documents/AVO-2026-0001');
    assert.match(notePage.body, /<span class="badge ok">émis<\/span>/);
    assert.match(notePage.body, /<dt>Corrige la facture<\/dt><dd><a href="\/backoffice\/documents\/FAC-2026-0001">/);
    assert.equal((await operator.get('/factures/AVO-2026-0001.pdf')).headers['content-type'], 'application/pdf');
  });
});

describe('an expired quote', () => {
  it('refuses a payment, then "Rééditer le devis" gives a new quote that takes it', async () => {
    const { orderId, quoteNumber } = await quoteFor('eta', 'eta-asso');
    (t.clock as ManualClock).advance(31 * DAY);
    // The operator's 14-day session lapsed meanwhile.
    assert.equal((await operator.get('/backoffice')).statusCode, 303);
    operator = new Agent(t.app);
    await operator.get('/connexion');
    assert.equal((await operator.post('/connexion', { identifier: 'ops', password: 'lanterne-magique-77' })).statusCode, 303);

    const page = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(page.body, /<span class="badge err">expiré<\/span>/);
    assert.match(page.body, /Rééditer le devis/);
    assert.doesNotMatch(page.body, /Enregistrer un règlement/);
    const refused = await pay(quoteNumber, { received_on: '2026-03-30', reference: 'VIR ETA' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Devis expiré : rééditez un devis avant d&#39;enregistrer le règlement\./);
    assert.equal((await paymentsOf(quoteNumber)).length, 0);

    const reissued = await operator.post(`/backoffice/documents/${quoteNumber}/reediter`, {});
    assert.equal(reissued.statusCode, 303, reissued.body);
    const next = /^\/backoffice\/documents\/(DEV-2026-\d{4})\?reedite=1$/.exec(String(reissued.headers.location))?.[1];
    assert.ok(next && next !== quoteNumber, String(reissued.headers.location));
    const shown = await operator.get(reissued.headers.location!);
    assert.match(shown.body, new RegExp(`Nouveau devis ${next} émis et envoyé au client\\.`));
    assert.match(shown.body, /<span class="badge warn">à payer<\/span>/);
    assert.match((await lastMailTo(t, 'eta@example.org', 'billing.quote')).subject, new RegExp(next));
    const old = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(old.body, /<span class="badge err">annulé<\/span>/);
    assert.match(old.body, new RegExp(`remplacé par le devis ${next}`));
    assert.doesNotMatch(old.body, /Rééditer le devis/);
    assert.equal((await operator.post(`/backoffice/documents/${quoteNumber}/reediter`, {})).statusCode, 409, 'the old quote cannot cancel its successor');

    const paid = await pay(next, { received_on: '2026-04-01', reference: 'VIR ETA' });
    assert.match(String(paid.headers.location), /reglement=paye&facture=FAC-2026-\d{4}&nouveau=1/);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'paid');
    const reissueAudit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'quote.reissued').execute();
    assert.equal(reissueAudit.length, 1);
    assert.equal(reissueAudit[0]!.actor_user_id, (await db().selectFrom('users').select('id').where('alias', '=', 'ops').executeTakeFirstOrThrow()).id);
  });
});
