import { z } from 'zod';
import { defineEvent } from '../platform/events/event-bus.ts';

/**
 * The events modules tell each other, in one list: each is recorded by the module that owns the
 * fact, in the transaction that makes it true, and handled after commit by the modules subscribed
 * to it (their subscriptions are in `<module>.subscriptions.ts`). Kept outside every module so
 * that emitter and subscriber depend on this list and not on each other.
 */

/** An order's quote is covered and its invoice issued: the order is paid (recorded by orders, in "settle"). */
export const orderPaid = defineEvent('order.paid', z.object({ orderId: z.number().int().positive() }));

/** A plan change's quote is covered and invoiced: the instance moves to the new plan (recorded by orders, in "settle"). */
export const planChangePaid = defineEvent('plan_change.paid', z.object({ orderId: z.number().int().positive(), instanceId: z.number().int().positive(), planCode: z.string().min(1) }));

/** A renewal's quote is covered and invoiced: the instance's period runs on from its old end (recorded by orders, in "settle"). */
export const renewalPaid = defineEvent('renewal.paid', z.object({ orderId: z.number().int().positive(), instanceId: z.number().int().positive(), planCode: z.string().min(1), renewsFrom: z.string(), renewsTo: z.string() }));

/** An instance answered through the front door for the first time: it is live (recorded by instances). */
export const instanceLive = defineEvent('instance.live', z.object({ instanceId: z.number().int().positive(), orderId: z.number().int().positive() }));

/** An instance was ended and destroyed, its final archive kept (recorded by archives, in "end-instance"). */
export const instanceEnded = defineEvent('instance.ended', z.object({ instanceId: z.number().int().positive(), orderId: z.number().int().positive() }));

export const domainEvents = [orderPaid, planChangePaid, renewalPaid, instanceLive, instanceEnded] as const;
