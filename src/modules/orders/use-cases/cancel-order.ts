import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { CurrentUser } from '../../../web/context.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { OrdersService } from '../orders.service.ts';

export interface CancelOrderDeps {
  db: Kysely<DB>;
  orders: OrdersService;
  billing: BillingService;
  audit: AuditService;
  clock: Clock;
}

/**
 * An order not yet paid is given up (by its customer, or by the operator with `user` null, or by
 * ecrin itself with `by` null too — a plan change of an ended instance): its
 * quote is cancelled and its name freed, together. False when the order can no longer be cancelled.
 */
export async function cancelOrder(d: CancelOrderDeps, user: CurrentUser | null, orderId: number, by: number | null, reason: string): Promise<boolean> {
  const now = d.clock.now();
  return d.db.transaction().execute(async (trx) => {
    const order = await d.orders.lock(trx, orderId);
    if (!order || (user && order.user_id !== user.id) || !['draft', 'requested', 'validated', 'expired'].includes(order.status)) return false;
    await d.orders.setStatus(trx, orderId, ['draft', 'requested', 'validated', 'expired'], 'cancelled');
    const quote = await d.billing.latestQuoteForOrder(orderId, trx);
    if (quote) await d.billing.cancelQuote(trx, quote.id, by, reason, now);
    await d.audit.record({ action: 'order.cancelled', actorUserId: by, subjectUserId: order.user_id, at: now, details: { orderId, reason } }, trx);
    return true;
  });
}
