import type { EventBus } from '../../platform/events/event-bus.ts';
import { instanceEnded, instanceLive } from '../../events/domain-events.ts';
import { cancelEndedPlanChangeJob, forgetAdminPasswordJob } from './orders.jobs.ts';
import type { OrdersService } from './orders.service.ts';
import { cancelOpenOrdersOfEnded, type CancelOpenOrdersOfEndedDeps } from './use-cases/cancel-open-orders-of-ended.ts';

/**
 * What the orders module does after other modules' events. `instance.live` → the admin password
 * kept (sealed) with the order since it was placed is erased: the instance has it now. Done at once
 * by the process that saw the instance come up, and by the job if that process died first.
 * `instance.ended` → its plan change and renewal still awaiting payment are cancelled with their
 * quotes (nobody can pay for an ended instance), at once after the end's commit and by the job otherwise.
 */
export function subscribeOrders(events: EventBus, deps: CancelOpenOrdersOfEndedDeps & { orders: OrdersService }): void {
  events.subscribe(instanceLive, {
    job: forgetAdminPasswordJob,
    handle: (e) => deps.orders.forgetAdminPassword(e.orderId),
    atCommit: (e) => deps.orders.forgetAdminPassword(e.orderId),
  });
  events.subscribe(instanceEnded, {
    job: cancelEndedPlanChangeJob,
    handle: async (e) => {
      await cancelOpenOrdersOfEnded(deps, e.instanceId);
    },
    atCommit: async (e) => {
      await cancelOpenOrdersOfEnded(deps, e.instanceId);
    },
  });
}
