import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Every hour: the automatic archive of each active instance whose quiet hour it is (spread over
 * the night), and expired automatic and safety archives removed. The archives themselves are
 * actions (`archives.action`), verified like any other, retried, and failed loudly.
 */
export const nightlyArchivesJob = defineJob('archives.nightly', z.object({}), { retryLimit: 0, expireInSeconds: 600 });

/** How long an end waits before looking again when a restore runs on its instance (seconds). */
export const END_WAIT_FOR_RESTORE_SECONDS = 30;

/**
 * Ends an instance (use-cases/end-instance.ts): its final archive, then its destruction. One
 * pending per instance (singleton key); idempotent, so a retry or a restart finishes it, once. While a
 * restore waits or runs on the instance, the job sends itself again for later instead of ending it.
 */
export const endInstanceJob = defineJob(
  'archives.end_instance',
  z.object({ instanceId: z.number().int().positive(), reason: z.enum(['unpaid', 'customer', 'account_closed']), actorUserId: z.number().int().positive().nullable(), ip: z.string().max(64).nullable() }),
  { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 3600 },
);
