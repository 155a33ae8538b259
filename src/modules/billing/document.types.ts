/**
 * A billing document as printed: everything the PDF and the Factur-X XML need, frozen at issue time.
 * Amounts are integer cents; dates are calendar dates ('YYYY-MM-DD', Europe/Paris).
 */
export type DocumentKind = 'quote' | 'invoice' | 'credit_note';

export interface Party {
  name: string;
  /** street lines, without postcode and city */
  addressLines: string[];
  postcode: string;
  city: string;
  /** ISO 3166-1 alpha-2, e.g. FR */
  country: string;
  email?: string | null;
  /** SIREN (9 digits), SIRET (14 digits) or RNA (W + 9 digits), normalised without spaces */
  registrationNumber?: string | null;
  /** intra-community VAT number, only for a seller subject to VAT */
  vatNumber?: string | null;
}

export interface Seller extends Party {
  /** trade name printed first, e.g. SLETO */
  tradeName: string;
  /** the sole trader's own name, printed with "EI", e.g. "Laurent GAY EI" */
  legalName: string;
  siret: string;
  phone?: string | null;
  /** the bank account's holder; absent on documents issued before it was printed */
  accountHolder?: string | null;
  iban: string;
  bic: string;
  chequePayee: string;
  chequeAddress: string;
}

export interface DocumentLine {
  label: string;
  /** a second line of explanation, e.g. the proration computation */
  detail?: string | null;
  quantity: number;
  /** unit price excluding tax */
  unitPriceCents: number;
  /** quantity × unit price, excluding tax */
  netCents: number;
  /** 0 under the VAT franchise */
  vatRatePercent: number;
  periodStart?: string | null;
  periodEnd?: string | null;
}

export interface VatBreakdown {
  ratePercent: number;
  baseCents: number;
  vatCents: number;
}

export interface BillingDocument {
  kind: DocumentKind;
  /** DEV-2026-0001, FAC-2026-0001, AVO-2026-0001 */
  number: string;
  issueDate: string;
  /** invoices and credit notes: when payment is due */
  dueDate?: string | null;
  /** quotes: last day of validity */
  validUntil?: string | null;
  servicePeriod?: { start: string; end: string } | null;
  seller: Seller;
  buyer: Party;
  lines: DocumentLine[];
  totals: { netCents: number; vatCents: number; grossCents: number; vatBreakdown: VatBreakdown[] };
  /** true: "TVA non applicable, art. 293 B du CGI"; Factur-X category E, VATEX-FR-FRANCHISE */
  vatFranchise: boolean;
  currency: 'EUR';
  /** the reference to write on a bank transfer or on the back of a cheque */
  paymentReference: string;
  paymentTerms: {
    /** e.g. "Paiement à 30 jours" / "à réception" */
    dueText: string;
    /** e.g. "trois fois le taux d'intérêt légal" */
    latePenaltyText: string;
  };
  /** quotes: where to pay online */
  paypalUrl?: string | null;
  /** invoice → the quote it settles; credit note → the invoice it corrects */
  references?: { quoteNumber?: string | null; invoiceNumber?: string | null; invoiceIssueDate?: string | null };
  /** invoices issued on payment */
  paid?: { method: 'transfer' | 'cheque' | 'paypal'; date: string; amountCents: number } | null;
  /** the nature of the operation, a mention of the 2026 rules: "Prestation de services" */
  operationNature?: string | null;
  /** free text under the lines, e.g. the reason of a credit note */
  note?: string | null;
  /**
   * An invoice's particular nature: "deposit" is a deposit invoice ("facture d'acompte", Factur-X
   * type 386), issued when the deposit is received; "final" closes an accompaniment (the balance).
   * Absent: an ordinary invoice.
   */
  invoiceType?: 'deposit' | 'final' | null;
  /** a final invoice: the deposit invoice it deducts (tax included), referenced by number and date */
  deposit?: { invoiceNumber: string; issueDate: string; amountCents: number } | null;
}
