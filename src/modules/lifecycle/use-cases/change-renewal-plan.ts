import type { CurrentUser } from '../../../web/context.ts';
import type { ArchivesService } from '../../archives/archives.service.ts';
import type { InstancesService } from '../../instances/instances.service.ts';
import { openRenewal, type RenewalChangeResult } from './decline-renewal.ts';
import { issueRenewal, type RenewalDeps } from './renewal-quote.ts';

/**
 * Another plan for the renewal (a downgrade to Opale is possible only then): the renewal order is
 * issued again at the chosen plan's price — the old order and quote cancelled, the new ones issued
 * and e-mailed, in one transaction. Refused, naming the figures and how to free space, when the
 * instance uses more storage (data and archives) than the chosen plan offers.
 */
export async function changeRenewalPlan(d: RenewalDeps & { instances: InstancesService; archives: ArchivesService }, user: CurrentUser, instanceId: number, planCode: string): Promise<RenewalChangeResult | { ok: true; quoteNumber: string; planName: string }> {
  const open = await openRenewal(d, user, instanceId);
  if (!open.ok) return open;
  const plan = await d.settings.plan(planCode);
  if (!plan || plan.customQuote || plan.priceCents === null || plan.code === open.order.plan_code) return { ok: false, error: 'renewal_plan_invalid' };
  if (plan.storageBytes !== null) {
    const quota = await d.archives.quota(open.instance);
    if (quota.usedBytes > plan.storageBytes) return { ok: false, error: 'renewal_over_storage', params: { plan: plan.name, usedBytes: quota.usedBytes, totalBytes: plan.storageBytes } };
  }
  const account = await d.accounts.getAccount(open.instance.user_id);
  const now = d.clock.now();
  const result = await d.db.transaction().execute(async (trx) => {
    const locked = await d.orders.lock(trx, open.order.id);
    if (!locked || locked.status !== 'validated') return null;
    await d.orders.setStatus(trx, open.order.id, ['validated'], 'cancelled');
    if (open.quote) await d.billing.cancelQuote(trx, open.quote.id, user.id, `Renouvellement refait au forfait ${plan.name}`, now);
    const issued = await issueRenewal(d, trx, open.instance, plan.code, { day: d.billing.today(), requestedBy: user.id, account });
    if (!issued.ok) throw new Error(`renewal not issued again: ${issued.reason}`);
    await d.audit.record({ action: 'order.renewal_plan_changed', actorUserId: user.id, subjectUserId: user.id, at: now, details: { instance: open.instance.name, from: open.order.plan_code, to: plan.code, cancelledOrderId: open.order.id, orderId: issued.order.id, quote: issued.quote.number } }, trx);
    return issued.quote.number;
  });
  if (!result) return { ok: false, error: 'renewal_not_open' };
  return { ok: true, quoteNumber: result, planName: plan.name };
}
