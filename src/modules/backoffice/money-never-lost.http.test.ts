import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { DAY, type ManualClock } from '../../platform/clock.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { expireLapsedOrders } from '../orders/use-cases/expire-lapsed-orders.ts';
import { settleQuote } from '../payments/use-cases/settle-quote.ts';

/**
 * Money is never lost: payments follow a re-issued quote, a partly paid order never lapses as
 * unpaid, the payment form warns before the usual mistakes, a payment can be cancelled (with a
 * credit note once invoiced), a receipt date before the quote is refused, and a payment is never
 * stored when its settlement fails.
 */
let t: TestApp;
let operator: Agent;

const db = () => t.container.database.db;
const clock = () => t.clock as ManualClock;
const doc = (number: string) => t.container.services.billing.findDocument({ number }).then((d) => d!);
const paymentRows = () => db().selectFrom('payments').selectAll().orderBy('id').execute();
const invoicesOf = async (number: string) => db().selectFrom('documents').selectAll().where('kind', '=', 'invoice').where('related_document_id', '=', (await doc(number)).id).execute();
const text = (body: string) => body.replace(/[\u202f\u00a0]/g, ' ');
const today = () => t.container.services.billing.today();

async function pay(number: string, fields: Record<string, string>) {
  await operator.get(`/backoffice/documents/${number}`);
  return operator.post(`/backoffice/documents/${number}/reglements`, { method: 'transfer', amount: '44,99', received_on: today(), reference: '', bank: '', ...fields });
}

/** Signs in again (after the clock moved a month, sessions lapsed). */
async function signIn(identifier: string, password: string): Promise<Agent> {
  const agent = new Agent(t.app);
  agent.host = new URL(t.container.urls.portal()).host;
  await agent.get('/connexion');
  const res = await agent.post('/connexion', { identifier, password });
  assert.equal(res.statusCode, 303, res.body);
  return agent;
}

async function monthLater(): Promise<void> {
  clock().advance(31 * DAY);
  operator = await signIn('ops@example.org', 'lanterne-magique-77');
}

async function monthBack(): Promise<void> {
  clock().advance(-31 * DAY);
  operator = await signIn('ops@example.org', 'lanterne-magique-77');
}

async function quoteFor(alias: string, instance: string) {
  const agent = await signedInCustomer(t, alias);
  return { agent, ...(await orderAndValidate(t, agent, instance)) };
}

before(async () => {
  t = await createTestApp();
  operator = await signedInOperator(t);
});

after(async () => {
  await t?.close();
});

describe('the operator’s payment form', () => {
  it('is prefilled with the amount due, and warns (without recording) on another amount until confirmed', async () => {
    const { quoteNumber } = await quoteFor('prefill', 'prefill-asso');
    const page = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(page.body, /name="amount" type="text" value="44,99"/);
    const before = (await paymentRows()).length;
    const warned = await pay(quoteNumber, { amount: '4,49', reference: 'VIR PREFILL' });
    assert.equal(warned.statusCode, 422);
    assert.match(text(warned.body), /Le montant saisi diffère du reste dû \(44,99 €\)/);
    assert.match(warned.body, /name="confirm_warnings"/);
    assert.match(warned.body, /name="amount" type="text" value="4,49"/, 'what was typed is kept');
    assert.equal((await paymentRows()).length, before, 'nothing recorded on a warning');
    const confirmed = await pay(quoteNumber, { amount: '4,49', reference: 'VIR PREFILL', confirm_warnings: '1' });
    assert.equal(confirmed.statusCode, 303);
    assert.equal(confirmed.headers.location, `/backoffice/documents/${quoteNumber}?reglement=partiel&reste=4050`);
    const after = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(after.body, /name="amount" type="text" value="40,50"/, 'prefilled with what remains');
  });

  it('refuses a receipt date before the quote was issued, or absurd, on the field — and stores nothing', async () => {
    const { quoteNumber } = await quoteFor('datebad', 'datebad-asso');
    const issued = (await doc(quoteNumber)).issue_date;
    const before = (await paymentRows()).length;
    for (const [date, message] of [
      ['2026-02-27', /La date de réception ne peut pas précéder l’émission du devis \(le 01\/03\/2026\)\./],
      ['0001-01-01', /Date de réception invalide\./],
      ['1999-12-31', /Date de réception invalide\./],
    ] as const) {
      const res = await pay(quoteNumber, { received_on: date, reference: 'VIR DATE' });
      assert.equal(res.statusCode, 422, date);
      assert.match(res.body, /id="f-received_on-error"/, date);
      assert.match(res.body, message, date);
    }
    assert.equal(String(issued), '2026-03-01');
    assert.equal((await paymentRows()).length, before);
    assert.equal(await t.container.services.billing.stateOf(await doc(quoteNumber)), 'to_pay');
    const page = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(page.body, /name="received_on" type="date" value="2026-03-01" max="2026-03-01" min="2026-03-01"/);
  });

  it('never stores a payment whose settlement fails: a clear message, and the same payment works once the fault is gone', async () => {
    const { quoteNumber, orderId } = await quoteFor('settlefail', 'settlefail-asso');
    const before = (await paymentRows()).length;
    // A real fault where the invoice is written: the database refuses new invoices for a while.
    await sql`create function refuse_invoices() returns trigger language plpgsql as $$ begin
      if new.kind = 'invoice' then raise exception 'disk trouble while writing the invoice'; end if; return new; end $$`.execute(db());
    await sql`create trigger refuse_invoices before insert on documents for each row execute function refuse_invoices()`.execute(db());
    try {
      const res = await pay(quoteNumber, { reference: 'VIR SETTLE' });
      assert.equal(res.statusCode, 500);
      assert.match(text(res.body), /Le règlement n’a pas été enregistré : la facture n’a pas pu être émise\. Rien n’a été modifié/);
      assert.doesNotMatch(res.body, /disk trouble|at \w+ \(/, 'no internals shown');
      assert.equal((await paymentRows()).length, before, 'the payment is not stored without its settlement');
      assert.equal((await t.container.services.orders.find(orderId))?.status, 'validated');
      const audit = await db().selectFrom('audit_log').select('details').where('action', '=', 'payment.recorded').execute();
      assert.ok(!audit.some((a) => (a.details as { quote?: string }).quote === quoteNumber), 'no audit of a payment that was not stored');
    } finally {
      await sql`drop trigger refuse_invoices on documents`.execute(db());
      await sql`drop function refuse_invoices()`.execute(db());
    }
    const again = await pay(quoteNumber, { reference: 'VIR SETTLE' });
    assert.equal(again.statusCode, 303);
    assert.match(String(again.headers.location), /reglement=paye&facture=FAC-2026-\d{4}&nouveau=1/);
    assert.equal((await paymentRows()).length, before + 1);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'paid');
  });
});

describe('cancelling a recorded payment', () => {
  it('on an unpaid quote: kept and marked, audited, the balance restored, and the same transfer can be recorded again', async () => {
    const { quoteNumber } = await quoteFor('annulpart', 'annulpart-asso');
    assert.equal((await pay(quoteNumber, { amount: '20', reference: 'VIR ERREUR', confirm_warnings: '1' })).statusCode, 303);
    const payment = (await paymentRows()).at(-1)!;
    const page = await operator.get(`/backoffice/documents/${quoteNumber}`);
    assert.match(page.body, /Annuler ce règlement/);
    const url = `/backoffice/documents/${quoteNumber}/reglements/${payment.id}/annuler`;
    // Without a reason: refused; without JavaScript: a confirmation page first.
    assert.equal((await operator.post(url, { reason: '' })).statusCode, 422);
    const asked = await operator.post(url, { reason: 'Saisi sur le mauvais devis' });
    assert.equal(asked.statusCode, 200);
    assert.match(text(asked.body), /Annuler le règlement de 20,00 € du 01\/03\/2026 \?/);
    const done = await operator.post(url, { reason: 'Saisi sur le mauvais devis', confirme: '1' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `/backoffice/documents/${quoteNumber}?reglement=annule`);
    const shown = text((await operator.get(done.headers.location!)).body);
    assert.match(shown, /Règlement annulé\./);
    assert.match(shown, /annulé le [^<]+ par ops : Saisi sur le mauvais devis/);
    assert.match(shown, /<dt>Total reçu<\/dt><dd>0,00 €<\/dd>\s*<dt>Reste dû<\/dt><dd>44,99 €<\/dd>/);
    const row = (await db().selectFrom('payments').selectAll().where('id', '=', payment.id).executeTakeFirstOrThrow());
    assert.equal(row.cancel_reason, 'Saisi sur le mauvais devis');
    assert.equal(Number(row.amount_cents), 2000, 'the row is kept as it was');
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'payment.cancelled').execute();
    assert.equal(audit.length, 1);
    assert.equal((audit[0]!.details as { reason: string }).reason, 'Saisi sur le mauvais devis');
    // Twice: refused, changes nothing.
    assert.equal((await operator.post(url, { reason: 'encore', confirme: '1' })).statusCode, 409);
    // The same transfer, recorded again for real, is not a duplicate of a cancelled one.
    assert.equal((await pay(quoteNumber, { amount: '20', reference: 'VIR ERREUR', confirm_warnings: '1' })).statusCode, 303);
    assert.equal(await t.container.services.payments.paidCents((await doc(quoteNumber)).id), 2000);
  });

  it('on an invoiced quote: a credit note for the part no longer covered, in the same step, mailed to the customer', async () => {
    const { quoteNumber } = await quoteFor('cheqimpaye', 'cheqimpaye-asso');
    assert.equal((await pay(quoteNumber, { method: 'cheque', reference: '7654321' })).statusCode, 303);
    const invoice = (await invoicesOf(quoteNumber))[0]!;
    const payment = (await paymentRows()).at(-1)!;
    const done = await operator.post(`/backoffice/documents/${quoteNumber}/reglements/${payment.id}/annuler`, { reason: 'Chèque impayé', confirme: '1' });
    assert.equal(done.statusCode, 303);
    const credit = new URL(String(done.headers.location), 'http://x').searchParams.get('avoir');
    assert.match(String(credit), /^AVO-2026-\d{4}$/);
    const note = await doc(credit!);
    assert.equal(note.related_document_id, invoice.id);
    assert.equal(note.gross_cents, 4499);
    assert.match((note.content as BillingDocument).lines[0]!.detail ?? '', /Règlement annulé \(chèque du 2026-03-01\) : Chèque impayé/);
    const shown = text((await operator.get(String(done.headers.location))).body);
    assert.match(shown, new RegExp(`Règlement annulé ; l’avoir ${credit} a été émis`));
    assert.ok(await lastMailTo(t, 'cheqimpaye@example.org', 'billing.credit_note'));
    const invoiceAfter = await doc(invoice.number);
    assert.deepEqual(invoiceAfter.content, invoice.content, 'the invoice itself is never changed');
  });
});

describe('a partly paid quote that lapses, then is re-issued', () => {
  it('is not expired (the operator is told once), and its payment is carried to the new quote: one row, shown on both, counted once', async () => {
    const { quoteNumber: first, orderId } = await quoteFor('reporte', 'reporte-asso');
    assert.equal((await pay(first, { amount: '20', reference: 'VIR REPORT', confirm_warnings: '1' })).statusCode, 303);
    await monthLater();
    try {
      for (let i = 0; i < 2; i++) await expireLapsedOrders(t.container.deps);
      assert.equal((await t.container.services.orders.find(orderId))?.status, 'validated', 'a partly paid order does not lapse as unpaid');
      const alerts = (await db().selectFrom('mail_messages').selectAll().where('template', '=', 'orders.lapsed_partly_paid').execute()).filter((m) => m.subject.includes(first));
      assert.equal(alerts.length, 1, 'told once');
      assert.match(text(alerts[0]!.text_body), new RegExp(`Le devis ${first} \\(instance reporte-asso\\) a dépassé sa date de validité alors que 20,00 € ont déjà été reçus ; il reste 24,99 €`));
      assert.equal((await db().selectFrom('audit_log').select('details').where('action', '=', 'order.lapsed_partly_paid').execute()).filter((a) => (a.details as { quote: string }).quote === first).length, 1);

      await operator.get(`/backoffice/documents/${first}`);
      const reissued = await operator.post(`/backoffice/documents/${first}/reediter`, {});
      assert.equal(reissued.statusCode, 303);
      const second = /documents\/(DEV-\d{4}-\d{4})/.exec(String(reissued.headers.location))![1]!;
      assert.notEqual(second, first);

      const rows = (await paymentRows()).filter((p) => p.reference === 'VIR REPORT');
      assert.equal(rows.length, 1, 'one payment row, moved, never copied');
      assert.equal(rows[0]!.quote_id, (await doc(second)).id);
      assert.equal(rows[0]!.carried_from_quote_id, (await doc(first)).id);

      const newPage = text((await operator.get(`/backoffice/documents/${second}`)).body);
      assert.match(newPage, /20,00 € reçus sur les devis précédents sont comptés sur ce devis\./);
      assert.match(newPage, new RegExp(`reçu sur le devis ${first}`));
      assert.match(newPage, /<dt>Total reçu<\/dt><dd>20,00 €<\/dd>\s*<dt>Reste dû<\/dt><dd>24,99 €<\/dd>/);
      assert.match(newPage, /name="amount" type="text" value="24,99"/);
      const oldPage = text((await operator.get(`/backoffice/documents/${first}`)).body);
      assert.match(oldPage, new RegExp(`reporté sur le devis ${second}`));
      assert.match(oldPage, /<dt>Total reçu<\/dt><dd>0,00 €<\/dd>/, 'not counted twice');
      const mail = await lastMailTo(t, 'reporte@example.org', 'billing.quote');
      assert.match(text(mail.text_body), /Ce devis remplace le précédent : les 20,00 € déjà reçus y sont comptés, il reste 24,99 € à régler\./);
      // The customer's order page asks for what remains.
      const customer = await signIn('reporte', 'velo-rouge-2026!');
      const order = text((await customer.get(`/commandes/${orderId}`)).body);
      assert.match(order, /24,99 €/);

      const paid = await pay(second, { amount: '24,99', reference: 'VIR REPORT 2' });
      assert.equal(paid.statusCode, 303);
      assert.match(String(paid.headers.location), /reglement=paye/);
      const invoice = (await invoicesOf(second))[0]!;
      assert.equal((invoice.content as BillingDocument).paid?.amountCents, 4499, 'the invoice counts both payments, once each');
      assert.equal(await t.container.services.payments.paidCents((await doc(first)).id), 0);
    } finally {
      await monthBack();
    }
  });

  it('re-issued at a lower price than what was already received: settled by the carried payment alone (22,49 €), the overpayment shown', async () => {
    const opale = (await t.container.services.settings.plan('opale'))!;
    const { quoteNumber: first, orderId } = await quoteFor('moinscher', 'moinscher-asso');
    assert.equal((await pay(first, { amount: '30', reference: 'VIR MOINS', confirm_warnings: '1' })).statusCode, 303);
    await monthLater();
    try {
      await expireLapsedOrders(t.container.deps);
      await t.container.services.settings.updatePlan('opale', { name: opale.name, priceCents: 2249, bandwidthMbps: opale.bandwidthMbps, slaPercent: opale.slaPercent, maxSessions: opale.maxSessions, storageBytes: opale.storageBytes });
      await operator.get(`/backoffice/documents/${first}`);
      const reissued = await operator.post(`/backoffice/documents/${first}/reediter`, {});
      assert.equal(reissued.statusCode, 303, reissued.body.slice(0, 3000));
      const second = /documents\/(DEV-\d{4}-\d{4})/.exec(String(reissued.headers.location))![1]!;
      const quote = await doc(second);
      assert.equal(quote.gross_cents, 2249);
      // The settlement is queued with the carry (it runs after commit); here it is run as the worker runs it.
      const jobs = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'payments.settle' and data->>'quoteId' = ${String(quote.id)}`.execute(db());
      assert.equal(jobs.rows[0]!.n, 1);
      const outcome = await settleQuote(t.container.deps, quote.id);
      assert.equal(outcome.state, 'paid');
      assert.equal((await settleQuote(t.container.deps, quote.id)).state, 'paid', 'settling again changes nothing');
      assert.equal((await invoicesOf(second)).length, 1);
      assert.equal((await t.container.services.orders.find(orderId))?.status, 'paid');
      const page = text((await operator.get(`/backoffice/documents/${second}`)).body);
      assert.match(page, /Trop-perçu : 7,51 €/);
      const balance = await t.container.services.payments.balance(quote);
      assert.deepEqual(balance, { paidCents: 3000, dueCents: 0, overpaidCents: 751 });
    } finally {
      await monthBack();
      await t.container.services.settings.updatePlan('opale', { name: opale.name, priceCents: opale.priceCents, bandwidthMbps: opale.bandwidthMbps, slaPercent: opale.slaPercent, maxSessions: opale.maxSessions, storageBytes: opale.storageBytes });
    }
  });

  it('an order lapsed with nothing paid still expires and frees its name', async () => {
    const { orderId } = await quoteFor('rienpaye', 'rienpaye-asso');
    clock().advance(31 * DAY);
    try {
      const swept = await expireLapsedOrders(t.container.deps);
      assert.ok(swept.expired >= 1);
      assert.equal((await t.container.services.orders.find(orderId))?.status, 'expired');
    } finally {
      clock().advance(-31 * DAY);
    }
  });
});
