import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { isCalendarDate } from '../../platform/dates.ts';
import type { DB, DocumentRow, PaymentMethod } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { BillingService } from '../billing/billing.service.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { provisionInstanceJob } from '../instances/instances.jobs.ts';
import { settleQuoteJob } from './payments.jobs.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import { invoiceMail } from '../orders/orders.mails.ts';
import type { OrdersService } from '../orders/orders.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';

export type PaymentError =
  | 'quote_unknown'
  | 'quote_expired'
  | 'quote_cancelled'
  | 'amount_invalid'
  | 'date_invalid'
  | 'method_invalid'
  | 'reference_required'
  | 'duplicate';

export type SettleOutcome =
  | { state: 'paid'; invoiceNumber: string; newlyPaid: boolean }
  | { state: 'partial'; paidCents: number; dueCents: number }
  /** money arrived for an order that can no longer be served as is (cancelled meanwhile): the operator decides */
  | { state: 'blocked'; reason: string; paidCents: number };

export interface PaymentsDeps {
  db: Kysely<DB>;
  billing: BillingService;
  orders: OrdersService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditRepository;
  queue: Queue;
  clock: Clock;
  logger: Logger;
  portalUrl: () => string;
}

function isDuplicatePayment(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && /payments_same_key|paypal_capture_id/.test(`${e.constraint ?? ''} ${e.message ?? ''}`);
}

/**
 * Payments, whatever their path (transfer, cheque, PayPal), end in `settle`: the one idempotent
 * "order paid" step — invoice, provisioning, e-mail — run under the order's row lock.
 */
export class PaymentsService {
  readonly #d: PaymentsDeps;
  #onPaid: ((orderId: number) => Promise<void>) | null = null;

  /** What follows a newly paid order right after its commit (the instances module shows it "en création"). */
  setOnPaid(fn: (orderId: number) => Promise<void>): void {
    this.#onPaid = fn;
  }

  constructor(deps: PaymentsDeps) {
    this.#d = deps;
  }

  async paidCents(quoteId: number, db: Kysely<DB> = this.#d.db): Promise<number> {
    const row = await db.selectFrom('payments').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.val(0)).as('n')).where('quote_id', '=', quoteId).where('currency', '=', 'EUR').executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  listForQuote(quoteId: number) {
    return this.#d.db.selectFrom('payments').leftJoin('users', 'users.id', 'payments.recorded_by').selectAll('payments').select('users.alias as recorded_by_alias').where('quote_id', '=', quoteId).orderBy('payments.id').execute();
  }

  /** A quote can take a payment while it is payable: not cancelled, not expired (already paid is fine: overpayment). */
  async payableQuote(number: string): Promise<{ ok: true; quote: DocumentRow } | { ok: false; error: PaymentError }> {
    const quote = await this.#d.billing.repo.findDocument({ number });
    if (!quote || quote.kind !== 'quote') return { ok: false, error: 'quote_unknown' };
    const state = await this.#d.billing.stateOf(quote);
    if (state === 'cancelled') return { ok: false, error: 'quote_cancelled' };
    if (state === 'expired') return { ok: false, error: 'quote_expired' };
    return { ok: true, quote };
  }

  /** The operator records a bank transfer or a cheque received. */
  async recordManualPayment(
    operatorId: number,
    quoteNumber: string,
    input: { method: string; amountCents: number; receivedOn: string; reference: string; bank: string },
  ): Promise<{ ok: true; outcome: SettleOutcome } | { ok: false; error: PaymentError }> {
    const payable = await this.payableQuote(quoteNumber);
    if (!payable.ok) return payable;
    if (input.method !== 'transfer' && input.method !== 'cheque') return { ok: false, error: 'method_invalid' };
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0 || input.amountCents > 100_000_000) return { ok: false, error: 'amount_invalid' };
    if (!isCalendarDate(input.receivedOn) || input.receivedOn > this.#d.billing.today()) return { ok: false, error: 'date_invalid' };
    if (input.method === 'cheque' && !input.reference) return { ok: false, error: 'reference_required' };
    const now = this.#d.clock.now();
    try {
      await this.#d.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('payments')
          .values({ quote_id: payable.quote.id, method: input.method as PaymentMethod, amount_cents: input.amountCents, received_on: input.receivedOn, reference: input.reference, bank: input.bank || null, recorded_by: operatorId, created_at: now })
          .execute();
        await this.#d.queue.send(settleQuoteJob, { quoteId: payable.quote.id }, { trx });
        await this.#d.audit.record({ action: 'payment.recorded', actorUserId: operatorId, subjectUserId: payable.quote.user_id, at: now, details: { quote: quoteNumber, method: input.method, amountCents: input.amountCents, reference: input.reference } }, trx);
      });
    } catch (err) {
      if (isDuplicatePayment(err)) return { ok: false, error: 'duplicate' };
      throw err;
    }
    return { ok: true, outcome: await this.settle(payable.quote.id) };
  }

  /** Records a PayPal capture once (its id is unique); then settles. Safe to call from the return and the webhook. */
  async recordPaypalCapture(quoteId: number, capture: { id: string; amountCents: number; currency: string }, paidOn: string): Promise<SettleOutcome> {
    const now = this.#d.clock.now();
    await this.#d.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('payments')
        .values({ quote_id: quoteId, method: 'paypal', amount_cents: capture.amountCents, currency: capture.currency, received_on: paidOn, reference: capture.id, paypal_capture_id: capture.id, created_at: now })
        .onConflict((oc) => oc.column('paypal_capture_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) {
        await this.#d.queue.send(settleQuoteJob, { quoteId }, { trx });
        await this.#d.audit.record({ action: 'payment.paypal', at: now, details: { quoteId, captureId: capture.id, amountCents: capture.amountCents, currency: capture.currency } }, trx);
      }
    });
    return this.settle(quoteId);
  }

  /**
   * "Order paid": when the payments cover the quote, issue the invoice, mark the order paid, enqueue
   * its provisioning and e-mail the customer — once, whatever the replays and races.
   */
  async settle(quoteId: number): Promise<SettleOutcome> {
    const quote = await this.#d.billing.repo.findDocument({ id: quoteId });
    if (!quote || quote.kind !== 'quote' || quote.order_id === null) throw new Error(`no quote ${quoteId}`);
    const orderId = quote.order_id;
    const account = quote.user_id ? await this.#d.accounts.getAccount(quote.user_id) : null;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    const now = this.#d.clock.now();
    const outcome = await this.#d.db.transaction().execute(async (trx): Promise<SettleOutcome> => {
      const order = await this.#d.orders.repo.lock(trx, orderId);
      if (!order) throw new Error(`no order ${orderId}`);
      const existing = await this.#d.billing.repo.invoiceForQuote(quoteId, trx);
      if (existing) return { state: 'paid', invoiceNumber: existing.number, newlyPaid: false };
      const paid = await this.paidCents(quoteId, trx);
      if (paid < quote.gross_cents) return { state: 'partial', paidCents: paid, dueCents: quote.gross_cents - paid };
      if (order.status !== 'validated' || (await this.#d.billing.repo.isCancelled(quoteId, trx))) {
        // A payment that raced a cancellation (or a lapse): kept, shown to the operator, not invoiced.
        await this.#d.audit.record({ action: 'order.paid', subjectUserId: quote.user_id, at: now, details: { orderId, quote: quote.number, blocked: order.status, paidCents: paid } }, trx);
        this.#d.logger.warn({ orderId, quote: quote.number, status: order.status }, 'payment covers a quote whose order is not awaiting payment');
        return { state: 'blocked', reason: order.status, paidCents: paid };
      }
      const last = await trx.selectFrom('payments').select(['method', 'received_on']).where('quote_id', '=', quoteId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      const invoice = await this.#d.billing.issueInvoiceForQuote(trx, quote, { method: last.method, date: last.received_on, amountCents: paid });
      await sql`update orders set status = 'paid', paid_at = ${now}, updated_at = ${now} where id = ${orderId}`.execute(trx);
      await this.#d.queue.send(provisionInstanceJob, { orderId }, { trx, singletonKey: `order-${orderId}` });
      await this.#d.audit.record({ action: 'order.paid', subjectUserId: quote.user_id, at: now, details: { orderId, quote: quote.number, invoice: invoice.number, paidCents: paid, overpaidCents: paid - quote.gross_cents } }, trx);
      if (account) {
        const doc = invoice.content as BillingDocument;
        await this.#d.mail.enqueue(trx, {
          recipients: customerRecipients(account.user, account.organisation),
          template: 'billing.invoice',
          userId: account.user.id,
          rendered: invoiceMail({ site, name: account.user.name, invoice: doc, instanceHost: this.#d.orders.instanceHost(order.instance_name), portalUrl: this.#d.portalUrl() }),
          attachments: [{ kind: 'document_pdf', documentId: invoice.id, filename: `${invoice.number}.pdf` }],
        });
      }
      return { state: 'paid', invoiceNumber: invoice.number, newlyPaid: true };
    });
    if (outcome.state === 'paid' && outcome.newlyPaid && this.#onPaid) {
      await this.#onPaid(orderId).catch((err: unknown) => this.#d.logger.warn({ orderId, err: err instanceof Error ? err.message : String(err) }, 'after-payment step failed; the provisioning job will do it'));
    }
    return outcome;
  }
}
