import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Creates the instance of a paid order. Enqueued by the "order paid" step with the order id as
 * singleton key; the instances module works it (until it exists, the job waits in the queue and the
 * order shows "payée — instance en cours de création").
 */
export const provisionInstanceJob = defineJob('instance.provision', z.object({ orderId: z.number().int().positive() }), {
  retryLimit: 10,
  retryDelay: 30,
  retryBackoff: true,
});
