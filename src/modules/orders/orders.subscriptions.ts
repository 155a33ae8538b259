import type { EventBus } from '../../platform/events/event-bus.ts';
import { instanceEnded, instanceLive } from '../../events/domain-events.ts';
import { cancelEndedPlanChangeJob, forgetAdminPasswordJob } from './orders.jobs.ts';
import type { OrdersService } from './orders.service.ts';
import { cancelPlanChangeOfEnded, type CancelPlanChangeOfEndedDeps } from './use-cases/cancel-plan-change-of-ended.ts';

/**
 * What the orders module does after other modules' events. `instance.live` → the admin password
 * kept (sealed) with the order since it was placed is erased: the instance has it now. Done at once
 * by the process that saw the instance come up, and by the job if that process died first.
 * `instance.ended` → its plan change still awaiting payment is cancelled with its quote (nobody can
 * pay for an ended instance), at once after the end's commit and by the job otherwise.
 */
export function subscribeOrders(events: EventBus, deps: CancelPlanChangeOfEndedDeps & { orders: OrdersService }): void {
  events.subscribe(instanceLive, {
    job: forgetAdminPasswordJob,
    handle: (e) => deps.orders.forgetAdminPassword(e.orderId),
    atCommit: (e) => deps.orders.forgetAdminPassword(e.orderId),
  });
  events.subscribe(instanceEnded, {
    job: cancelEndedPlanChangeJob,
    handle: async (e) => {
      await cancelPlanChangeOfEnded(deps, e.instanceId);
    },
    atCommit: async (e) => {
      await cancelPlanChangeOfEnded(deps, e.instanceId);
    },
  });
}
