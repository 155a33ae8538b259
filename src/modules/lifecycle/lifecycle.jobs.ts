import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * The hosting year's daily sweep (renewal orders, reminders, grace, suspension, end of retention),
 * for every day since the last one that finished, up to today. A pg-boss schedule sends it once per
 * cron tick for the whole cluster, and its singleton key keeps one run at a time.
 */
export const lifecycleSweepJob = defineJob('lifecycle.sweep', z.object({}), { retryLimit: 5, retryDelay: 300, retryBackoff: true });
