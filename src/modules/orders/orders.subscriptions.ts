import type { EventBus } from '../../platform/events/event-bus.ts';
import { instanceLive } from '../../events/domain-events.ts';
import { forgetAdminPasswordJob } from './orders.jobs.ts';
import type { OrdersService } from './orders.service.ts';

/**
 * What the orders module does after other modules' events. `instance.live` → the admin password
 * kept (sealed) with the order since it was placed is erased: the instance has it now. Done at once
 * by the process that saw the instance come up, and by the job if that process died first.
 */
export function subscribeOrders(events: EventBus, deps: { orders: OrdersService }): void {
  events.subscribe(instanceLive, {
    job: forgetAdminPasswordJob,
    handle: (e) => deps.orders.forgetAdminPassword(e.orderId),
    atCommit: (e) => deps.orders.forgetAdminPassword(e.orderId),
  });
}
