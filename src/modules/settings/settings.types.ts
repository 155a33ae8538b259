export interface OperatorIdentity {
  /** the name customers know, e.g. SLETO */
  tradeName: string;
  /** the sole trader's own name, printed with "EI" */
  ownerName: string;
  legalStatus: string;
  address: string;
  postcode: string;
  city: string;
  country: string;
  siret: string;
  email: string;
  phone: string;
  /** the bank account's holder ("titulaire"), printed beside IBAN and BIC */
  accountHolder: string;
  iban: string;
  bic: string;
  chequePayee: string;
  chequeAddress: string;
  /** true: "TVA non applicable, art. 293 B du CGI" */
  vatFranchise: boolean;
  publicationDirector: string;
  websiteHost: string;
}

export interface PlanView {
  code: string;
  name: string;
  priceCents: number | null;
  bandwidthMbps: number | null;
  slaPercent: number | null;
  maxSessions: number | null;
  storageBytes: number | null;
  customQuote: boolean;
}

export interface TermsView {
  version: number;
  title: string;
  body: string;
  publishedAt: Date;
}

/** Archives: when the automatic ones run and how long each kind is kept (editable in "Réglages"). */
export interface ArchiveSettings {
  /** the night's quiet hours (Paris time): automatic archives start from this hour… */
  quietStartHour: number;
  /** …spread over this many hours */
  quietHours: number;
  /** days an automatic archive is kept (the last one of an instance stays until a newer one exists) */
  automaticKeepDays: number;
  /** days the safety archive made before a restore is kept */
  safetyKeepDays: number;
  /** days the final archive of an ended instance stays downloadable */
  finalKeepDays: number;
}

export interface BillingSettings {
  /** days a quote stays payable */
  quoteValidityDays: number;
  /** days to pay an invoice issued before payment (credit notes, operator invoices) */
  paymentDueDays: number;
  /** validated orders a customer may have awaiting payment at once (each holds a name and mails a quote) */
  maxUnpaidOrders: number;
  /** the late-payment penalty rate, printed on documents */
  latePenaltyText: string;
  /** VAT rate applied when the operator is not under the franchise */
  vatRatePercent: number;
  /** intra-community VAT number, when subject to VAT */
  vatNumber: string;
  prefixes: { quote: string; invoice: string; credit_note: string };
  /** accompaniment: the hourly rate of a session, excluding tax */
  supportHourlyCents: number;
  /** accompaniment: volume discounts, by the quote's total session hours (the highest reached applies) */
  supportTiers: { fromHours: number; percent: number }[];
}

/** The hosting year's clock: when the renewal order goes out, its reminders, and the end of an unpaid subscription. */
export interface LifecycleSettings {
  /** days before the period's end the renewal order and its quote are issued and e-mailed */
  renewalLeadDays: number;
  /** days before the end a reminder goes out while the renewal is unpaid (each once) */
  reminderDays: number[];
  /** days after the end during which the instance still serves, with a banner on the portal */
  graceDays: number;
  /** days the suspended instance's data is kept before its final archive and its end */
  retentionDays: number;
  /** days an ended instance's name stays out of reach of a new order (nobody takes an association's address at once) */
  nameQuarantineDays: number;
}
