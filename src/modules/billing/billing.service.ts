import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { addDays, parisDate, yearEnd } from '../../platform/dates.ts';
import type { DB, DocumentPdfAttachment, DocumentRow, Flavour, Order, Organisation, PaymentMethod, User } from '../../platform/db/schema.ts';
import { AppError } from '../../errors/app-error.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { PlanView } from '../settings/settings.types.ts';
import { BillingRepository } from './billing.repository.ts';
import { documentState, type DocumentState } from './document-state.ts';
import { buyerFrom, paymentTerms, sellerFrom, totalsOf } from './document-builder.ts';
import type { BillingDocument, DocumentLine } from './document.types.ts';
import type { Ledger } from './ledger.ts';
import { SERVICES_NATURE } from './facturx/mentions.ts';
import { formatMoney } from '../../web/i18n.ts';

/**
 * What an invoice issued unpaid asks to be paid (an accompaniment's final invoice: its total less
 * the deposit invoiced); null for an invoice issued on payment, and for quotes and credit notes.
 */
export function amountDueOf(doc: Pick<DocumentRow, 'kind' | 'content'>): number | null {
  if (doc.kind !== 'invoice') return null;
  const c = doc.content as BillingDocument;
  if (c.paid) return null;
  return c.totals.grossCents - (c.deposit?.amountCents ?? 0);
}

export const FLAVOUR_LABELS: Record<Flavour, string> = { 'diacamma.asso': 'Diacamma Asso', 'diacamma.syndic': 'Diacamma Syndic' };

function planSummary(plan: PlanView): string {
  const parts: string[] = [];
  if (plan.bandwidthMbps) parts.push(`${plan.bandwidthMbps} Mbps`);
  parts.push(plan.maxSessions ? `${plan.maxSessions} connexions simultanées au maximum` : 'connexions simultanées sans limitation');
  if (plan.storageBytes) parts.push(`${Math.round(plan.storageBytes / 1024 ** 3)} Go de stockage`);
  if (plan.slaPercent) parts.push(`SLA ${String(plan.slaPercent).replace('.', ',')} %`);
  return parts.join(', ');
}

/**
 * Quotes, invoices and credit notes: their content, their issue, their state. The only way in to
 * billing's tables: other modules issue documents through it (inside their transaction) and read
 * them through it.
 */
export class BillingService {
  readonly #repo: BillingRepository;
  /** issues inside the caller's transaction (gapless numbers, hash chain, PDF kept) */
  readonly ledger: Ledger;
  readonly #settings: SettingsService;
  readonly #clock: Clock;
  readonly #portalUrl: () => string;
  readonly #paypalEnabled: boolean;

  /** `paypalEnabled`: quotes print a PayPal link only when PayPal is configured. */
  constructor(deps: { db: Kysely<DB>; ledger: Ledger; settings: SettingsService; clock: Clock; portalUrl: () => string; paypalEnabled?: boolean }) {
    this.#repo = new BillingRepository(deps.db);
    this.ledger = deps.ledger;
    this.#settings = deps.settings;
    this.#clock = deps.clock;
    this.#portalUrl = deps.portalUrl;
    this.#paypalEnabled = deps.paypalEnabled ?? false;
  }

  today(): string {
    return parisDate(this.#clock.now());
  }

  async #vatRate(): Promise<{ franchise: boolean; rate: number }> {
    const [identity, billing] = await Promise.all([this.#settings.operatorIdentity(), this.#settings.billing()]);
    return { franchise: identity.vatFranchise, rate: identity.vatFranchise ? 0 : billing.vatRatePercent };
  }

  /** The yearly hosting line, priced from the plan as it is now (later price changes do not touch it). */
  async hostingLines(order: Pick<Order, 'instance_name' | 'flavour'>, plan: PlanView, instanceUrl: string, period?: { start: string; end: string }): Promise<DocumentLine[]> {
    if (plan.priceCents === null) throw new Error(`plan ${plan.code} is sold on a custom quote`);
    const { rate } = await this.#vatRate();
    return [
      {
        label: `Hébergement Diacamma — forfait ${plan.name} — 1 an`,
        detail: `Instance ${instanceUrl} (${FLAVOUR_LABELS[order.flavour]}) : ${planSummary(plan)}`,
        quantity: 1,
        unitPriceCents: plan.priceCents,
        netCents: plan.priceCents,
        vatRatePercent: rate,
        periodStart: period?.start ?? null,
        periodEnd: period?.end ?? null,
      },
    ];
  }

  /** The line of a plan change: its amount and computation come from the orders' proration rule. */
  async planChangeLines(change: { label: string; amountCents: number; from: string; to: string }, instanceUrl: string): Promise<DocumentLine[]> {
    const { rate } = await this.#vatRate();
    return [{ label: change.label, detail: `Instance ${instanceUrl}`, quantity: 1, unitPriceCents: change.amountCents, netCents: change.amountCents, vatRatePercent: rate, periodStart: change.from, periodEnd: change.to }];
  }

  /** Lines written by the operator (a custom quote): priced as given, at today's VAT rate. */
  async customLines(lines: { label: string; detail?: string | null; quantity: number; unitPriceCents: number }[]): Promise<DocumentLine[]> {
    const { rate } = await this.#vatRate();
    return lines.map((l) => ({ label: l.label, detail: l.detail ?? null, quantity: l.quantity, unitPriceCents: l.unitPriceCents, netCents: l.quantity * l.unitPriceCents, vatRatePercent: rate, periodStart: null, periodEnd: null }));
  }

  async #settingsNow(db: Kysely<DB>) {
    return { identity: await this.#settings.operatorIdentity(db), billing: await this.#settings.billing(db) };
  }

  async issueQuote(trx: Kysely<DB>, input: { order: Order; user: User; organisation: Organisation; lines: DocumentLine[]; /** replaces the hosting year's note */ note?: string; /** a custom quote's own validity, or a renewal's (payable until the instance's data goes); else the billing settings' */ validUntil?: string }): Promise<DocumentRow> {
    return this.#issueQuoteDocument(trx, {
      orderId: input.order.id,
      user: input.user,
      organisation: input.organisation,
      lines: input.lines,
      validUntil: input.validUntil ?? null,
      paypal: this.#paypalEnabled,
      note: input.note ?? 'Le service est fourni pour 12 mois à compter de sa mise en service, qui suit la réception du paiement.',
    });
  }

  /**
   * An accompaniment quote: of no hosting order, its lines as the operator built them, valid until
   * the date given, with the operator's notes; numbered in the same quote series.
   */
  async issueSupportQuote(trx: Kysely<DB>, input: { user: User; organisation: Organisation; lines: DocumentLine[]; validUntil: string; note: string | null }): Promise<DocumentRow> {
    return this.#issueQuoteDocument(trx, { orderId: null, user: input.user, organisation: input.organisation, lines: input.lines, validUntil: input.validUntil, paypal: false, note: input.note });
  }

  /** A quote in the series: `validUntil` null means the billing settings' validity from the issue date. */
  async #issueQuoteDocument(trx: Kysely<DB>, q: { orderId: number | null; user: User; organisation: Organisation; lines: DocumentLine[]; validUntil: string | null; paypal: boolean; note: string | null }): Promise<DocumentRow> {
    const now = this.#clock.now();
    const { identity, billing } = await this.#settingsNow(trx);
    const content = (number: string, issueDate: string): BillingDocument => ({
      kind: 'quote',
      number,
      operationNature: SERVICES_NATURE,
      issueDate,
      validUntil: q.validUntil ?? addDays(issueDate, billing.quoteValidityDays),
      servicePeriod: null,
      seller: sellerFrom(identity, billing),
      buyer: buyerFrom(q.organisation, q.user),
      lines: q.lines,
      totals: totalsOf(q.lines),
      vatFranchise: identity.vatFranchise,
      currency: 'EUR',
      paymentReference: number,
      paymentTerms: paymentTerms(billing, 'quote', false),
      paypalUrl: q.paypal ? `${this.#portalUrl()}/paiement/paypal/${number}` : null,
      note: q.note,
    });
    return this.#issue(trx, { kind: 'quote', orderId: q.orderId, userId: q.user.id, relatedDocumentId: null, issuedAt: now, content });
  }

  /** The invoice of a fully paid quote: same lines, the service period from the payment date. */
  async issueInvoiceForQuote(trx: Kysely<DB>, quote: DocumentRow, paid: { method: PaymentMethod; date: string; amountCents: number }): Promise<DocumentRow> {
    const now = this.#clock.now();
    const { identity, billing } = await this.#settingsNow(trx);
    const q = quote.content as BillingDocument;
    const start = paid.date;
    const end = yearEnd(start);
    const lines = q.lines.map((l) => ({ ...l, periodStart: l.periodStart ?? start, periodEnd: l.periodEnd ?? end }));
    const content = (number: string, issueDate: string): BillingDocument => ({
      kind: 'invoice',
      number,
      operationNature: SERVICES_NATURE,
      issueDate,
      dueDate: issueDate,
      servicePeriod: { start: lines[0]?.periodStart ?? start, end: lines[0]?.periodEnd ?? end },
      // The seller as it is today (the invoice is a new document); the buyer as accepted on the quote.
      seller: sellerFrom(identity, billing),
      buyer: q.buyer,
      lines,
      totals: q.totals,
      vatFranchise: q.vatFranchise,
      currency: 'EUR',
      paymentReference: q.paymentReference,
      paymentTerms: paymentTerms(billing, 'invoice', true),
      references: { quoteNumber: q.number },
      paid: { method: paid.method, date: paid.date, amountCents: Math.min(paid.amountCents, q.totals.grossCents) },
    });
    return this.#issue(trx, { kind: 'invoice', orderId: quote.order_id, userId: quote.user_id, relatedDocumentId: quote.id, issuedAt: now, content });
  }

  /**
   * The deposit invoice ("facture d'acompte") of an accompaniment quote, issued when the deposit is
   * received: one line, the deposit (tax included, as asked) at the quote's VAT rate, paid.
   */
  async issueSupportDepositInvoice(trx: Kysely<DB>, quote: DocumentRow, d: { percent: number; amountCents: number; paid: { method: PaymentMethod; date: string } }): Promise<DocumentRow> {
    const q = quote.content as BillingDocument;
    if (quote.kind !== 'quote' || quote.order_id !== null) throw new Error(`${quote.number} is not an accompaniment quote`);
    if (!Number.isSafeInteger(d.amountCents) || d.amountCents <= 0 || d.amountCents > q.totals.grossCents) throw new Error(`deposit ${d.amountCents} out of range`);
    const now = this.#clock.now();
    const { identity, billing } = await this.#settingsNow(trx);
    const rate = q.lines[0]?.vatRatePercent ?? 0;
    // The deposit asked is tax included: the net is derived from it, as for a credit note.
    const net = rate === 0 ? d.amountCents : Math.round((d.amountCents * 100) / (100 + rate));
    const lines: DocumentLine[] = [{ label: `Acompte de ${d.percent} % sur le devis ${q.number}`, detail: `Accompagnement Diacamma ; montant du devis : ${formatMoney(q.totals.grossCents, 'fr')}${q.vatFranchise ? '' : ' TTC'}`, quantity: 1, unitPriceCents: net, netCents: net, vatRatePercent: rate }];
    const base = totalsOf(lines);
    const totals = { ...base, grossCents: d.amountCents, vatCents: d.amountCents - net, vatBreakdown: base.vatBreakdown.map((b) => ({ ...b, vatCents: d.amountCents - net })) };
    const content = (number: string, issueDate: string): BillingDocument => ({
      kind: 'invoice',
      invoiceType: 'deposit',
      number,
      operationNature: SERVICES_NATURE,
      issueDate,
      dueDate: issueDate,
      servicePeriod: null,
      seller: sellerFrom(identity, billing),
      buyer: q.buyer,
      lines,
      totals,
      vatFranchise: q.vatFranchise,
      currency: 'EUR',
      paymentReference: q.paymentReference,
      paymentTerms: { dueText: "Acompte payé à l'acceptation du devis", latePenaltyText: billing.latePenaltyText },
      references: { quoteNumber: q.number },
      paid: { method: d.paid.method, date: d.paid.date, amountCents: d.amountCents },
      note: "Facture d'acompte : le solde sera facturé à la fin de l'accompagnement, acompte déduit.",
    });
    return this.#issue(trx, { kind: 'invoice', orderId: null, userId: quote.user_id, relatedDocumentId: quote.id, issuedAt: now, content });
  }

  /**
   * The final invoice of an accompaniment quote: the lines as built by the support module (hours
   * done, extra costs at their real amount), less the deposit invoice when there is one; payable at
   * the billing settings' due date, with its own number as the payment reference.
   */
  async issueSupportFinalInvoice(trx: Kysely<DB>, quote: DocumentRow, d: { lines: DocumentLine[]; deposit: DocumentRow | null; servicePeriod: { start: string; end: string } | null; note: string | null }): Promise<DocumentRow> {
    const q = quote.content as BillingDocument;
    if (quote.kind !== 'quote' || quote.order_id !== null) throw new Error(`${quote.number} is not an accompaniment quote`);
    const totals = totalsOf(d.lines);
    if (d.deposit && d.deposit.gross_cents > totals.grossCents) throw new AppError('support_total_below_deposit');
    const now = this.#clock.now();
    const { identity, billing } = await this.#settingsNow(trx);
    const dep = d.deposit ? (d.deposit.content as BillingDocument) : null;
    const content = (number: string, issueDate: string): BillingDocument => ({
      kind: 'invoice',
      invoiceType: 'final',
      number,
      operationNature: SERVICES_NATURE,
      issueDate,
      dueDate: addDays(issueDate, billing.paymentDueDays),
      servicePeriod: d.servicePeriod,
      seller: sellerFrom(identity, billing),
      buyer: q.buyer,
      lines: d.lines,
      totals,
      vatFranchise: q.vatFranchise,
      currency: 'EUR',
      paymentReference: number,
      paymentTerms: paymentTerms(billing, 'invoice', false),
      references: { quoteNumber: q.number },
      deposit: dep ? { invoiceNumber: dep.number, issueDate: dep.issueDate, amountCents: dep.totals.grossCents } : null,
      note: d.note,
    });
    return this.#issue(trx, { kind: 'invoice', orderId: null, userId: quote.user_id, relatedDocumentId: quote.id, issuedAt: now, content });
  }

  /** A credit note correcting an invoice, for part or all of its amount. */
  async issueCreditNote(trx: Kysely<DB>, invoice: DocumentRow, input: { amountCents: number; reason: string }): Promise<DocumentRow> {
    const inv = invoice.content as BillingDocument;
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) throw new AppError('credit_amount_invalid');
    if (!input.reason.trim()) throw new AppError('credit_reason_required');
    // Under the ledger lock, so that two credit notes issued together cannot exceed the invoice.
    await sql`select 1 from ledger_head where id = 1 for update`.execute(trx);
    const already = (await this.#repo.creditNotesFor(invoice.id, trx)).reduce((s, d) => s + d.gross_cents, 0);
    if (already + input.amountCents > inv.totals.grossCents) throw new AppError('credit_too_large', { params: { remainingCents: Math.max(0, inv.totals.grossCents - already) } });
    const now = this.#clock.now();
    const { identity, billing } = await this.#settingsNow(trx);
    const rate = inv.lines[0]?.vatRatePercent ?? 0;
    // The amount given is what the customer gets back (tax included): the net is derived from it.
    const net = rate === 0 ? input.amountCents : Math.round((input.amountCents * 100) / (100 + rate));
    const lines: DocumentLine[] = [{ label: `Avoir sur la facture ${inv.number}`, detail: input.reason, quantity: 1, unitPriceCents: net, netCents: net, vatRatePercent: rate }];
    const totals = totalsOf(lines);
    const content = (number: string, issueDate: string): BillingDocument => ({
      kind: 'credit_note',
      number,
      operationNature: SERVICES_NATURE,
      issueDate,
      dueDate: addDays(issueDate, billing.paymentDueDays),
      servicePeriod: inv.servicePeriod ?? null,
      seller: sellerFrom(identity, billing),
      buyer: inv.buyer,
      lines,
      totals: { ...totals, grossCents: input.amountCents, vatCents: input.amountCents - net, vatBreakdown: totals.vatBreakdown.map((b) => ({ ...b, vatCents: input.amountCents - net })) },
      vatFranchise: inv.vatFranchise,
      currency: 'EUR',
      paymentReference: inv.number,
      paymentTerms: paymentTerms(billing, 'credit_note', false),
      references: { invoiceNumber: inv.number, invoiceIssueDate: inv.issueDate },
      note: input.reason,
    });
    return this.#issue(trx, { kind: 'credit_note', orderId: invoice.order_id, userId: invoice.user_id, relatedDocumentId: invoice.id, issuedAt: now, content });
  }

  /** Settings are read before the ledger lock is taken, so the lock is held as briefly as possible. */
  #issue(
    trx: Kysely<DB>,
    req: { kind: BillingDocument['kind']; orderId: number | null; userId: number | null; relatedDocumentId: number | null; issuedAt: Date; content: (number: string, issueDate: string) => BillingDocument },
  ): Promise<DocumentRow> {
    return this.ledger.issue(trx, { kind: req.kind, orderId: req.orderId, userId: req.userId, relatedDocumentId: req.relatedDocumentId, issuedAt: req.issuedAt, build: req.content });
  }

  async stateOf(doc: DocumentRow, db?: Kysely<DB>): Promise<DocumentState> {
    if (doc.kind === 'invoice') {
      const due = amountDueOf(doc);
      return documentState({ kind: doc.kind, valid_until: null, amount_due_cents: due, paid_cents: due === null ? 0 : await this.#repo.paidTotal(doc.id, db) }, this.today());
    }
    const invoice = doc.kind === 'quote' ? await this.#repo.invoiceForQuote(doc.id, db) : undefined;
    const cancelled = doc.kind === 'quote' ? await this.#repo.isCancelled(doc.id, db) : false;
    const decision = doc.kind === 'quote' ? ((await this.#repo.decisionOf(doc.id, db))?.decision ?? null) : null;
    return documentState({ kind: doc.kind, valid_until: doc.valid_until, invoice_number: invoice?.number ?? null, cancelled, order_id: doc.order_id, decision }, this.today());
  }

  // --- reads for the other modules and the pages ----------------------------------------------
  findDocument(where: { id?: number; number?: string }) {
    return this.#repo.findDocument(where);
  }

  /** One document, read inside the caller's transaction. */
  documentIn(db: Kysely<DB>, id: number): Promise<DocumentRow | undefined> {
    return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** What a document has received (payments in force), in cents. */
  paidTotal(documentId: number, db?: Kysely<DB>): Promise<number> {
    return this.#repo.paidTotal(documentId, db);
  }

  /** Documents with their payments and state as of `today` (the customer's "Vos factures", the back office). */
  listDocuments(opts: Parameters<BillingRepository['listDocuments']>[0]) {
    return this.#repo.listDocuments(opts);
  }

  invoiceForQuote(quoteId: number, db?: Kysely<DB>) {
    return this.#repo.invoiceForQuote(quoteId, db);
  }

  creditNotesFor(invoiceId: number, db?: Kysely<DB>) {
    return this.#repo.creditNotesFor(invoiceId, db);
  }

  isCancelled(quoteId: number, db?: Kysely<DB>): Promise<boolean> {
    return this.#repo.isCancelled(quoteId, db);
  }

  latestQuoteForOrder(orderId: number, db?: Kysely<DB>) {
    return this.#repo.latestQuoteForOrder(orderId, db);
  }

  /** The latest quote of each order given, in one query (the daily sweep's). */
  latestQuotesForOrders(orderIds: readonly number[], db?: Kysely<DB>): Promise<Map<number, DocumentRow>> {
    return this.#repo.latestQuotesForOrders(orderIds, db);
  }

  /** The last day the latest quote of each order given is payable (its `valid_until`), in one query (the daily sweep's). */
  latestQuoteValidities(orderIds: readonly number[]): Promise<Map<number, string>> {
    return this.#repo.latestQuoteValidities(orderIds);
  }

  /** The day a quote's money can first have been received: its order's first quote's issue date (or its own). */
  async earliestReceiptDate(quote: DocumentRow, db?: Kysely<DB>): Promise<string> {
    const first = quote.order_id === null ? null : await this.#repo.firstQuoteDate(quote.order_id, db);
    return first ?? String(quote.issue_date);
  }

  latestQuoteNumbers(orderIds: readonly number[]): Promise<Map<number, string>> {
    return this.#repo.latestQuoteNumbers(orderIds);
  }

  /** The service period invoiced for an order (its latest quote's invoice), if paid. */
  async servicePeriodOfOrder(orderId: number): Promise<{ start: string; end: string } | null> {
    const quote = await this.#repo.latestQuoteForOrder(orderId);
    const invoice = quote ? await this.#repo.invoiceForQuote(quote.id) : undefined;
    return invoice ? ((invoice.content as BillingDocument).servicePeriod ?? null) : null;
  }

  /**
   * A customer's answer to a quote of no order: "Bon pour accord" (their name, the box ticked) or a
   * refusal with a message, with the time and address, in the caller's transaction. Only a quote of
   * theirs that is still to accept (not replaced, cancelled, expired or answered) takes one.
   */
  async decideQuote(trx: Kysely<DB>, quote: DocumentRow, d: { decision: 'accepted' | 'refused'; userId: number; signerName: string; message: string; ip: string | null }): Promise<void> {
    if (quote.kind !== 'quote' || quote.order_id !== null || quote.user_id !== d.userId) throw new AppError('not_found');
    const state = await this.stateOf(quote, trx);
    if (state === 'expired') throw new AppError('quote_expired_answer');
    if (state === 'cancelled') throw new AppError('quote_replaced_answer');
    if (state !== 'to_accept') throw new AppError('quote_already_answered');
    const inserted = await this.#repo.insertDecision(trx, { quote_id: quote.id, decision: d.decision, user_id: d.userId, signer_name: d.signerName, message: d.message, ip: d.ip, decided_at: this.#clock.now() });
    if (!inserted) throw new AppError('quote_already_answered');
  }

  decisionOf(quoteId: number, db?: Kysely<DB>) {
    return this.#repo.decisionOf(quoteId, db);
  }

  /** A quote no longer payable (the order was cancelled, or the quote replaced), in the caller's transaction. */
  cancelQuote(trx: Kysely<DB>, quoteId: number, by: number | null, reason: string, now: Date): Promise<void> {
    return this.#repo.cancelQuote(trx, quoteId, by, reason, now);
  }

  /** The PDF of an issued document, stored once: rendered from its content on the first read if its rendering job has not run yet. */
  pdf(documentId: number): Promise<Buffer | null> {
    return this.ledger.pdf(documentId);
  }

  /** How the mail module gets a document's PDF when it delivers a message that attaches it. */
  async attachment(ref: DocumentPdfAttachment): Promise<{ filename: string; content: Buffer; contentType: string } | null> {
    const pdf = await this.ledger.pdf(ref.documentId);
    return pdf ? { filename: ref.filename, content: pdf, contentType: 'application/pdf' } : null;
  }
}
