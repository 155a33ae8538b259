import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  sampleCreditNote,
  sampleDepositInvoice,
  sampleFinalInvoice,
  sampleInvoice,
  samplePaidInvoice,
  sampleQuote,
  sampleVatInvoice,
} from './document.factory.ts';
import { buildFacturXml } from './facturx.ts';
import { validateFacturx, type FacturxReport } from '../../../../test/support/facturx-validator.ts';
import { centsToDecimal, parisMidnight, toDate102, toFixedDecimal, toFrenchDate } from './format.ts';
import { escapeXml } from './xml.ts';

/** the text of the first element with that (prefixed) name after an optional anchor */
function tag(xml: string, name: string, after = ''): string | undefined {
  const from = after ? xml.indexOf(after) : 0;
  if (from < 0) return undefined;
  const m = new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`).exec(xml.slice(from));
  return m?.[1];
}

const escapingBuyer = (): ReturnType<typeof sampleInvoice> => {
  const doc = sampleInvoice({ number: 'FAC-2026-0045' });
  return { ...doc, buyer: { ...doc.buyer, name: 'A & B <Asso>', registrationNumber: 'W751234567', addressLines: ['1 "quai" d\'Orsay'] } };
};

/** a VAT invoice with two rates (20 % and 5,5 %) */
const twoRates = (): ReturnType<typeof sampleVatInvoice> => {
  const doc = sampleVatInvoice({ number: 'FAC-2026-0046' });
  const book = { label: 'Guide de démarrage imprimé', detail: null, quantity: 2, unitPriceCents: 1500, netCents: 3000, vatRatePercent: 5.5 };
  const net = doc.totals.netCents + 3000;
  return {
    ...doc,
    lines: [...doc.lines, book],
    totals: {
      netCents: net,
      vatCents: 5999 + 165,
      grossCents: net + 5999 + 165,
      vatBreakdown: [
        { ratePercent: 5.5, baseCents: 3000, vatCents: 165 },
        { ratePercent: 20, baseCents: 29997, vatCents: 5999 },
      ],
    },
  };
};

const documents = {
  franchise: sampleInvoice(),
  vat: sampleVatInvoice(),
  credit: sampleCreditNote(),
  paid: samplePaidInvoice(),
  paidByCheque: samplePaidInvoice({ number: 'FAC-2026-0047', paid: { method: 'cheque', date: '2026-11-26', amountCents: 17951 } }),
  paidPartlyByPaypal: samplePaidInvoice({ number: 'FAC-2026-0048', paid: { method: 'paypal', date: '2026-11-26', amountCents: 5000 } }),
  twoRates: twoRates(),
  escaping: escapingBuyer(),
  deposit: sampleDepositInvoice(),
  finalLessDeposit: sampleFinalInvoice(),
  depositWithVat: sampleDepositInvoice({ number: 'FAC-2026-0053', vatFranchise: false, seller: { ...sampleVatInvoice().seller }, lines: [{ label: 'Acompte de 30 % sur le devis DEV-2026-0054', detail: null, quantity: 1, unitPriceCents: 9750, netCents: 9750, vatRatePercent: 20 }], totals: { netCents: 9750, vatCents: 1950, grossCents: 11700, vatBreakdown: [{ ratePercent: 20, baseCents: 9750, vatCents: 1950 }] }, paid: { method: 'cheque', date: '2026-11-27', amountCents: 11700 } }),
};

describe('Factur-X EN 16931 XML against the official XSD and schematron', () => {
  let reports: Record<string, FacturxReport>;
  before(() => {
    const xmls = Object.fromEntries(Object.entries(documents).map(([k, d]) => [k, buildFacturXml(d)]));
    // two deliberately broken files prove the checks are not vacuous
    xmls.brokenRule = xmls.franchise!.replace(/<ram:SpecifiedTaxRegistration>[\s\S]*?<\/ram:SpecifiedTaxRegistration>/, '');
    xmls.brokenSchema = xmls.franchise!.replace('<ram:InvoiceCurrencyCode>', '<ram:Bogus>x</ram:Bogus><ram:InvoiceCurrencyCode>');
    reports = validateFacturx(xmls);
  });

  it('the validator reports a schematron failure (BR-E-02) and an XSD error', () => {
    assert.equal(reports.brokenRule!.xsdErrors, '');
    assert.ok(reports.brokenRule!.failedAsserts.some((f) => f.includes('[BR-E-02]')), reports.brokenRule!.failedAsserts.join('\n'));
    assert.match(reports.brokenSchema!.xsdErrors, /Bogus/);
  });

  for (const name of Object.keys(documents)) {
    it(`${name}: XSD valid and 0 failed-assert`, () => {
      const r = reports[name]!;
      assert.equal(r.xsdErrors, '', `xmllint: ${r.xsdErrors}`);
      assert.deepEqual(r.failedAsserts, []);
    });
  }
});

describe('buildFacturXml', () => {
  it('deposit invoice: 386 (prepayment), the quote as the sales order, paid (S2, nothing due)', () => {
    const xml = buildFacturXml(sampleDepositInvoice());
    assert.equal(tag(xml, 'ram:TypeCode', '<rsm:ExchangedDocument>'), '386');
    assert.equal(tag(xml, 'ram:ID', 'BusinessProcessSpecifiedDocumentContextParameter'), 'S2');
    assert.equal(tag(xml, 'ram:IssuerAssignedID', '<ram:SellerOrderReferencedDocument>'), 'DEV-2026-0050');
    assert.equal(tag(xml, 'ram:TotalPrepaidAmount'), '117.00');
    assert.equal(tag(xml, 'ram:DuePayableAmount'), '0.00');
  });

  it('final invoice: 380, the deposit invoice as preceding invoice (BG-3) and prepaid amount, the balance due', () => {
    const xml = buildFacturXml(sampleFinalInvoice());
    assert.equal(tag(xml, 'ram:TypeCode', '<rsm:ExchangedDocument>'), '380');
    assert.equal(tag(xml, 'ram:ID', 'BusinessProcessSpecifiedDocumentContextParameter'), 'S1');
    assert.equal(tag(xml, 'ram:IssuerAssignedID', '<ram:InvoiceReferencedDocument>'), 'FAC-2026-0051');
    assert.equal(tag(xml, 'qdt:DateTimeString', '<ram:InvoiceReferencedDocument>'), '20261128');
    assert.equal(tag(xml, 'ram:GrandTotalAmount'), '404.50');
    assert.equal(tag(xml, 'ram:TotalPrepaidAmount'), '117.00');
    assert.equal(tag(xml, 'ram:DuePayableAmount'), '287.50');
    assert.ok(xml.includes('<ram:Content>Frais annexes — montant réel, devisé 70,00 €</ram:Content>'));
  });

  it('franchise invoice: 380, category E with VATEX-FR-FRANCHISE, SIREN under 0002, payment block', () => {
    const doc = sampleInvoice();
    const xml = buildFacturXml(doc);
    assert.equal(tag(xml, 'ram:ID', '<rsm:ExchangedDocument>'), 'FAC-2026-0042');
    assert.equal(tag(xml, 'ram:TypeCode', '<rsm:ExchangedDocument>'), '380');
    assert.equal(tag(xml, 'ram:ID', 'GuidelineSpecifiedDocumentContextParameter'), 'urn:cen.eu:en16931:2017');
    assert.match(xml, /<udt:DateTimeString format="102">20261128<\/udt:DateTimeString>/);
    // lines: category E, rate 0; the proration computation as the line note
    assert.equal((xml.match(/<ram:CategoryCode>E<\/ram:CategoryCode>/g) ?? []).length, 3);
    assert.ok(xml.includes('<ram:Content>(240,00 € − 120,00 €) × 181 j restants / 365 j = 59,51 €</ram:Content>'));
    // header breakdown: exemption text + code
    const header = xml.slice(xml.indexOf('<ram:ApplicableHeaderTradeSettlement>'));
    assert.equal(tag(header, 'ram:ExemptionReason'), 'TVA non applicable, art. 293 B du CGI');
    assert.equal(tag(header, 'ram:ExemptionReasonCode'), 'VATEX-FR-FRANCHISE');
    assert.equal(tag(header, 'ram:BasisAmount'), '179.51');
    // seller: SIREN (9 digits) as legal registration, SIRET as global id, SIREN as tax registration (BR-E-02)
    assert.match(xml, /<ram:ID schemeID="0002">123456782<\/ram:ID>/);
    assert.match(xml, /<ram:GlobalID schemeID="0009">12345678200010<\/ram:GlobalID>/);
    assert.match(xml, /<ram:ID schemeID="FC">123456782<\/ram:ID>/);
    assert.equal(tag(xml, 'ram:Name', '<ram:SellerTradeParty>'), 'Laurent GAY EI');
    assert.equal(tag(xml, 'ram:TradingBusinessName'), 'SLETO');
    assert.match(xml, /<ram:URIID schemeID="EM">facturation@sleto.example<\/ram:URIID>/);
    // payment: SEPA transfer, IBAN without spaces, BIC, reference, due date, terms, period
    assert.equal(tag(header, 'ram:TypeCode'), '58');
    assert.equal(tag(header, 'ram:IBANID'), 'FR7630006000011234567890189');
    assert.equal(tag(header, 'ram:BICID'), 'AGRIFRPP');
    assert.equal(tag(header, 'ram:PaymentReference'), 'ECR-7K3P-Q9');
    assert.equal(tag(header, 'ram:Description'), 'Paiement à 30 jours');
    assert.match(header, /<ram:DueDateDateTime>\s*<udt:DateTimeString format="102">20261228</);
    assert.match(header, /<ram:BillingSpecifiedPeriod>\s*<ram:StartDateTime>\s*<udt:DateTimeString format="102">20261201</);
    // totals
    assert.equal(tag(header, 'ram:LineTotalAmount'), '179.51');
    assert.match(header, /<ram:TaxTotalAmount currencyID="EUR">0.00<\/ram:TaxTotalAmount>/);
    assert.equal(tag(header, 'ram:GrandTotalAmount'), '179.51');
    assert.equal(tag(header, 'ram:TotalPrepaidAmount'), undefined);
    assert.equal(tag(header, 'ram:DuePayableAmount'), '179.51');
    // the accepted quote as sales order reference
    assert.equal(tag(xml, 'ram:IssuerAssignedID', '<ram:SellerOrderReferencedDocument>'), 'DEV-2026-0040');
  });

  it('an invoice issued after payment is due 0, with the payment as prepaid amount (BT-113)', () => {
    const xml = buildFacturXml(samplePaidInvoice());
    assert.equal(tag(xml, 'ram:TotalPrepaidAmount'), '179.51');
    assert.equal(tag(xml, 'ram:DuePayableAmount'), '0.00');
    assert.equal(tag(xml, 'ram:ID', 'BusinessProcessSpecifiedDocumentContextParameter'), 'S2');
  });

  it('VAT invoice: category S at 20 %, breakdown from totals, seller VAT number', () => {
    const xml = buildFacturXml(sampleVatInvoice());
    assert.ok(!xml.includes('<ram:CategoryCode>E</ram:CategoryCode>'));
    assert.ok(!xml.includes('ExemptionReason'));
    const header = xml.slice(xml.indexOf('<ram:ApplicableHeaderTradeSettlement>'));
    assert.equal(tag(header, 'ram:CalculatedAmount'), '59.99');
    assert.equal(tag(header, 'ram:BasisAmount'), '299.97');
    assert.equal(tag(header, 'ram:CategoryCode'), 'S');
    assert.equal(tag(header, 'ram:RateApplicablePercent'), '20.00');
    assert.match(header, /<ram:TaxTotalAmount currencyID="EUR">59.99<\/ram:TaxTotalAmount>/);
    assert.equal(tag(header, 'ram:GrandTotalAmount'), '359.96');
    assert.match(xml, /<ram:ID schemeID="VA">FR40123456782<\/ram:ID>/);
    assert.match(xml, /<ram:ID schemeID="VA">FR88552100554<\/ram:ID>/);
    assert.ok(!xml.includes('schemeID="FC"'));
    assert.equal(tag(xml, 'ram:BilledQuantity', '<ram:LineID>2</ram:LineID>'), '3.0000');
    assert.equal(tag(xml, 'ram:ChargeAmount', '<ram:LineID>2</ram:LineID>'), '19.99');
  });

  it('credit note: 381 referencing the corrected invoice (BT-25/26), no payment instructions', () => {
    const xml = buildFacturXml(sampleCreditNote());
    assert.equal(tag(xml, 'ram:TypeCode', '<rsm:ExchangedDocument>'), '381');
    assert.equal(tag(xml, 'ram:IssuerAssignedID', '<ram:InvoiceReferencedDocument>'), 'FAC-2026-0042');
    assert.match(xml, /<ram:FormattedIssueDateTime>\s*<qdt:DateTimeString format="102">20261128</);
    assert.ok(!xml.includes('SpecifiedTradeSettlementPaymentMeans'));
    assert.equal(tag(xml, 'ram:Content', '<rsm:ExchangedDocument>'), 'Changement de formule annulé à la demande du client.');
  });

  it('escapes markup in names and addresses; an RNA number is not a SIREN and is omitted', () => {
    const xml = buildFacturXml(escapingBuyer());
    assert.ok(xml.includes('<ram:Name>A &amp; B &lt;Asso&gt;</ram:Name>'));
    assert.ok(xml.includes('<ram:LineOne>1 &quot;quai&quot; d&apos;Orsay</ram:LineOne>'));
    const buyer = xml.slice(xml.indexOf('<ram:BuyerTradeParty>'), xml.indexOf('</ram:BuyerTradeParty>'));
    assert.ok(!buyer.includes('W751234567'));
    assert.ok(!buyer.includes('SpecifiedLegalOrganization'));
  });

  it('a payment by cheque or PayPal is stated with its own means code (20 / 68); partial payment leaves the rest due', () => {
    const cheque = buildFacturXml(documents.paidByCheque);
    assert.equal(tag(cheque, 'ram:TypeCode', '<ram:SpecifiedTradeSettlementPaymentMeans>'), '20');
    assert.ok(!cheque.includes('IBANID'));
    const paypal = buildFacturXml(documents.paidPartlyByPaypal);
    assert.equal(tag(paypal, 'ram:TypeCode', '<ram:SpecifiedTradeSettlementPaymentMeans>'), '68');
    assert.equal(tag(paypal, 'ram:TotalPrepaidAmount'), '50.00');
    assert.equal(tag(paypal, 'ram:DuePayableAmount'), '129.51');
    assert.equal(tag(paypal, 'ram:ID', 'BusinessProcessSpecifiedDocumentContextParameter'), 'S1');
  });

  it('two VAT rates: one breakdown per rate, highest first', () => {
    const xml = buildFacturXml(documents.twoRates);
    const header = xml.slice(xml.indexOf('<ram:ApplicableHeaderTradeSettlement>'));
    const rates = [...header.matchAll(/<ram:RateApplicablePercent>([^<]*)</g)].map((m) => m[1]);
    assert.deepEqual(rates, ['20.00', '5.50']);
    assert.match(header, /<ram:TaxTotalAmount currencyID="EUR">61.64<\/ram:TaxTotalAmount>/);
  });

  it('is deterministic', () => {
    assert.equal(buildFacturXml(sampleInvoice()), buildFacturXml(sampleInvoice()));
  });

  it('refuses quotes and documents whose totals do not add up', () => {
    assert.throws(() => buildFacturXml(sampleQuote()), /not quotes/);
    const doc = sampleInvoice();
    assert.throws(() => buildFacturXml({ ...doc, totals: { ...doc.totals, netCents: 1, grossCents: 1 } }), /inconsistent/);
    assert.throws(() => buildFacturXml({ ...doc, totals: { ...doc.totals, vatCents: 10 } }), /inconsistent/);
    const vat = sampleVatInvoice();
    const breakdown = [{ ratePercent: 20, baseCents: 1000, vatCents: 5999 }];
    assert.throws(() => buildFacturXml({ ...vat, totals: { ...vat.totals, vatBreakdown: breakdown } }), /base at 20/);
    assert.throws(() => buildFacturXml({ ...sampleCreditNote(), references: {} }), /must reference/);
  });
});

describe('formatting helpers', () => {
  it('formats cents from integers', () => {
    assert.equal(centsToDecimal(0), '0.00');
    assert.equal(centsToDecimal(5), '0.05');
    assert.equal(centsToDecimal(-5), '-0.05');
    assert.equal(centsToDecimal(17951), '179.51');
    assert.equal(centsToDecimal(123456789012), '1234567890.12');
    assert.throws(() => centsToDecimal(1.5), /integer cents/);
  });

  it('formats quantities and rates', () => {
    assert.equal(toFixedDecimal(1, 4), '1.0000');
    assert.equal(toFixedDecimal(5.5, 2), '5.50');
    assert.equal(toFixedDecimal(2.1, 2), '2.10');
    assert.equal(toFixedDecimal(0.1 + 0.2, 2), '0.30');
  });

  it('formats dates and finds midnight in Paris (winter UTC+1, summer UTC+2)', () => {
    assert.equal(toDate102('2026-11-28'), '20261128');
    assert.equal(toFrenchDate('2026-11-28'), '28/11/2026');
    assert.throws(() => toFrenchDate('2026-02-30'), /not a calendar date/);
    assert.equal(parisMidnight('2026-11-28').toISOString(), '2026-11-27T23:00:00.000Z');
    assert.equal(parisMidnight('2026-07-14').toISOString(), '2026-07-13T22:00:00.000Z');
    assert.equal(parisMidnight('2026-03-29').toISOString(), '2026-03-28T23:00:00.000Z'); // DST starts at 02:00
    assert.equal(parisMidnight('2026-10-25').toISOString(), '2026-10-24T22:00:00.000Z'); // DST ends at 03:00
  });

  it('escapes XML, dropping characters XML 1.0 forbids', () => {
    assert.equal(escapeXml(`A & B <Asso> "x" 'y'`), 'A &amp; B &lt;Asso&gt; &quot;x&quot; &apos;y&apos;');
    assert.equal(escapeXml('a\u0000b\u0007c\u000bd\uFFFEe'), 'abcde');
    assert.equal(escapeXml('ligne\r\nsuivante\tfin'), 'ligne&#13;\nsuivante\tfin');
    assert.equal(escapeXml('emoji 😀 ok'), 'emoji 😀 ok');
    assert.equal(escapeXml('lone \uD800 surrogate'), 'lone  surrogate');
  });
});
