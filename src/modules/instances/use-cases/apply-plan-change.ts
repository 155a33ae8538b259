import type { Clock } from '../../../platform/clock.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { InstancesService } from '../instances.service.ts';

export interface ApplyPlanChangeDeps {
  instances: InstancesService;
  audit: AuditService;
  clock: Clock;
}

/**
 * A plan change was paid (`plan_change.paid`): the instance is on the new plan from now on — its
 * limits at the front door at once, its period unchanged, its next renewal at the new price.
 * Idempotent: the head start at commit and the job both run it; the second finds it done.
 */
export async function applyPlanChange(d: ApplyPlanChangeDeps, e: { orderId: number; instanceId: number; planCode: string }): Promise<void> {
  const before = await d.instances.find(e.instanceId);
  if (!before) throw new Error(`no instance ${e.instanceId} for the plan change of order ${e.orderId}`);
  if (!(await d.instances.changePlan(e.instanceId, e.planCode))) return;
  await d.audit.record({ action: 'instance.plan_changed', subjectUserId: before.user_id, at: d.clock.now(), details: { orderId: e.orderId, instanceId: e.instanceId, from: before.plan_code, to: e.planCode } });
}
