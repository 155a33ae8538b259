import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/** Hourly: the reminder of each session planned for tomorrow (Paris), once per session and date. */
export const sessionRemindersJob = defineJob('support.session-reminders', z.object({}), { retryLimit: 3, retryDelay: 300 });
