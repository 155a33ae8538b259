import type { Clock } from '../../../platform/clock.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { InstancesService } from '../instances.service.ts';

export interface ApplyRenewalDeps {
  instances: InstancesService;
  audit: AuditService;
  clock: Clock;
}

/**
 * A renewal was paid (`renewal.paid`): the instance's period runs on from its old end — never from
 * the payment date — at the renewed plan, and a suspended instance is served again at once.
 * Exactly once whatever the number of deliveries or payment paths: the database extends the
 * period only while it still ends the day before the renewal's start.
 */
export async function applyRenewal(d: ApplyRenewalDeps, e: { orderId: number; instanceId: number; planCode: string; renewsFrom: string; renewsTo: string }): Promise<boolean> {
  const before = await d.instances.find(e.instanceId);
  if (!before) throw new Error(`no instance ${e.instanceId} for the renewal of order ${e.orderId}`);
  const after = await d.instances.applyRenewal(e);
  if (!after) return false;
  await d.audit.record({ action: 'instance.renewed', subjectUserId: before.user_id, at: d.clock.now(), details: { orderId: e.orderId, instanceId: e.instanceId, from: e.renewsFrom, to: e.renewsTo, plan: e.planCode, restored: before.state === 'suspended' } });
  return true;
}
