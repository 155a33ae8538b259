import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { supportRequest } from '../../../test/support/support-requests.ts';
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
