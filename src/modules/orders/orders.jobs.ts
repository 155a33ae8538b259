import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/** Daily: validated orders whose quote lapsed unpaid become "expired" and free their instance name. */
export const expireOrdersJob = defineJob('orders.expire', z.object({}), { retryLimit: 3, retryDelay: 300 });
