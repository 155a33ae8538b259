/**
 * Factur-X 1.0x, EN 16931 profile: the UN/CEFACT CII XML of an invoice (380), a deposit invoice (386)
 * or a credit note (381).
 * Checked in the tests against the official XSD and compiled schematron (../shared/schemas/facturx-en16931).
 *
 * Choices worth knowing:
 * - VAT franchise (art. 293 B du CGI): category E, rate 0, exemption text + code VATEX-FR-FRANCHISE in the
 *   header breakdown (BT-120/121). BR-E-02 then requires a seller VAT id (BT-31) or tax registration id
 *   (BT-32): a seller under the franchise usually has no VAT number, so the SIREN is given as BT-32
 *   (schemeID "FC"), as other French Factur-X producers do.
 * - Legal registration (BT-30/BT-47, schemeID 0002) is the SIREN, i.e. the first 9 digits of a SIRET
 *   (the French CTC rule BR-FR-10 wants exactly 9 digits); the full SIRET goes to BT-29/BT-46 as a
 *   GlobalID with schemeID 0009 (ICD "SIRET-CODE"). An RNA number has no ICD scheme: omitted.
 * - BT-23 business process: "S1" (services), "S2" (services, already paid) — the French e-invoicing
 *   "cadre de facturation"; ignored by plain EN 16931 readers.
 * - Amounts from integer cents; the document's own totals are written as given, after checking they add
 *   up (an inconsistent document throws rather than producing an invoice a platform would reject).
 */
import type { BillingDocument, DocumentLine, Party } from '../document.types.ts';
import { centsToDecimal, toDate102, toFixedDecimal } from './format.ts';
import {
  NO_DISCOUNT_TEXT,
  RECOVERY_INDEMNITY_TEXT,
  VAT_FRANCHISE_CODE,
  VAT_FRANCHISE_TEXT,
  compactIban,
  dueCents,
  latePenaltySentence,
  prepaidCents,
  legalNameWithEi,
  sirenOf,
  siretOf,
} from './mentions.ts';
import { el, serializeXml, type XmlChild, type XmlElement } from './xml.ts';

export const FACTURX_GUIDELINE_EN16931 = 'urn:cen.eu:en16931:2017';
export const FACTURX_FILENAME = 'factur-x.xml';

const NS = {
  'xmlns:rsm': 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  'xmlns:qdt': 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  'xmlns:ram': 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  'xmlns:udt': 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};

/** UNTDID 4461 payment means: 58 SEPA credit transfer, 20 cheque, 68 online payment service */
const PAYMENT_MEANS = { transfer: '58', cheque: '20', paypal: '68' } as const;

const amount = (cents: number, currency?: string): XmlElement =>
  el('ram:Amount', centsToDecimal(cents), currency ? { currencyID: currency } : undefined);

function named(name: string, node: XmlElement): XmlElement {
  return { ...node, name };
}

function date102(name: string, date: string, type: 'udt' | 'qdt' = 'udt'): XmlElement {
  return el(name, [el(`${type}:DateTimeString`, toDate102(date), { format: '102' })]);
}

function period(start: string, end: string): XmlElement {
  return el('ram:BillingSpecifiedPeriod', [date102('ram:StartDateTime', start), date102('ram:EndDateTime', end)]);
}

function vatCategory(doc: BillingDocument, ratePercent: number): 'E' | 'S' | 'Z' {
  if (doc.vatFranchise) return 'E';
  return ratePercent > 0 ? 'S' : 'Z';
}

function postalAddress(party: Party): XmlElement {
  const lines = party.addressLines.map((l) => l.trim()).filter(Boolean);
  // CII has three street lines: anything beyond goes on the third
  const [one, two, ...rest] = lines;
  return el('ram:PostalTradeAddress', [
    el('ram:PostcodeCode', party.postcode),
    one !== undefined && el('ram:LineOne', one),
    two !== undefined && el('ram:LineTwo', two),
    rest.length > 0 && el('ram:LineThree', rest.join(', ')),
    el('ram:CityName', party.city),
    el('ram:CountryID', party.country.toUpperCase()),
  ]);
}

function emailUri(email: string | null | undefined): XmlChild {
  return email ? el('ram:URIUniversalCommunication', [el('ram:URIID', email, { schemeID: 'EM' })]) : null;
}

function sellerParty(doc: BillingDocument): XmlElement {
  const s = doc.seller;
  const siret = siretOf(s.siret);
  const siren = sirenOf(s.siret);
  if (!siren) throw new RangeError(`seller SIRET must be 14 digits, got ${JSON.stringify(s.siret)}`);
  const contact: XmlChild[] = [
    s.phone && el('ram:TelephoneUniversalCommunication', [el('ram:CompleteNumber', s.phone)]),
    s.email && el('ram:EmailURIUniversalCommunication', [el('ram:URIID', s.email)]),
  ];
  return el('ram:SellerTradeParty', [
    siret && el('ram:GlobalID', siret, { schemeID: '0009' }),
    el('ram:Name', legalNameWithEi(s)),
    el('ram:SpecifiedLegalOrganization', [
      el('ram:ID', siren, { schemeID: '0002' }),
      el('ram:TradingBusinessName', s.tradeName),
    ]),
    contact.some(Boolean) && el('ram:DefinedTradeContact', contact),
    postalAddress(s),
    emailUri(s.email),
    s.vatNumber
      ? el('ram:SpecifiedTaxRegistration', [el('ram:ID', s.vatNumber.replace(/\s+/g, ''), { schemeID: 'VA' })])
      : el('ram:SpecifiedTaxRegistration', [el('ram:ID', siren, { schemeID: 'FC' })]),
  ]);
}

function buyerParty(doc: BillingDocument): XmlElement {
  const b = doc.buyer;
  const siren = sirenOf(b.registrationNumber);
  const siret = siretOf(b.registrationNumber);
  return el('ram:BuyerTradeParty', [
    siret && el('ram:GlobalID', siret, { schemeID: '0009' }),
    el('ram:Name', b.name),
    siren && el('ram:SpecifiedLegalOrganization', [el('ram:ID', siren, { schemeID: '0002' })]),
    postalAddress(b),
    emailUri(b.email),
    b.vatNumber &&
      el('ram:SpecifiedTaxRegistration', [el('ram:ID', b.vatNumber.replace(/\s+/g, ''), { schemeID: 'VA' })]),
  ]);
}

function lineItem(doc: BillingDocument, line: DocumentLine, index: number): XmlElement {
  const category = vatCategory(doc, line.vatRatePercent);
  return el('ram:IncludedSupplyChainTradeLineItem', [
    el('ram:AssociatedDocumentLineDocument', [
      el('ram:LineID', String(index + 1)),
      line.detail && el('ram:IncludedNote', [el('ram:Content', line.detail)]),
    ]),
    el('ram:SpecifiedTradeProduct', [el('ram:Name', line.label)]),
    el('ram:SpecifiedLineTradeAgreement', [
      el('ram:NetPriceProductTradePrice', [named('ram:ChargeAmount', amount(line.unitPriceCents))]),
    ]),
    el('ram:SpecifiedLineTradeDelivery', [
      // C62 = "one" (unit): a hosting plan, a month, a proration are counted, not measured
      el('ram:BilledQuantity', toFixedDecimal(line.quantity, 4), { unitCode: 'C62' }),
    ]),
    el('ram:SpecifiedLineTradeSettlement', [
      el('ram:ApplicableTradeTax', [
        el('ram:TypeCode', 'VAT'),
        el('ram:CategoryCode', category),
        el('ram:RateApplicablePercent', toFixedDecimal(doc.vatFranchise ? 0 : line.vatRatePercent, 2)),
      ]),
      line.periodStart && line.periodEnd && period(line.periodStart, line.periodEnd),
      el('ram:SpecifiedTradeSettlementLineMonetarySummation', [
        named('ram:LineTotalAmount', amount(line.netCents)),
      ]),
    ]),
  ]);
}

function headerTaxes(doc: BillingDocument): XmlElement[] {
  if (doc.vatFranchise) {
    return [
      el('ram:ApplicableTradeTax', [
        named('ram:CalculatedAmount', amount(0)),
        el('ram:TypeCode', 'VAT'),
        el('ram:ExemptionReason', VAT_FRANCHISE_TEXT),
        named('ram:BasisAmount', amount(doc.totals.netCents)),
        el('ram:CategoryCode', 'E'),
        el('ram:ExemptionReasonCode', VAT_FRANCHISE_CODE),
        el('ram:RateApplicablePercent', '0.00'),
      ]),
    ];
  }
  return [...doc.totals.vatBreakdown]
    .sort((a, b) => b.ratePercent - a.ratePercent)
    .map((v) =>
      el('ram:ApplicableTradeTax', [
        named('ram:CalculatedAmount', amount(v.vatCents)),
        el('ram:TypeCode', 'VAT'),
        named('ram:BasisAmount', amount(v.baseCents)),
        el('ram:CategoryCode', vatCategory(doc, v.ratePercent)),
        el('ram:RateApplicablePercent', toFixedDecimal(v.ratePercent, 2)),
      ]),
    );
}

function paymentMeans(doc: BillingDocument): XmlChild {
  // A credit note's money goes to the buyer, whose account we do not hold: no payment instructions.
  if (doc.kind !== 'invoice') return null;
  const method = doc.paid?.method ?? 'transfer';
  const code = PAYMENT_MEANS[method];
  return el('ram:SpecifiedTradeSettlementPaymentMeans', [
    el('ram:TypeCode', code),
    el('ram:Information', method === 'transfer' ? 'Virement SEPA' : method === 'cheque' ? 'Chèque' : 'PayPal'),
    method === 'transfer' &&
      el('ram:PayeePartyCreditorFinancialAccount', [
        el('ram:IBANID', compactIban(doc.seller.iban)),
        // BT-85, the account holder
        doc.seller.accountHolder && el('ram:AccountName', doc.seller.accountHolder),
      ]),
    method === 'transfer' &&
      doc.seller.bic &&
      el('ram:PayeeSpecifiedCreditorFinancialInstitution', [el('ram:BICID', doc.seller.bic.replace(/\s+/g, ''))]),
  ]);
}

/** Refuses documents whose figures do not add up: the schematron would reject them anyway (BR-CO-*). */
function checkConsistency(doc: BillingDocument): void {
  const t = doc.totals;
  const fail = (what: string): never => {
    throw new RangeError(`${doc.number}: inconsistent totals: ${what}`);
  };
  if (doc.lines.length === 0) fail('no line');
  const lineSum = doc.lines.reduce((s, l) => s + l.netCents, 0);
  if (lineSum !== t.netCents) fail(`lines add up to ${lineSum}, net is ${t.netCents}`);
  if (t.netCents + t.vatCents !== t.grossCents) fail('net + VAT ≠ gross');
  if (doc.vatFranchise) {
    if (t.vatCents !== 0) fail('VAT under the franchise');
    if (doc.lines.some((l) => l.vatRatePercent !== 0)) fail('a line has a VAT rate under the franchise');
    return;
  }
  for (const v of t.vatBreakdown) {
    const base = doc.lines.filter((l) => l.vatRatePercent === v.ratePercent).reduce((s, l) => s + l.netCents, 0);
    if (base !== v.baseCents) fail(`base at ${v.ratePercent} % is ${v.baseCents}, lines give ${base}`);
  }
  const rates = new Set(t.vatBreakdown.map((v) => v.ratePercent));
  if (rates.size !== t.vatBreakdown.length) fail('a VAT rate appears twice in the breakdown');
  if (doc.lines.some((l) => !rates.has(l.vatRatePercent))) fail('a line rate is missing from the breakdown');
  if (t.vatBreakdown.reduce((s, v) => s + v.vatCents, 0) !== t.vatCents) fail('breakdown VAT ≠ total VAT');
}

export function buildFacturXml(doc: BillingDocument): string {
  if (doc.kind === 'quote') throw new TypeError('Factur-X is for invoices and credit notes, not quotes');
  if (doc.currency !== 'EUR') throw new RangeError(`unsupported currency ${String(doc.currency)}`);
  checkConsistency(doc);

  const isCreditNote = doc.kind === 'credit_note';
  const invoiceRef = doc.references?.invoiceNumber;
  if (isCreditNote && (!invoiceRef || !doc.references?.invoiceIssueDate)) {
    throw new RangeError(`${doc.number}: a credit note must reference the invoice it corrects (number and date)`);
  }
  const prepaid = prepaidCents(doc);
  const due = dueCents(doc);
  const fullyPaid = doc.paid != null && due <= 0;
  // A deposit invoice is a prepayment invoice (UNTDID 1001: 386); a final invoice refers to the
  // deposit invoice it deducts as its preceding invoice (BG-3).
  const typeCode = isCreditNote ? '381' : doc.invoiceType === 'deposit' ? '386' : '380';
  const preceding = isCreditNote ? { number: invoiceRef!, date: doc.references!.invoiceIssueDate! } : doc.deposit ? { number: doc.deposit.invoiceNumber, date: doc.deposit.issueDate } : null;

  const notes: Array<[string, string]> = [];
  if (doc.note) notes.push([doc.note, 'AAI']);
  if (doc.operationNature) notes.push([`Nature de l'opération : ${doc.operationNature}`, 'AAI']);
  if (doc.vatFranchise) notes.push([VAT_FRANCHISE_TEXT, 'TXD']);
  notes.push([latePenaltySentence(doc), 'PMD']);
  notes.push([RECOVERY_INDEMNITY_TEXT.charAt(0).toUpperCase() + RECOVERY_INDEMNITY_TEXT.slice(1), 'PMT']);
  notes.push([NO_DISCOUNT_TEXT, 'AAB']);

  const root = el(
    'rsm:CrossIndustryInvoice',
    [
      el('rsm:ExchangedDocumentContext', [
        el('ram:BusinessProcessSpecifiedDocumentContextParameter', [el('ram:ID', fullyPaid ? 'S2' : 'S1')]),
        el('ram:GuidelineSpecifiedDocumentContextParameter', [el('ram:ID', FACTURX_GUIDELINE_EN16931)]),
      ]),
      el('rsm:ExchangedDocument', [
        el('ram:ID', doc.number),
        el('ram:TypeCode', typeCode),
        date102('ram:IssueDateTime', doc.issueDate),
        ...notes.map(([content, code]) =>
          el('ram:IncludedNote', [el('ram:Content', content), el('ram:SubjectCode', code)]),
        ),
      ]),
      el('rsm:SupplyChainTradeTransaction', [
        ...doc.lines.map((line, i) => lineItem(doc, line, i)),
        el('ram:ApplicableHeaderTradeAgreement', [
          sellerParty(doc),
          buyerParty(doc),
          // the accepted quote acts as the sales order (BT-14)
          !isCreditNote &&
            doc.references?.quoteNumber &&
            el('ram:SellerOrderReferencedDocument', [el('ram:IssuerAssignedID', doc.references.quoteNumber)]),
        ]),
        // an empty delivery block draws a warning (PEPPOL-EN16931-R008): the service is delivered to the
        // buyer, so the deliver-to party (BG-13) is the buyer's name and address
        el('ram:ApplicableHeaderTradeDelivery', [
          el('ram:ShipToTradeParty', [el('ram:Name', doc.buyer.name), postalAddress(doc.buyer)]),
        ]),
        el('ram:ApplicableHeaderTradeSettlement', [
          el('ram:PaymentReference', doc.paymentReference),
          el('ram:InvoiceCurrencyCode', doc.currency),
          paymentMeans(doc),
          ...headerTaxes(doc),
          doc.servicePeriod && period(doc.servicePeriod.start, doc.servicePeriod.end),
          el('ram:SpecifiedTradePaymentTerms', [
            el('ram:Description', doc.paymentTerms.dueText),
            doc.dueDate && date102('ram:DueDateDateTime', doc.dueDate),
          ]),
          el('ram:SpecifiedTradeSettlementHeaderMonetarySummation', [
            named('ram:LineTotalAmount', amount(doc.totals.netCents)),
            named('ram:TaxBasisTotalAmount', amount(doc.totals.netCents)),
            named('ram:TaxTotalAmount', amount(doc.totals.vatCents, doc.currency)),
            named('ram:GrandTotalAmount', amount(doc.totals.grossCents)),
            prepaid !== 0 && named('ram:TotalPrepaidAmount', amount(prepaid)),
            named('ram:DuePayableAmount', amount(due)),
          ]),
          preceding &&
            el('ram:InvoiceReferencedDocument', [
              el('ram:IssuerAssignedID', preceding.number),
              date102('ram:FormattedIssueDateTime', preceding.date, 'qdt'),
            ]),
        ]),
      ]),
    ],
    NS,
  );
  return serializeXml(root);
}
