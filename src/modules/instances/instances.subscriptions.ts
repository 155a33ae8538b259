import type { EventBus } from '../../platform/events/event-bus.ts';
import { orderPaid, planChangePaid, renewalPaid } from '../../events/domain-events.ts';
import { applyRenewalJob, changePlanJob, provisionInstanceJob } from './instances.jobs.ts';
import type { InstancesService } from './instances.service.ts';
import { provisionInstance, type ProvisionInstanceDeps } from './use-cases/provision-instance.ts';
import { applyPlanChange, type ApplyPlanChangeDeps } from './use-cases/apply-plan-change.ts';
import { applyRenewal } from './use-cases/apply-renewal.ts';

/**
 * What the instances module does after other modules' events. `order.paid` → the instance is
 * provisioned by the `instance.provision` job (one per order); as a head start, the process that
 * took the payment shows the address "en création" at once, even while the provisioning queue is
 * busy with another instance (the job does it too, so nothing is lost if that process dies).
 */
export function subscribeInstances(events: EventBus, deps: ProvisionInstanceDeps & ApplyPlanChangeDeps & { instances: InstancesService }): void {
  events.subscribe(orderPaid, {
    job: provisionInstanceJob,
    singletonKey: (e) => `order-${e.orderId}`,
    handle: (e) => provisionInstance(deps, e.orderId),
    atCommit: (e) => deps.instances.markCreating(e.orderId),
  });
  // A paid plan change applies at once: the head start is the whole of it (the job replays it harmlessly).
  events.subscribe(planChangePaid, {
    job: changePlanJob,
    singletonKey: (e) => `plan-change-${e.orderId}`,
    handle: (e) => applyPlanChange(deps, e),
    atCommit: (e) => applyPlanChange(deps, e),
  });
  // A paid renewal extends the period and restores a suspended instance at once (the job replays it harmlessly).
  events.subscribe(renewalPaid, {
    job: applyRenewalJob,
    singletonKey: (e) => `renewal-${e.orderId}`,
    handle: async (e) => {
      await applyRenewal(deps, e);
    },
    atCommit: async (e) => {
      await applyRenewal(deps, e);
    },
  });
}
