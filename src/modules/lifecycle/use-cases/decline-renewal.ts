import type { ErrorCode } from '../../../errors/app-error.ts';
import { addDays } from '../../../platform/dates.ts';
import type { CurrentUser } from '../../../web/context.ts';
import { cancelOrder } from '../../orders/use-cases/cancel-order.ts';
import type { RenewalDeps } from './renewal-quote.ts';
import type { InstancesService } from '../../instances/instances.service.ts';

export type RenewalChangeResult = { ok: true } | { ok: false; error: ErrorCode; params?: Record<string, string | number> };

/** The renewal order of an instance still awaiting payment, with nothing received on it yet. */
export async function openRenewal(d: RenewalDeps & { instances: InstancesService }, user: CurrentUser, instanceId: number) {
  const instance = await d.instances.ownInstance(user, instanceId);
  if (!instance || !instance.period_end) return { ok: false as const, error: 'not_found' as ErrorCode };
  const order = await d.orders.latestRenewal(instance.id, addDays(String(instance.period_end), 1));
  if (!order || order.status !== 'validated' || instance.state === 'suspended') return { ok: false as const, error: 'renewal_not_open' as ErrorCode };
  const quote = await d.billing.latestQuoteForOrder(order.id);
  if (quote && (await d.payments.balance(quote)).paidCents > 0) return { ok: false as const, error: 'renewal_partly_paid' as ErrorCode };
  return { ok: true as const, instance, order, quote };
}

/**
 * "Annuler la commande automatique": the customer does not renew. The renewal order and its quote
 * are cancelled (the usual cancellation); the instance then ends with its period — the sweep
 * suspends it the day after, keeps its data for the retention delay, and says so by e-mail.
 */
export async function declineRenewal(d: RenewalDeps & { instances: InstancesService }, user: CurrentUser, instanceId: number): Promise<RenewalChangeResult> {
  const open = await openRenewal(d, user, instanceId);
  if (!open.ok) return open;
  const done = await cancelOrder(d, user, open.order.id, user.id, 'Commande automatique de renouvellement annulée par le client');
  return done ? { ok: true } : { ok: false, error: 'renewal_not_open' };
}
