import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { validateFacturx } from '../../../test/support/facturx-validator.ts';
import { supportRequest } from '../../../test/support/support-requests.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { DocumentRow } from '../../platform/db/schema.ts';
import { amountDueOf } from '../billing/billing.service.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { buildFacturXml } from '../billing/facturx/facturx.ts';
import { issueSupportQuote } from './use-cases/issue-support-quote.ts';
import type { SupportQuoteInput } from './support.service.ts';

/**
 * Accompaniment invoicing over HTTP, amounts to the cent (default settings: 80 €/h, 10 % from 10 h,
 * VAT franchise, payment at 30 days): a quote "with a deposit" — the deposit asked at acceptance,
 * its invoice issued on receipt — then the final invoice (hours done, real costs, deposit
 * deducted), paid once; a quote "on completion"; and what is refused.
 */

let t: TestApp;
let clock: ManualClock;
let operator: Agent;
let operatorId: number;

before(async () => {
  clock = new ManualClock('2026-10-01T08:00:00Z');
  t = await createTestApp({ clock });
  operator = await signedInOperator(t);
  operatorId = (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
});
after(async () => {
  await t.close();
});

const NBSP = /[\u00a0\u202f ]/.source;
/** "1 234,56 €" as formatMoney writes it (narrow or plain no-break spaces). */
const euros = (text: string) => new RegExp(text.replace(/ /g, NBSP));

async function customerWithRequest(alias: string): Promise<{ agent: Agent; requestId: number; email: string }> {
  const agent = await signedInCustomer(t, alias);
  const email = `${alias}@example.org`;
  const user = (await t.container.services.accounts.findUserByEmail(email))!;
  return { agent, requestId: await supportRequest(t, { email }, user.id), email };
}

async function quote(requestId: number, input: Partial<SupportQuoteInput>): Promise<string> {
  const full: SupportQuoteInput = { sessions: [{ label: 'Comptabilité', hours: 4 }], extras: [], note: '', validityDays: 30, invoicing: 'completion', depositPercent: 0, ...input };
  return (await issueSupportQuote(t.container.deps, requestId, full, { operatorId, ip: null })).number;
}

async function accept(agent: Agent, number: string): Promise<void> {
  await agent.get(`/accompagnement/devis/${number}`);
  assert.equal((await agent.post(`/accompagnement/devis/${number}`, { decision: 'accepted', signer: 'Camille Test', agree: '1' })).statusCode, 303);
}

async function doc(number: string): Promise<DocumentRow> {
  const d = await t.container.services.billing.findDocument({ number });
  assert.ok(d, number);
  return d;
}

async function supportInvoices(quoteNumber: string) {
  return t.container.services.support.invoicesOf([(await doc(quoteNumber)).id]);
}

const pay = (number: string, amount: string, reference: string, over: Record<string, string> = {}) =>
  operator.post(`/backoffice/documents/${number}/reglements`, { method: 'transfer', amount, received_on: t.container.services.billing.today(), reference, bank: '', confirm_warnings: '1', ...over });

const planForm = (date: string, over: Record<string, string> = {}) => ({
  topic: '',
  date,
  time: '09:00',
  duration: '420',
  format: 'on_site',
  details: '3 place du Marché, 38420 Domène',
  participants: 'acompte@example.org',
  ...over,
});

async function sessionsOf(quoteNumber: string) {
  return t.container.database.db.selectFrom('support_sessions').selectAll().where('quote_id', '=', (await doc(quoteNumber)).id).orderBy('starts_at').execute();
}

function assertFacturxValid(...docs: DocumentRow[]): void {
  const reports = validateFacturx(Object.fromEntries(docs.map((d) => [d.number, buildFacturXml(d.content as BillingDocument)])));
  for (const [number, r] of Object.entries(reports)) {
    assert.equal(r.xsdErrors, '', `${number}: ${r.xsdErrors}`);
    assert.deepEqual(r.failedAsserts, [], number);
  }
}

/** The row of « Vos factures » that shows this document. */
function rowOf(body: string, number: string): string {
  const row = [...body.matchAll(/<tr[^>]*>[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(`<strong>${number}</strong>`));
  assert.ok(row, `a row for ${number}`);
  return row;
}

/** After the clock moved past the sessions (more than a day), sign in again where needed. */
async function signInAgain(identifier: string, password: string): Promise<Agent> {
  const agent = new Agent(t.app);
  await agent.get('/connexion');
  assert.equal((await agent.post('/connexion', { identifier, password })).statusCode, 303);
  return agent;
}

describe('an accompaniment quote with a deposit', () => {
  let customer: Agent;
  let requestId: number;
  let quoteNumber: string;
  let depositNumber: string;
  let finalNumber: string;

  before(async () => {
    const c = await customerWithRequest('acompte');
    customer = c.agent;
    requestId = c.requestId;
    // 11 h: the 10 % tier, 72,00 €/h → 432,00 + 360,00; extras 120,00 + 45,50 → 957,50 €.
    quoteNumber = await quote(requestId, {
      sessions: [{ label: 'Comptabilité', hours: 6 }, { label: 'Adhérents', hours: 5 }],
      extras: [{ category: 'travel', label: 'Train Grenoble–Domène', amountCents: 12000 }, { category: 'room', label: 'Salle des fêtes', amountCents: 4550 }],
      invoicing: 'deposit',
      depositPercent: 33,
    });
    assert.equal((await doc(quoteNumber)).gross_cents, 95750);
  });

  it('asks for the deposit at acceptance (33 % of 957,50 € = 315,98 €, rounded half up), on the page and by e-mail', async () => {
    // Before acceptance the quote takes no payment.
    const early = await pay(quoteNumber, '315,98', 'VIR-0');
    assert.equal(early.statusCode, 422);
    assert.match(early.body, /n’attend pas de règlement/);
    await accept(customer, quoteNumber);
    const page = await customer.get(`/accompagnement/devis/${quoteNumber}`);
    assert.match(page.body, /Acompte à régler/);
    assert.match(page.body, euros('un acompte de 33 % est à régler : 315,98 €'));
    assert.match(page.body, new RegExp(`en indiquant la référence ${quoteNumber}`));
    const mail = await lastMailTo(t, 'acompte@example.org', 'support.deposit_request');
    assert.match(mail.subject, euros(`Devis ${quoteNumber} accepté — acompte de 315,98 € à régler`));
    assert.match(mail.text_body, /IBAN FR76/);
    assert.match(mail.text_body, /Par chèque : à l'ordre de/);
  });

  it('issues the deposit invoice once the deposit is received in full — through the ledger, e-mailed with its PDF, in « Vos factures »', async () => {
    const part = await pay(quoteNumber, '100,00', 'VIR-1');
    assert.equal(part.statusCode, 303);
    assert.match(part.headers.location as string, /reglement=partiel&reste=21598/);
    assert.equal((await supportInvoices(quoteNumber)).length, 0, 'no deposit invoice for part of it');
    const rest = await pay(quoteNumber, '215,98', 'VIR-2', { confirm_warnings: '' });
    assert.equal(rest.statusCode, 303, rest.body);
    const [row] = await supportInvoices(quoteNumber);
    assert.ok(row);
    assert.equal(row.kind, 'deposit');
    depositNumber = row.number;
    assert.match(rest.headers.location as string, new RegExp(`reglement=paye&facture=${depositNumber}`));
    const invoice = await doc(depositNumber);
    const c = invoice.content as BillingDocument;
    assert.equal(invoice.kind, 'invoice');
    assert.equal(invoice.related_document_id, (await doc(quoteNumber)).id);
    assert.equal(c.invoiceType, 'deposit');
    assert.equal(c.totals.grossCents, 31598);
    assert.equal(c.lines[0]!.label, `Acompte de 33 % sur le devis ${quoteNumber}`);
    assert.deepEqual(c.references, { quoteNumber });
    assert.deepEqual(c.paid, { method: 'transfer', date: '2026-10-01', amountCents: 31598 });
    assert.equal(c.paymentReference, quoteNumber);
    assertFacturxValid(invoice);
    const pdf = await t.container.services.billing.pdf(invoice.id);
    assert.ok(pdf && pdf.subarray(0, 5).toString() === '%PDF-');
    const mail = await lastMailTo(t, 'acompte@example.org', 'support.deposit_invoice');
    assert.match(mail.subject, new RegExp(`Acompte reçu — facture d'acompte ${depositNumber}`));
    assert.deepEqual(mail.attachments, [{ kind: 'document_pdf', documentId: invoice.id, filename: `${depositNumber}.pdf` }]);
    const list = await customer.get('/factures');
    assert.match(list.body, new RegExp(`Facture d’acompte <strong>${depositNumber}</strong>`));
    // The quote keeps its answer (it is not "paid": its balance is invoiced at the end).
    assert.equal(await t.container.services.billing.stateOf(await doc(quoteNumber)), 'accepted');
    // A settlement replayed (the payment's job) issues nothing more.
    const { settleQuote } = await import('../payments/use-cases/settle-quote.ts');
    const again = await settleQuote(t.container.deps, (await doc(quoteNumber)).id);
    assert.deepEqual(again, { state: 'paid', invoiceNumber: depositNumber, newlyPaid: false });
    assert.equal((await supportInvoices(quoteNumber)).length, 1);
  });

  it('takes no further payment on the quote once its deposit is invoiced', async () => {
    const res = await pay(quoteNumber, '10,00', 'VIR-3');
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /n’attend pas de règlement/);
  });

  it('refuses to mark a session done before it has started, and to invoice while sessions are planned', async () => {
    const planning = `/backoffice/demandes/${requestId}/seances`;
    assert.equal((await operator.post(planning, planForm('2026-10-06'))).statusCode, 303);
    assert.equal((await operator.post(planning, planForm('2026-10-08', { duration: '240' }))).statusCode, 303);
    const [first] = await sessionsOf(quoteNumber);
    const early = await operator.post(`${planning}/${first!.id}/realisee`, { hours: '7' });
    assert.equal(early.statusCode, 422);
    assert.match(early.body, /Cette séance n’a pas encore commencé : elle ne peut être marquée réalisée qu’une fois son heure de début passée\./);
    assert.equal((await sessionsOf(quoteNumber))[0]!.state, 'planned');
    const invoice = await operator.post(`/backoffice/demandes/${requestId}/facturer`, { real_0: '120', real_1: '45,50', confirme: '1' });
    assert.equal(invoice.statusCode, 409);
    assert.match(invoice.body, /Des séances sont encore planifiées \(2\)/);
    assert.equal((await supportInvoices(quoteNumber)).length, 1);
  });

  it('issues the final invoice: hours done at the quoted rate, transport at its real amount (said so), deposit deducted, balance due at 30 days', async () => {
    clock.set('2026-10-09T08:00:00Z');
    const planning = `/backoffice/demandes/${requestId}/seances`;
    const [a, b] = await sessionsOf(quoteNumber);
    assert.equal((await operator.post(`${planning}/${a!.id}/realisee`, { hours: '7' })).statusCode, 303);
    assert.equal((await operator.post(`${planning}/${b!.id}/realisee`, { hours: '3,5' })).statusCode, 303);
    const page = await operator.get(planning);
    assert.match(page.body, /Facturer l’accompagnement/);
    assert.match(page.body, /Montant réel — Transport et hébergement : Train Grenoble–Domène/);
    assert.match(page.body, new RegExp(`facture d’acompte ${depositNumber}`));

    // Bad real amounts: each refused on its field, nothing issued.
    for (const [bad, field] of [['-5', 'real_0'], ['abc', 'real_1'], ['100000,01', 'real_0'], ['12,345', 'real_1']] as const) {
      const res = await operator.post(`/backoffice/demandes/${requestId}/facturer`, { real_0: '134,80', real_1: '45,50', [field]: bad, confirme: '1' });
      assert.equal(res.statusCode, 422, bad);
      assert.match(res.body, /Indiquez le montant réel en euros, de 0 € à 100 000 €/);
    }
    assert.equal((await supportInvoices(quoteNumber)).length, 1);

    // Without JavaScript: a page asks first, carrying the amounts.
    const ask = await operator.post(`/backoffice/demandes/${requestId}/facturer`, { real_0: '134,80', real_1: '45,50' });
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Émettre la facture de fin de cet accompagnement \?/);
    assert.match(ask.body, /name="real_0" value="134,80"/);
    assert.equal((await supportInvoices(quoteNumber)).length, 1);

    const res = await operator.post(`/backoffice/demandes/${requestId}/facturer`, { real_0: '134,80', real_1: '45,50', confirme: '1' });
    assert.equal(res.statusCode, 303, res.body);
    const final = (await supportInvoices(quoteNumber)).find((i) => i.kind === 'final');
    assert.ok(final);
    finalNumber = final.number;
    const invoice = await doc(finalNumber);
    const c = invoice.content as BillingDocument;
    assert.equal(c.invoiceType, 'final');
    assert.deepEqual(
      c.lines.map((l) => [l.label, l.quantity, l.unitPriceCents, l.netCents]),
      [
        ['Séance du 06/10/2026', 7, 7200, 50400],
        ['Séance du 08/10/2026', 3.5, 7200, 25200],
        ['Transport et hébergement : Train Grenoble–Domène', 1, 13480, 13480],
        ['Location de salle : Salle des fêtes', 1, 4550, 4550],
      ],
    );
    assert.match(c.lines[2]!.detail!, euros('Frais annexes — montant réel, devisé 120,00 €'));
    assert.equal(c.lines[3]!.detail, 'Frais annexes', 'the same as quoted: said nothing more');
    assert.equal(c.totals.grossCents, 93630);
    assert.deepEqual(c.deposit, { invoiceNumber: depositNumber, issueDate: '2026-10-01', amountCents: 31598 });
    assert.equal(amountDueOf(invoice), 62032);
    assert.equal(c.dueDate, '2026-11-08');
    assert.equal(c.paymentReference, finalNumber);
    assert.deepEqual(c.references, { quoteNumber });
    assert.equal(c.paid ?? null, null);
    assert.deepEqual(c.servicePeriod, { start: '2026-10-06', end: '2026-10-08' });
    assertFacturxValid(invoice);
    const mail = await lastMailTo(t, 'acompte@example.org', 'support.final_invoice');
    assert.match(mail.subject, new RegExp(`Votre facture d'accompagnement ${finalNumber}`));
    assert.match(mail.text_body, euros('Total : 936,30 €, acompte déduit'));
    assert.match(mail.text_body, euros('Reste à payer : 620,32 €, au plus tard le 08/11/2026'));
    assert.match(mail.text_body, new RegExp(`en indiquant la référence ${finalNumber}`));
    assert.deepEqual(mail.attachments, [{ kind: 'document_pdf', documentId: invoice.id, filename: `${finalNumber}.pdf` }]);
  });

  it('issues it once: a double click or a retry gives the same invoice', async () => {
    const before = await t.container.database.db.selectFrom('documents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const again = await operator.post(`/backoffice/demandes/${requestId}/facturer`, { real_0: '999', real_1: '0', confirme: '1' });
    assert.equal(again.statusCode, 303);
    assert.match(again.headers.location as string, new RegExp(`facture=${finalNumber}&deja=1`));
    const after = await t.container.database.db.selectFrom('documents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
    assert.equal((await supportInvoices(quoteNumber)).filter((i) => i.kind === 'final').length, 1);
    const page = await operator.get(`/backoffice/demandes/${requestId}/seances?facture=${finalNumber}&deja=1`);
    assert.match(page.body, new RegExp(`Cet accompagnement était déjà facturé : facture ${finalNumber}`));
    assert.doesNotMatch(page.body, /Planifier une séance/, 'no more sessions to plan');
    // Nor a session planned or marked done behind its back.
    const planned = await operator.post(`/backoffice/demandes/${requestId}/seances`, planForm('2026-10-20'));
    assert.equal(planned.statusCode, 409);
    assert.match(planned.body, /déjà facturé/);
  });

  it('shows it to pay in « Vos factures », and paid once the balance is recorded on it — never twice', async () => {
    customer = await signInAgain('acompte', 'velo-rouge-2026!');
    const list = await customer.get('/factures');
    const row = rowOf(list.body, finalNumber);
    assert.match(row, /class="badge warn">à payer</);
    assert.match(row, euros('reste à payer 620,32 € \\(acompte déduit\\)'));
    const home = await customer.get('/espace');
    assert.match(home.body, /1 facture à payer/);
    const mine = await customer.get('/seances');
    assert.match(mine.body, new RegExp(`Accompagnement facturé : facture ${finalNumber}, dans « Vos factures »`));

    const boPage = await operator.get(`/backoffice/documents/${finalNumber}`);
    assert.match(boPage.body, /Enregistrer le règlement/);
    assert.match(boPage.body, /value="620,32"/, 'prefilled with the balance');
    const part = await pay(finalNumber, '600,00', 'VIR-S1');
    assert.match(part.headers.location as string, /reglement=partiel&reste=2032/);
    assert.equal(await t.container.services.billing.stateOf(await doc(finalNumber)), 'to_pay');
    const rest = await pay(finalNumber, '20,32', 'VIR-S2');
    assert.equal(rest.statusCode, 303);
    assert.match(rest.headers.location as string, new RegExp(`reglement=solde&facture=${finalNumber}`));
    assert.equal(await t.container.services.billing.stateOf(await doc(finalNumber)), 'paid');
    const twice = await pay(finalNumber, '20,32', 'VIR-S3');
    assert.equal(twice.statusCode, 422);
    assert.match(twice.body, /Cette facture est déjà réglée/);
    assert.equal(await t.container.services.payments.paidCents((await doc(finalNumber)).id), 62032);
    const paidList = await customer.get('/factures');
    assert.match(rowOf(paidList.body, finalNumber), /class="badge ok">payé</);
    // A payment cancelled (a bounced cheque, a transfer typed on the wrong invoice): to pay again, no credit note.
    const last = await t.container.database.db.selectFrom('payments').select('id').where('reference', '=', 'VIR-S2').executeTakeFirstOrThrow();
    const cancelled = await operator.post(`/backoffice/documents/${finalNumber}/reglements/${last.id}/annuler`, { reason: 'Virement rejeté', confirme: '1' });
    assert.equal(cancelled.statusCode, 303, cancelled.body);
    assert.equal(await t.container.services.billing.stateOf(await doc(finalNumber)), 'to_pay');
    assert.equal((await t.container.services.billing.creditNotesFor((await doc(finalNumber)).id)).length, 0);
    assert.equal((await pay(finalNumber, '20,32', 'VIR-S4')).statusCode, 303);
    assert.equal(await t.container.services.billing.stateOf(await doc(finalNumber)), 'paid');
    // The ledger still checks out, its PDFs re-rendered to the same bytes.
    const verified = await t.container.services.billing.ledger.verify({ rerender: true });
    assert.deepEqual(verified.problems, []);
  });
});

describe('an accompaniment quote invoiced on completion', () => {
  it('takes no payment before its invoice; invoices the hours done, a cost that did not occur at 0 (said so), with no deposit', async () => {
    clock.set('2026-10-12T08:00:00Z');
    const c = await customerWithRequest('solde');
    const number = await quote(c.requestId, { sessions: [{ label: 'Cotisations', hours: 4 }], extras: [{ category: 'equipment', label: 'Vidéoprojecteur', amountCents: 6000 }] });
    await accept(c.agent, number);
    assert.equal((await c.agent.get(`/accompagnement/devis/${number}`)).body.includes('Acompte à régler'), false);
    const refused = await pay(number, '380,00', 'VIR-X');
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /n’attend pas de règlement/);
    const planning = `/backoffice/demandes/${c.requestId}/seances`;
    assert.equal((await operator.post(planning, planForm('2026-10-13', { format: 'remote_presentation', duration: '120', details: 'https://visio.example.org/solde', participants: 'solde@example.org' }))).statusCode, 303);
    clock.set('2026-10-13T10:00:00Z');
    const [s] = await sessionsOf(number);
    assert.equal((await operator.post(`${planning}/${s!.id}/realisee`, { hours: '2' })).statusCode, 303);
    const res = await operator.post(`/backoffice/demandes/${c.requestId}/facturer`, { real_0: '0', confirme: '1' });
    assert.equal(res.statusCode, 303, res.body);
    const [row] = await supportInvoices(number);
    assert.equal(row!.kind, 'final');
    const invoice = await doc(row!.number);
    const content = invoice.content as BillingDocument;
    assert.deepEqual(
      content.lines.map((l) => [l.label, l.quantity, l.unitPriceCents, l.netCents]),
      [
        ['Séance du 13/10/2026', 2, 8000, 16000],
        ['Location de matériel : Vidéoprojecteur', 1, 0, 0],
      ],
    );
    assert.match(content.lines[1]!.detail!, euros('montant réel, devisé 60,00 €'));
    assert.equal(content.totals.grossCents, 16000);
    assert.equal(content.deposit ?? null, null);
    assert.equal(amountDueOf(invoice), 16000);
    assert.equal(content.dueDate, '2026-11-12');
    assertFacturxValid(invoice);
    const list = await c.agent.get('/factures');
    assert.match(list.body, new RegExp(`Facture <strong>${row!.number}</strong>`));
  });
});

describe('invoicing refused', () => {
  it('for a refused quote, and for an accepted quote replaced since by a revision', async () => {
    clock.set('2026-10-14T08:00:00Z');
    const r = await customerWithRequest('refus');
    const refusedQuote = await quote(r.requestId, {});
    await r.agent.get(`/accompagnement/devis/${refusedQuote}`);
    assert.equal((await r.agent.post(`/accompagnement/devis/${refusedQuote}`, { decision: 'refused', signer: 'Camille refus', message: 'Trop cher.' })).statusCode, 303);
    const res = await operator.post(`/backoffice/demandes/${r.requestId}/facturer`, { confirme: '1' });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /Aucun devis accepté pour cette demande/);

    const v = await customerWithRequest('revise');
    const first = await quote(v.requestId, {});
    await accept(v.agent, first);
    await quote(v.requestId, { sessions: [{ label: 'Comptabilité', hours: 6 }] });
    assert.equal(await t.container.services.billing.stateOf(await doc(first)), 'cancelled');
    const replaced = await operator.post(`/backoffice/demandes/${v.requestId}/facturer`, { confirme: '1' });
    assert.equal(replaced.statusCode, 409);
    assert.match(replaced.body, /Le devis accepté a été remplacé par un devis révisé/);
    assert.equal((await supportInvoices(first)).length, 0);
  });

  it('with nothing done', async () => {
    const n = await customerWithRequest('rien');
    const number = await quote(n.requestId, {});
    await accept(n.agent, number);
    const res = await operator.post(`/backoffice/demandes/${n.requestId}/facturer`, { confirme: '1' });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /Aucune heure réalisée et aucun frais : il n’y a rien à facturer\./);
  });
});
