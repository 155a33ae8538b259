/**
 * Factur-X of real documents: orders placed through the portal, paid by a transfer the operator
 * records, invoiced by the real BillingService, corrected by credit notes issued from the back office
 * — once under the VAT franchise, once with the operator subject to VAT. The XML checked is the one
 * embedded in the stored PDFs; the official XSD and schematron must report nothing, warnings
 * included, and no element may be empty.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { orderAndValidate, signedInCustomer, signedInOperator } from '../../../../test/support/customers.ts';
import { validateFacturx, type FacturxReport } from '../../../../test/support/facturx-validator.ts';
import { recordTransfer } from '../../../../test/support/paid-order.ts';
import type { Agent } from '../../../../test/support/agent.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

async function embeddedXml(number: string): Promise<string> {
  const doc = await t.container.services.billing.findDocument({ number });
  assert.ok(doc, number);
  const pdf = await t.container.services.billing.pdf(doc.id);
  assert.ok(pdf);
  const loaded = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  const files = (await loaded.getAttachments()) as Record<string, { filename: string; content: Uint8Array }> | null;
  await loaded.destroy();
  const xml = files && Object.values(files).find((f) => f.filename === 'factur-x.xml');
  assert.ok(xml, `${number} embeds factur-x.xml`);
  return Buffer.from(xml.content).toString('utf8');
}

/** An invoice (paid order) and a credit note on it, through the portal and the back office. */
async function invoiceAndCreditNote(customer: Agent, operator: Agent, name: string): Promise<{ invoice: string; creditNote: string }> {
  const { quoteNumber } = await orderAndValidate(t, customer, name);
  await recordTransfer(t.container, quoteNumber);
  const quote = (await t.container.services.billing.findDocument({ number: quoteNumber }))!;
  const invoice = (await t.container.services.billing.invoiceForQuote(quote.id))!;
  await operator.get(`/backoffice/documents/${invoice.number}`);
  const res = await operator.post(`/backoffice/documents/${invoice.number}/avoirs`, { amount: '10,00', reason: 'Geste commercial : interruption du service' });
  assert.equal(res.statusCode, 303, res.body);
  const creditNote = new URL(String(res.headers.location), 'http://x').searchParams.get('avoir')!;
  assert.match(creditNote, /^AVO-\d{4}-\d{4}$/);
  return { invoice: invoice.number, creditNote };
}

/** The French VAT number of a SIREN: FR + key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97. */
function frenchVatNumber(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}

describe('Factur-X of documents built by BillingService from real orders', () => {
  const xmls: Record<string, string> = {};
  let reports: Record<string, FacturxReport>;

  before(async () => {
    const operator = await signedInOperator(t);
    // an association with an RNA number only, and a company with its SIRET
    const asso = await signedInCustomer(t, 'franchise', { organisation: { registration_number: 'W381234567' } });
    const franchise = await invoiceAndCreditNote(asso, operator, 'facturx-franchise');
    xmls.franchiseInvoice = await embeddedXml(franchise.invoice);
    xmls.franchiseCreditNote = await embeddedXml(franchise.creditNote);

    const settings = t.container.services.settings;
    await settings.updateOperatorIdentity({ vatFranchise: false });
    await settings.updateBilling({ vatNumber: frenchVatNumber('820103315'), vatRatePercent: 20 });
    const company = await signedInCustomer(t, 'assujetti', { organisation: { legal_form: 'societe', registration_number: '82010331500017', email: 'compta@assujetti.example' } });
    const vat = await invoiceAndCreditNote(company, operator, 'facturx-tva');
    xmls.vatInvoice = await embeddedXml(vat.invoice);
    xmls.vatCreditNote = await embeddedXml(vat.creditNote);
    reports = validateFacturx(xmls);
  });

  for (const name of ['franchiseInvoice', 'franchiseCreditNote', 'vatInvoice', 'vatCreditNote']) {
    it(`${name}: XSD valid, 0 failed-assert (warnings included), no empty element`, () => {
      const r = reports[name]!;
      assert.equal(r.xsdErrors, '', `xmllint: ${r.xsdErrors}`);
      assert.deepEqual(r.failedAsserts, []);
      const empties = xmls[name]!.match(/<([\w:]+)(?: [^>]*)?>\s*<\/\1>|<[\w:]+(?: [^>]*)?\/>/g) ?? [];
      assert.deepEqual(empties, []);
    });
  }

  it('carries the mentions: buyer address and SIREN, nature of the operation, account holder, VAT or its exemption', () => {
    const f = xmls.franchiseInvoice!;
    assert.match(f, /<ram:ExemptionReasonCode>VATEX-FR-FRANCHISE<\/ram:ExemptionReasonCode>/);
    assert.match(f, /<ram:Content>Nature de l&apos;opération : Prestation de services<\/ram:Content>/);
    assert.match(f, /<ram:AccountName>Laurent GAY<\/ram:AccountName>/);
    assert.match(f, /<ram:BuyerTradeParty>[\s\S]*<ram:LineOne>3 place du Marché<\/ram:LineOne>[\s\S]*<ram:CityName>Domène<\/ram:CityName>/);
    const v = xmls.vatInvoice!;
    assert.match(v, /<ram:CategoryCode>S<\/ram:CategoryCode>/);
    assert.match(v, /<ram:RateApplicablePercent>20.00<\/ram:RateApplicablePercent>/);
    assert.match(v, new RegExp(`<ram:ID schemeID="VA">${frenchVatNumber('820103315')}</ram:ID>`));
    assert.match(v, /<ram:BuyerTradeParty>\s*<ram:GlobalID schemeID="0009">82010331500017<\/ram:GlobalID>[\s\S]*<ram:ID schemeID="0002">820103315<\/ram:ID>/);
    assert.match(xmls.vatCreditNote!, /<ram:TypeCode>381<\/ram:TypeCode>/);
  });
});
