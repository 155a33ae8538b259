/**
 * Sample billing documents for tests and benchmarks: a franchise invoice with a proration line, the same
 * invoice paid, an invoice subject to VAT at 20 %, a credit note and a quote with a PayPal link.
 * Each builder takes overrides, so a test states only what it is about.
 */
import type { BillingDocument, DocumentLine, Seller } from '../document.types.ts';

export function sampleSeller(overrides: Partial<Seller> = {}): Seller {
  return {
    name: 'SLETO',
    tradeName: 'SLETO',
    legalName: 'Laurent GAY',
    addressLines: ['12 rue des Lilas', 'Bâtiment B'],
    postcode: '38000',
    city: 'Grenoble',
    country: 'FR',
    email: 'facturation@sleto.example',
    phone: '04 76 00 00 00',
    siret: '12345678200010',
    registrationNumber: '12345678200010',
    vatNumber: null,
    iban: 'FR76 3000 6000 0112 3456 7890 189',
    bic: 'AGRIFRPP',
    chequePayee: 'Laurent GAY',
    chequeAddress: '12 rue des Lilas, 38000 Grenoble',
    ...overrides,
  };
}

export const prorationLine: DocumentLine = {
  label: 'Passage de la formule Asso à la formule Pro',
  detail: '(240,00 € − 120,00 €) × 181 j restants / 365 j = 59,51 €',
  quantity: 1,
  unitPriceCents: 5951,
  netCents: 5951,
  vatRatePercent: 0,
  periodStart: '2026-12-01',
  periodEnd: '2027-05-30',
};

export function sampleInvoice(overrides: Partial<BillingDocument> = {}): BillingDocument {
  const lines: DocumentLine[] = [
    {
      label: 'Hébergement Diacamma — formule Asso, 12 mois',
      detail: null,
      quantity: 1,
      unitPriceCents: 12000,
      netCents: 12000,
      vatRatePercent: 0,
      periodStart: '2026-12-01',
      periodEnd: '2027-11-30',
    },
    prorationLine,
  ];
  const net = lines.reduce((s, l) => s + l.netCents, 0);
  return {
    kind: 'invoice',
    number: 'FAC-2026-0042',
    issueDate: '2026-11-28',
    dueDate: '2026-12-28',
    servicePeriod: { start: '2026-12-01', end: '2027-11-30' },
    seller: sampleSeller(),
    buyer: {
      name: 'Association Les Amis du Vercors',
      addressLines: ['3 place Grenette'],
      postcode: '38000',
      city: 'Grenoble',
      country: 'FR',
      email: 'tresorier@amis-vercors.example',
      registrationNumber: '98765432100017',
    },
    lines,
    totals: { netCents: net, vatCents: 0, grossCents: net, vatBreakdown: [{ ratePercent: 0, baseCents: net, vatCents: 0 }] },
    vatFranchise: true,
    currency: 'EUR',
    paymentReference: 'ECR-7K3P-Q9',
    paymentTerms: { dueText: 'Paiement à 30 jours', latePenaltyText: "trois fois le taux d'intérêt légal" },
    references: { quoteNumber: 'DEV-2026-0040' },
    paid: null,
    note: null,
    ...overrides,
  };
}

export function samplePaidInvoice(overrides: Partial<BillingDocument> = {}): BillingDocument {
  const doc = sampleInvoice(overrides);
  return {
    ...doc,
    number: 'FAC-2026-0043',
    paymentTerms: { ...doc.paymentTerms, dueText: 'Payée à réception' },
    dueDate: doc.issueDate,
    paid: { method: 'transfer', date: '2026-11-27', amountCents: doc.totals.grossCents },
    ...overrides,
  };
}

export function sampleVatInvoice(overrides: Partial<BillingDocument> = {}): BillingDocument {
  const lines: DocumentLine[] = [
    {
      label: 'Hébergement Diacamma — formule Pro, 12 mois',
      detail: null,
      quantity: 1,
      unitPriceCents: 24000,
      netCents: 24000,
      vatRatePercent: 20,
      periodStart: '2026-12-01',
      periodEnd: '2027-11-30',
    },
    {
      label: 'Instance supplémentaire',
      detail: 'Sauvegardes quotidiennes incluses',
      quantity: 3,
      unitPriceCents: 1999,
      netCents: 5997,
      vatRatePercent: 20,
    },
  ];
  const net = 29997;
  const vat = 5999; // 29997 × 20 % = 5999.4 → 5999
  return sampleInvoice({
    number: 'FAC-2026-0044',
    seller: sampleSeller({ vatNumber: 'FR40123456782' }),
    buyer: {
      name: 'Cabinet Durand SARL',
      addressLines: ['8 avenue Alsace-Lorraine', '2e étage'],
      postcode: '38000',
      city: 'Grenoble',
      country: 'FR',
      email: 'compta@durand.example',
      registrationNumber: '55210055400013',
      vatNumber: 'FR88552100554',
    },
    lines,
    totals: { netCents: net, vatCents: vat, grossCents: net + vat, vatBreakdown: [{ ratePercent: 20, baseCents: net, vatCents: vat }] },
    vatFranchise: false,
    references: undefined,
    ...overrides,
  });
}

export function sampleCreditNote(overrides: Partial<BillingDocument> = {}): BillingDocument {
  const line: DocumentLine = { ...prorationLine, label: `Annulation : ${prorationLine.label}` };
  return sampleInvoice({
    kind: 'credit_note',
    number: 'AVO-2026-0003',
    issueDate: '2026-12-05',
    dueDate: '2026-12-05',
    paymentTerms: { dueText: 'Remboursement sous 15 jours', latePenaltyText: "trois fois le taux d'intérêt légal" },
    lines: [line],
    totals: { netCents: 5951, vatCents: 0, grossCents: 5951, vatBreakdown: [{ ratePercent: 0, baseCents: 5951, vatCents: 0 }] },
    references: { invoiceNumber: 'FAC-2026-0042', invoiceIssueDate: '2026-11-28' },
    note: 'Changement de formule annulé à la demande du client.',
    ...overrides,
  });
}

export function sampleQuote(overrides: Partial<BillingDocument> = {}): BillingDocument {
  return sampleInvoice({
    kind: 'quote',
    number: 'DEV-2026-0041',
    issueDate: '2026-11-20',
    dueDate: null,
    validUntil: '2026-12-20',
    paypalUrl: 'https://www.paypal.com/checkoutnow?token=5O190127TN364715T',
    references: undefined,
    ...overrides,
  });
}

/** an accompaniment's deposit invoice (Factur-X 386): 30 % of a 390,00 € quote, received by transfer */
export function sampleDepositInvoice(overrides: Partial<BillingDocument> = {}): BillingDocument {
  const base = sampleInvoice();
  const lines: DocumentLine[] = [{ label: 'Acompte de 30 % sur le devis DEV-2026-0050', detail: 'Accompagnement Diacamma ; montant du devis : 390,00 €', quantity: 1, unitPriceCents: 11700, netCents: 11700, vatRatePercent: 0 }];
  return {
    ...base,
    number: 'FAC-2026-0051',
    invoiceType: 'deposit',
    servicePeriod: null,
    dueDate: base.issueDate,
    lines,
    totals: { netCents: 11700, vatCents: 0, grossCents: 11700, vatBreakdown: [{ ratePercent: 0, baseCents: 11700, vatCents: 0 }] },
    paymentReference: 'DEV-2026-0050',
    paymentTerms: { ...base.paymentTerms, dueText: "Acompte payé à l'acceptation du devis" },
    references: { quoteNumber: 'DEV-2026-0050' },
    paid: { method: 'transfer', date: '2026-11-27', amountCents: 11700 },
    ...overrides,
  };
}

/** an accompaniment's final invoice: 4 h done, a transport cost at its real amount, the deposit deducted */
export function sampleFinalInvoice(overrides: Partial<BillingDocument> = {}): BillingDocument {
  const base = sampleInvoice();
  const lines: DocumentLine[] = [
    { label: 'Séance du 02/12/2026 — Cotisations', detail: '2 h réalisées × 80,00 €/h (taux horaire du devis DEV-2026-0050)', quantity: 2, unitPriceCents: 8000, netCents: 16000, vatRatePercent: 0 },
    { label: 'Séance du 04/12/2026 — Reçus fiscaux', detail: '2 h réalisées × 80,00 €/h (taux horaire du devis DEV-2026-0050)', quantity: 2, unitPriceCents: 8000, netCents: 16000, vatRatePercent: 0 },
    { label: 'Transport et hébergement : Train Grenoble', detail: 'Frais annexes — montant réel, devisé 70,00 €', quantity: 1, unitPriceCents: 8450, netCents: 8450, vatRatePercent: 0 },
  ];
  return {
    ...base,
    number: 'FAC-2026-0052',
    invoiceType: 'final',
    servicePeriod: { start: '2026-12-02', end: '2026-12-04' },
    dueDate: '2026-12-31',
    lines,
    totals: { netCents: 40450, vatCents: 0, grossCents: 40450, vatBreakdown: [{ ratePercent: 0, baseCents: 40450, vatCents: 0 }] },
    paymentReference: 'FAC-2026-0052',
    references: { quoteNumber: 'DEV-2026-0050' },
    deposit: { invoiceNumber: 'FAC-2026-0051', issueDate: '2026-11-28', amountCents: 11700 },
    paid: null,
    ...overrides,
  };
}
