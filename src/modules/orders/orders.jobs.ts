import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/** Daily: validated orders whose quote lapsed unpaid become "expired" and free their instance name. */
export const expireOrdersJob = defineJob('orders.expire', z.object({}), { retryLimit: 3, retryDelay: 300 });

/** After `instance.ended`: the instance's plan change and renewal awaiting payment are cancelled (idempotent; the queue's name is kept from when it cancelled plan changes only). */
export const cancelEndedPlanChangeJob = defineJob(
  'orders.cancel-ended-plan-change',
  z.object({ instanceId: z.number().int().positive(), orderId: z.number().int().positive() }),
  { retryLimit: 10, retryDelay: 30, retryBackoff: true, retryDelayMax: 3600 },
);

/** After `instance.live`: the admin password kept with the order is erased (idempotent). */
export const forgetAdminPasswordJob = defineJob(
  'orders.forget-admin-password',
  z.object({ instanceId: z.number().int().positive(), orderId: z.number().int().positive() }),
  { retryLimit: 10, retryDelay: 30, retryBackoff: true, retryDelayMax: 3600 },
);
