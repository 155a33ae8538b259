import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Every hour: the automatic archive of each active instance whose quiet hour it is (spread over
 * the night), and expired automatic and safety archives removed. The archives themselves are
 * actions (`archives.action`), verified like any other, retried, and failed loudly.
 */
export const nightlyArchivesJob = defineJob('archives.nightly', z.object({}), { retryLimit: 0, expireInSeconds: 600 });
