import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { supportQuoteFor, supportRequest } from '../../../test/support/support-requests.ts';
import { DAY, ManualClock } from '../../platform/clock.ts';
import { issueSupportQuote } from './use-cases/issue-support-quote.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { supportQuoteLines, tierFor } from './support.pricing.ts';

let t: TestApp;
let operator: Agent;
let customer: Agent;
let requestId: number;
before(async () => {
  t = await createTestApp();
  operator = await signedInOperator(t);
  customer = await signedInCustomer(t, 'formation');
  const user = await t.container.services.accounts.findUserByEmail('formation@example.org');
  requestId = await supportRequest(t, { email: 'formation@example.org' }, user!.id);
});
after(async () => {
  await t.close();
});

async function pdfText(bytes: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false, useSystemFonts: false, disableFontFace: true }).promise;
  try {
    let out = '';
    for (let i = 1; i <= pdf.numPages; i++) {
      const content = await (await pdf.getPage(i)).getTextContent();
      out += content.items.map((it) => ('str' in it ? it.str : '')).join(' ');
    }
    return out.replace(/[\s\u00a0\u202f]+/g, ' ');
  } finally {
    await pdf.destroy();
  }
}

const blank = () => {
  const f: Record<string, string> = { note: '', validity: '30', invoicing: 'completion', deposit: '30' };
  for (let i = 0; i < 5; i++) Object.assign(f, { [`session_label_${i}`]: '', [`session_hours_${i}`]: '', [`extra_category_${i}`]: 'travel', [`extra_label_${i}`]: '', [`extra_amount_${i}`]: '' });
  return f;
};

describe('pricing of accompaniment', () => {
  it('hours × 80 €/h, the volume tier of the total hours on every session line, extra costs at their amount', () => {
    const rate = { hourlyCents: 8000, tiers: [{ fromHours: 10, percent: 10 }, { fromHours: 20, percent: 15 }], vatRatePercent: 0 };
    assert.equal(tierFor(9.5, rate.tiers), null);
    assert.deepEqual(tierFor(10, rate.tiers), { fromHours: 10, percent: 10 });
    assert.deepEqual(tierFor(24, rate.tiers), { fromHours: 20, percent: 15 });
    const small = supportQuoteLines([{ label: 'Prise en main', hours: 2 }], [], rate);
    assert.equal(small.lines[0]!.netCents, 16000);
    assert.equal(small.lines[0]!.detail!.replace(/[\u00a0\u202f]/g, ' '), '2 h × 80,00 €/h');
    const big = supportQuoteLines([{ label: 'Comptabilité', hours: 8 }, { label: 'Adhérents', hours: 4 }], [{ category: 'travel', label: 'Train Grenoble', amountCents: 4550 }], rate);
    assert.equal(big.hours, 12);
    assert.equal(big.lines[0]!.unitPriceCents, 7200);
    assert.equal(big.lines[0]!.netCents, 57600);
    assert.match(big.lines[1]!.detail!, /remise de 10 % à partir de 10 h \(12 h au total\)/);
    assert.equal(big.lines[2]!.label, 'Transport et hébergement : Train Grenoble');
    assert.equal(big.lines[2]!.netCents, 4550);
  });
});

describe('the operator makes out an accompaniment quote from a request', () => {
  it('refuses a form without sessions, with bad hours or amounts, in French, issuing nothing', async () => {
    await operator.get(`/backoffice/demandes/${requestId}`);
    const none = await operator.post(`/backoffice/demandes/${requestId}/devis`, blank());
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /au moins une ligne de séances/);
    const bad = await operator.post(`/backoffice/demandes/${requestId}/devis`, { ...blank(), session_label_0: 'Séance', session_hours_0: '0,3', extra_label_0: 'Train', extra_amount_0: '-5', validity: '0', note: 'n'.repeat(2001) });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /par demi-heure/);
    assert.match(bad.body, /supérieur à 0 €/);
    assert.match(bad.body, /de 1 à 365 jours/);
    assert.match(bad.body, /Ce texte est trop long/);
    const docs = await t.container.services.billing.listDocuments({ userId: (await t.container.services.accounts.findUserByEmail('formation@example.org'))!.id, limit: 10, offset: 0, today: t.container.services.billing.today() });
    assert.equal(docs.length, 0);
  });

  it('issues it in the quote series, e-mails its PDF, shows it in "Vos factures" to accept; a revision replaces it', async () => {
    const res = await operator.post(`/backoffice/demandes/${requestId}/devis`, {
      ...blank(),
      session_label_0: 'Comptabilité : clôture',
      session_hours_0: '8',
      session_label_1: 'Gestion des adhérents',
      session_hours_1: '4',
      extra_category_0: 'travel',
      extra_label_0: 'Train Grenoble–Lyon',
      extra_amount_0: '45,50',
      extra_category_1: 'room',
      extra_label_1: 'Salle municipale',
      extra_amount_1: '60',
      note: 'Séances sur site le matin.',
    });
    assert.equal(res.statusCode, 303, res.body);
    const page = await operator.get(String(res.headers.location).replace(/#.*/, ''));
    const number = /Devis (DEV-\d{4}-\d{4}) émis et envoyé au client/.exec(page.body)?.[1];
    assert.ok(number, page.body);
    const doc = (await t.container.services.billing.findDocument({ number }))!;
    assert.equal(doc.order_id, null);
    const content = doc.content as BillingDocument;
    assert.equal(content.totals.grossCents, 8 * 7200 + 4 * 7200 + 4550 + 6000);
    const mail = await lastMailTo(t, 'formation@example.org', 'support.quote');
    assert.match(mail.subject, new RegExp(`Votre devis d'accompagnement ${number}`));
    assert.deepEqual((mail.attachments as { documentId: number }[]).map((a) => a.documentId), [doc.id]);
    const text = await pdfText((await t.container.services.billing.pdf(doc.id))!);
    for (const s of ['Comptabilité : clôture', 'remise de 10 %', 'Transport et hébergement : Train Grenoble–Lyon', 'Location de salle : Salle municipale', 'Séances sur site le matin.', "Facturation : à la fin de l'accompagnement"]) {
      assert.ok(text.includes(s), `${s} in the PDF`);
    }
    const invoices = await customer.get('/factures');
    assert.match(invoices.body, new RegExp(`${number}[\\s\\S]*?à accepter`));
    assert.equal((await customer.get(`/factures/${number}.pdf`)).statusCode, 200);
    assert.match((await customer.get('/espace')).body, /1 devis à accepter/);

    // Adjusted to the customer's budget: the revised quote replaces the first.
    const revised = await operator.post(`/backoffice/demandes/${requestId}/devis`, { ...blank(), session_label_0: 'Comptabilité : clôture', session_hours_0: '6', invoicing: 'deposit', deposit: '30' });
    assert.equal(revised.statusCode, 303);
    const after = await operator.get(String(revised.headers.location).replace(/#.*/, ''));
    const second = /Devis (DEV-\d{4}-\d{4}) émis et envoyé au client ; il remplace le devis (DEV-\d{4}-\d{4})/.exec(after.body);
    assert.ok(second, after.body);
    assert.equal(second[2], number);
    assert.match(after.body, new RegExp(`remplacé par ${second[1]}`));
    const revisedDoc = (await t.container.services.billing.findDocument({ number: second[1]! }))!;
    assert.equal(Number(revisedDoc.seq), Number(doc.seq) + 1, 'the next number of the series');
    assert.equal(await t.container.services.billing.stateOf(doc), 'cancelled');
    assert.equal(await t.container.services.billing.stateOf(revisedDoc), 'to_accept');
    assert.match((revisedDoc.content as BillingDocument).note!, new RegExp(`Ce devis remplace le devis ${number}`));
    assert.match((revisedDoc.content as BillingDocument).note!, /acompte de 30 %/);
    assert.match((await lastMailTo(t, 'formation@example.org', 'support.quote')).subject, new RegExp(`remplace ${number}`));
  });

  it('a request without an account gets no quote form; the operator is told why', async () => {
    const anonymous = await supportRequest(t, { email: 'sans-compte@example.org' });
    const page = await operator.get(`/backoffice/demandes/${anonymous}`);
    assert.match(page.body, /rattachée à aucun compte client/);
    const res = await operator.post(`/backoffice/demandes/${anonymous}/devis`, { ...blank(), session_label_0: 'Séance', session_hours_0: '2' });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /rattachée à aucun compte client/);
  });
});

describe('the customer answers an accompaniment quote', () => {
  let number: string;
  let operatorId: number;
  let userId: number;
  before(async () => {
    userId = (await t.container.services.accounts.findUserByEmail('formation@example.org'))!.id;
    operatorId = (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
    number = await supportQuoteFor(t, userId, operatorId);
  });

  it('refuses empty and oversized fields in French and records nothing', async () => {
    const page = await customer.get(`/accompagnement/devis/${number}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Bon pour accord/);
    const empty = await customer.post(`/accompagnement/devis/${number}`, { decision: 'accepted', signer: '' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Indiquez vos nom et prénom/);
    assert.match(empty.body, /Cochez la case « Bon pour accord »/);
    const long = await customer.post(`/accompagnement/devis/${number}`, { decision: 'accepted', signer: 'n'.repeat(500), agree: '1' });
    assert.equal(long.statusCode, 422);
    assert.match(long.body, /Ce texte est trop long/);
    const noMessage = await customer.post(`/accompagnement/devis/${number}`, { decision: 'refused', signer: 'Claire Martin', message: '' });
    assert.equal(noMessage.statusCode, 422);
    assert.match(noMessage.body, /pourquoi vous refusez ce devis/);
    const doc = (await t.container.services.billing.findDocument({ number }))!;
    assert.equal(await t.container.services.billing.decisionOf(doc.id), undefined);
  });

  it('someone else cannot open nor answer it (not found, nothing recorded)', async () => {
    const other = await signedInCustomer(t, 'voisin');
    assert.equal((await other.get(`/accompagnement/devis/${number}`)).statusCode, 404);
    await other.get('/factures');
    const res = await other.post(`/accompagnement/devis/${number}`, { decision: 'accepted', signer: 'Intrus', agree: '1' });
    assert.equal(res.statusCode, 404);
    const doc = (await t.container.services.billing.findDocument({ number }))!;
    assert.equal(await t.container.services.billing.decisionOf(doc.id), undefined);
  });

  it('"Bon pour accord": name, box, time and address recorded, shown; the operators told; a second answer refused', async () => {
    await customer.get('/factures');
    const invoices = await customer.get('/factures');
    assert.match(invoices.body, new RegExp(`href="/accompagnement/devis/${number}">Accepter ou refuser`));
    await customer.get(`/accompagnement/devis/${number}`);
    const res = await customer.post(`/accompagnement/devis/${number}`, { decision: 'accepted', signer: 'Claire Martin', agree: '1' });
    assert.equal(res.statusCode, 303, res.body);
    const doc = (await t.container.services.billing.findDocument({ number }))!;
    const decision = (await t.container.services.billing.decisionOf(doc.id))!;
    assert.equal(decision.decision, 'accepted');
    assert.equal(decision.signer_name, 'Claire Martin');
    assert.equal(decision.ip, customer.ip);
    assert.equal(decision.user_id, userId);
    assert.equal(await t.container.services.billing.stateOf(doc), 'accepted');
    const shown = await customer.get(`/accompagnement/devis/${number}`);
    assert.match(shown.body, /Devis accepté le .* par Claire Martin/);
    assert.doesNotMatch(shown.body, /name="agree"/);
    const ops = await lastMailTo(t, 'ops@example.org', 'support.quote.accepted');
    assert.match(ops.subject, new RegExp(`Devis ${number} accepté`));
    const again = await customer.post(`/accompagnement/devis/${number}`, { decision: 'refused', signer: 'Claire Martin', message: 'Finalement non' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /déjà répondu/);
    assert.equal((await t.container.services.billing.decisionOf(doc.id))!.decision, 'accepted');
  });

  it('a replaced quote and an expired one cannot be accepted; a refusal keeps its message', async () => {
    const requestId = await supportRequest(t, { email: 'formation@example.org' }, userId);
    const input = { sessions: [{ label: 'Séance', hours: 2 }], extras: [], note: '', validityDays: 30, invoicing: 'completion' as const, depositPercent: 0 };
    const first = await issueSupportQuote(t.container.deps, requestId, input, { operatorId, ip: null });
    const second = await issueSupportQuote(t.container.deps, requestId, { ...input, sessions: [{ label: 'Séance', hours: 1.5 }] }, { operatorId, ip: null });
    assert.equal(second.replaced, first.number);
    const page = await customer.get(`/accompagnement/devis/${first.number}`);
    assert.match(page.body, /a été remplacé par un devis révisé/);
    const replaced = await customer.post(`/accompagnement/devis/${first.number}`, { decision: 'accepted', signer: 'Claire Martin', agree: '1' });
    assert.equal(replaced.statusCode, 409);
    assert.match(replaced.body, /remplacé par un devis révisé/);

    const short = await issueSupportQuote(t.container.deps, await supportRequest(t, { email: 'formation@example.org' }, userId), { ...input, validityDays: 1 }, { operatorId, ip: null });
    (t.container.clock as ManualClock).advance(3 * DAY);
    await customer.get('/factures');
    const expired = await customer.post(`/accompagnement/devis/${short.number}`, { decision: 'accepted', signer: 'Claire Martin', agree: '1' });
    assert.equal(expired.statusCode, 409);
    assert.match(expired.body, /dépassé sa date de validité/);

    const refused = await customer.post(`/accompagnement/devis/${second.number}`, { decision: 'refused', signer: 'Claire Martin', message: 'Trop cher pour notre budget.\nPeut-on faire 1 h ?' });
    assert.equal(refused.statusCode, 303);
    const doc = (await t.container.services.billing.findDocument({ number: second.number }))!;
    const decision = (await t.container.services.billing.decisionOf(doc.id))!;
    assert.equal(decision.decision, 'refused');
    assert.equal(decision.message, 'Trop cher pour notre budget.\nPeut-on faire 1 h ?');
    assert.match((await lastMailTo(t, 'ops@example.org', 'support.quote.refused')).text_body, /Trop cher pour notre budget/);
  });
});
