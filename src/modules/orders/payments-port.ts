import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';

/**
 * What the orders' use cases need of the payments module, which sits above orders (payments'
 * settlement marks orders paid): declared here, provided by `PaymentsService`, so that orders never
 * imports payments.
 */
export interface OrderPayments {
  /** what a quote has received (payments in force) */
  paidCents(quoteId: number, db?: Kysely<DB>): Promise<number>;
  /** the payments of a replaced quote now count on its successor (its settlement queued when any moved) */
  carryOver(trx: Kysely<DB>, fromQuoteId: number, toQuoteId: number): Promise<{ payments: number; paidCents: number }>;
}
