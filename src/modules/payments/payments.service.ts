import { sql, type Kysely } from 'kysely';
import type { DB, DocumentRow, PaymentMethod } from '../../platform/db/schema.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import type { Clock } from '../../platform/clock.ts';
import { amountDueOf, type BillingService } from '../billing/billing.service.ts';
import type { SupportService } from '../support/support.service.ts';
import { depositCents } from '../support/support.pricing.ts';
import { settleQuoteJob } from './payments.jobs.ts';

/** What can keep a payment from being recorded: catalogue codes. */
export type PaymentError =
  | 'quote_unknown'
  | 'quote_expired'
  | 'quote_cancelled'
  | 'invoice_already_paid'
  | 'support_quote_not_payable'
  | 'amount_invalid'
  | 'received_date_invalid'
  | 'manual_method_invalid'
  | 'cheque_number_required'
  | 'payment_duplicate'
  | 'received_before_quote'
  | 'payment_not_cancellable'
  | 'settlement_failed';

export type SettleOutcome =
  | { state: 'paid'; invoiceNumber: string; newlyPaid: boolean }
  | { state: 'partial'; paidCents: number; dueCents: number }
  /** money arrived for an order that can no longer be served as is (cancelled meanwhile): the operator decides */
  | { state: 'blocked'; reason: string; paidCents: number };

export interface PaymentsDeps {
  db: Kysely<DB>;
  billing: BillingService;
  /** an accompaniment quote's deposit (its percent) */
  support: SupportService;
  queue: Queue;
  clock: Clock;
}

export interface Balance {
  paidCents: number;
  /** what remains to pay (never below zero) */
  dueCents: number;
  /** what was received beyond the quote's total (never below zero) */
  overpaidCents: number;
}

/** The one rule for paid, due and overpaid. */
export function balanceOf(grossCents: number, paidCents: number): Balance {
  return { paidCents, dueCents: Math.max(0, grossCents - paidCents), overpaidCents: Math.max(0, paidCents - grossCents) };
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

  /** What a quote has received: payments in force, in euros (the `quote_paid_totals` view). */
  async paidCents(quoteId: number, db: Kysely<DB> = this.#d.db): Promise<number> {
    const row = await db.selectFrom('quote_paid_totals').select('paid_cents').where('quote_id', '=', quoteId).executeTakeFirst();
    return Number(row?.paid_cents ?? 0);
  }

  /** What each quote given has received, in one query (a quote with nothing is absent: 0). */
  async paidCentsOf(quoteIds: readonly number[], db: Kysely<DB> = this.#d.db): Promise<Map<number, number>> {
    if (quoteIds.length === 0) return new Map();
    const rows = await db.selectFrom('quote_paid_totals').select(['quote_id', 'paid_cents']).where('quote_id', 'in', [...new Set(quoteIds)]).execute();
    return new Map(rows.map((r) => [Number(r.quote_id), Number(r.paid_cents ?? 0)]));
  }

  /** Paid, due and overpaid for a quote — every page, PDF and settlement takes them from here. */
  async balance(quote: { id: number; gross_cents: number }, db: Kysely<DB> = this.#d.db): Promise<Balance> {
    return balanceOf(quote.gross_cents, await this.paidCents(quote.id, db));
  }

  /**
   * The payments shown on a quote's page: those it holds, and those received against it that were
   * carried to the quote that replaced it (`carried_to` says which; they count there, not here).
   * Cancelled ones are listed too, with who cancelled them and why.
   */
  listForQuote(quoteId: number, db: Kysely<DB> = this.#d.db) {
    return db
      .selectFrom('payments')
      .leftJoin('users', 'users.id', 'payments.recorded_by')
      .leftJoin('users as canceller', 'canceller.id', 'payments.cancelled_by')
      .selectAll('payments')
      .select(['users.alias as recorded_by_alias', 'canceller.alias as cancelled_by_alias'])
      .select((eb) => eb.selectFrom('documents as q').select('q.number').whereRef('q.id', '=', 'payments.quote_id').as('quote_number'))
      .select((eb) => eb.selectFrom('documents as f').select('f.number').whereRef('f.id', '=', 'payments.carried_from_quote_id').as('carried_from_number'))
      .where((eb) => eb.or([eb('payments.quote_id', '=', quoteId), eb('payments.carried_from_quote_id', '=', quoteId)]))
      .orderBy('payments.id')
      .execute();
  }

  findPayment(id: number, db: Kysely<DB> = this.#d.db) {
    return db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A payment in force on this quote with the same reference (case and spaces aside): likely the same money twice. */
  async sameReference(quoteId: number, reference: string): Promise<{ id: number; received_on: string; amount_cents: number } | null> {
    const ref = reference.trim().toLowerCase();
    if (!ref) return null;
    const row = await this.#d.db
      .selectFrom('payments')
      .select(['id', 'received_on', 'amount_cents'])
      .where('quote_id', '=', quoteId)
      .where('cancelled_at', 'is', null)
      .where(sql<string>`lower(trim(reference))`, '=', ref)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row ? { id: row.id, received_on: String(row.received_on), amount_cents: Number(row.amount_cents) } : null;
  }

  /**
   * A quote replaced by another (re-issued): the payments it received count on the new one. The rows
   * stay one each (moved, never copied), remembering the quote they were received against. When any
   * moved, the new quote's settlement is queued with the caller's transaction (they may cover it:
   * the invoice is issued after commit). How many moved, and what the new quote has received.
   */
  async carryOver(trx: Kysely<DB>, fromQuoteId: number, toQuoteId: number): Promise<{ payments: number; paidCents: number }> {
    const res = await trx
      .updateTable('payments')
      .set((eb) => ({ quote_id: toQuoteId, carried_from_quote_id: eb.fn.coalesce('carried_from_quote_id', eb.val(fromQuoteId)) }))
      .where('quote_id', '=', fromQuoteId)
      .where('cancelled_at', 'is', null)
      .executeTakeFirst();
    const payments = Number(res.numUpdatedRows);
    if (payments === 0) return { payments, paidCents: 0 };
    await this.#d.queue.send(settleQuoteJob, { quoteId: toQuoteId }, { trx });
    return { payments, paidCents: await this.paidCents(toQuoteId, trx) };
  }

  /** Marks a payment cancelled (kept, with who and why); false when it was already cancelled. */
  async markCancelled(trx: Kysely<DB>, paymentId: number, by: number, reason: string, now: Date): Promise<boolean> {
    const res = await trx.updateTable('payments').set({ cancelled_at: now, cancelled_by: by, cancel_reason: reason }).where('id', '=', paymentId).where('cancelled_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The latest payment in force of a quote: its method and date go on the invoice. */
  lastPayment(quoteId: number, db: Kysely<DB>) {
    return db.selectFrom('payments').select(['method', 'received_on', 'amount_cents']).where('quote_id', '=', quoteId).where('cancelled_at', 'is', null).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  }

  /**
   * A document can take a payment while it is payable, with what it asks in all (`expectedCents`):
   * a hosting quote not cancelled nor expired (already paid is fine: overpayment), for its total;
   * an accompaniment quote accepted "with a deposit", for its deposit, until its deposit or final
   * invoice is issued; an accompaniment's final invoice, for its balance, until it is paid (never twice).
   */
  async payableQuote(number: string): Promise<{ ok: true; quote: DocumentRow; expectedCents: number } | { ok: false; error: PaymentError }> {
    const quote = await this.#d.billing.findDocument({ number });
    if (!quote) return { ok: false, error: 'quote_unknown' };
    if (quote.kind === 'invoice') {
      const due = amountDueOf(quote);
      if (due === null || quote.order_id !== null) return { ok: false, error: 'quote_unknown' };
      if ((await this.paidCents(quote.id)) >= due) return { ok: false, error: 'invoice_already_paid' };
      return { ok: true, quote, expectedCents: due };
    }
    if (quote.kind !== 'quote') return { ok: false, error: 'quote_unknown' };
    const state = await this.#d.billing.stateOf(quote);
    if (state === 'cancelled') return { ok: false, error: 'quote_cancelled' };
    if (state === 'expired') return { ok: false, error: 'quote_expired' };
    if (quote.order_id === null) {
      const sq = await this.#d.support.quote(quote.id);
      if (!sq || sq.invoicing !== 'deposit' || state !== 'accepted' || (await this.#d.support.invoicesOf([quote.id])).length > 0) return { ok: false, error: 'support_quote_not_payable' };
      return { ok: true, quote, expectedCents: depositCents(quote.gross_cents, sq.deposit_percent) };
    }
    return { ok: true, quote, expectedCents: quote.gross_cents };
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
  async insertPaypalCapture(trx: Kysely<DB>, quoteId: number, capture: { id: string; amountCents: number; currency: string }, paidOn: string, carriedFrom: number | null = null): Promise<boolean> {
    const inserted = await trx
      .insertInto('payments')
      .values({ quote_id: quoteId, carried_from_quote_id: carriedFrom, method: 'paypal', amount_cents: capture.amountCents, currency: capture.currency, received_on: paidOn, reference: capture.id, paypal_capture_id: capture.id, created_at: this.#d.clock.now() })
      .onConflict((oc) => oc.column('paypal_capture_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) await this.#d.queue.send(settleQuoteJob, { quoteId }, { trx });
    return inserted !== undefined;
  }
}
