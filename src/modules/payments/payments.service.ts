import type { Kysely } from 'kysely';
import type { DB, DocumentRow, PaymentMethod } from '../../platform/db/schema.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import type { Clock } from '../../platform/clock.ts';
import type { BillingService } from '../billing/billing.service.ts';
import { settleQuoteJob } from './payments.jobs.ts';

/** What can keep a payment from being recorded: catalogue codes. */
export type PaymentError =
  | 'quote_unknown'
  | 'quote_expired'
  | 'quote_cancelled'
  | 'amount_invalid'
  | 'received_date_invalid'
  | 'manual_method_invalid'
  | 'cheque_number_required'
  | 'payment_duplicate';

export type SettleOutcome =
  | { state: 'paid'; invoiceNumber: string; newlyPaid: boolean }
  | { state: 'partial'; paidCents: number; dueCents: number }
  /** money arrived for an order that can no longer be served as is (cancelled meanwhile): the operator decides */
  | { state: 'blocked'; reason: string; paidCents: number };

export interface PaymentsDeps {
  db: Kysely<DB>;
  billing: BillingService;
  queue: Queue;
  clock: Clock;
}

export function isDuplicatePayment(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && /payments_same_key|paypal_capture_id/.test(`${e.constraint ?? ''} ${e.message ?? ''}`);
}

/**
 * Payments received, whatever their path (transfer, cheque, PayPal): the only writer of `payments`.
 * Every payment is recorded with a `payments.settle` job in its own transaction, so the "order
 * paid" use case (use-cases/settle-quote.ts) runs even if the process dies right after.
 */
export class PaymentsService {
  readonly #d: PaymentsDeps;

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

  /** The latest payment of a quote: its method and date go on the invoice. */
  lastPayment(quoteId: number, db: Kysely<DB>) {
    return db.selectFrom('payments').select(['method', 'received_on']).where('quote_id', '=', quoteId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  }

  /** A quote can take a payment while it is payable: not cancelled, not expired (already paid is fine: overpayment). */
  async payableQuote(number: string): Promise<{ ok: true; quote: DocumentRow } | { ok: false; error: PaymentError }> {
    const quote = await this.#d.billing.findDocument({ number });
    if (!quote || quote.kind !== 'quote') return { ok: false, error: 'quote_unknown' };
    const state = await this.#d.billing.stateOf(quote);
    if (state === 'cancelled') return { ok: false, error: 'quote_cancelled' };
    if (state === 'expired') return { ok: false, error: 'quote_expired' };
    return { ok: true, quote };
  }

  /** A transfer or cheque the operator received, with its settle job, in the caller's transaction. */
  async insertManual(trx: Kysely<DB>, quoteId: number, operatorId: number, p: { method: PaymentMethod; amountCents: number; receivedOn: string; reference: string; bank: string }): Promise<void> {
    await trx
      .insertInto('payments')
      .values({ quote_id: quoteId, method: p.method, amount_cents: p.amountCents, received_on: p.receivedOn, reference: p.reference, bank: p.bank || null, recorded_by: operatorId, created_at: this.#d.clock.now() })
      .execute();
    await this.#d.queue.send(settleQuoteJob, { quoteId }, { trx });
  }

  /** A PayPal capture, once (its id is unique): false when it was already recorded. */
  async insertPaypalCapture(trx: Kysely<DB>, quoteId: number, capture: { id: string; amountCents: number; currency: string }, paidOn: string): Promise<boolean> {
    const inserted = await trx
      .insertInto('payments')
      .values({ quote_id: quoteId, method: 'paypal', amount_cents: capture.amountCents, currency: capture.currency, received_on: paidOn, reference: capture.id, paypal_capture_id: capture.id, created_at: this.#d.clock.now() })
      .onConflict((oc) => oc.column('paypal_capture_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) await this.#d.queue.send(settleQuoteJob, { quoteId }, { trx });
    return inserted !== undefined;
  }
}
