import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Runs the "order paid" step for a quote. Enqueued in the same transaction as every payment, so a
 * payment recorded is settled even if the process dies right after; settling twice does nothing.
 */
export const settleQuoteJob = defineJob('payments.settle', z.object({ quoteId: z.number().int().positive() }), {
  retryLimit: 20,
  retryDelay: 10,
  retryBackoff: true,
  retryDelayMax: 600,
});
