import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/** Delivers one recorded mail message. Retried with backoff: an SMTP outage delays mail, loses none. */
export const sendMailJob = defineJob('mail.send', z.object({ messageId: z.number().int().positive() }), {
  retryLimit: 12,
  retryDelay: 15,
  retryBackoff: true,
  retryDelayMax: 3600,
  expireInSeconds: 120,
});
