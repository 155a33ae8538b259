import { addDays, parisDate } from '../../../platform/dates.ts';
import { notifySession } from '../session-notices.ts';
import { instantOf, inZone } from '../session-time.ts';
import type { SessionUseCaseDeps } from './plan-session.ts';

/** Reminders go out from this hour (Paris) on the day before: not in the night. */
export const REMINDER_FROM_HOUR = 8;

/**
 * Hourly: each planned session of tomorrow (Paris) whose reminder is not sent gets one, to its
 * participants — once: the claim and the e-mails are one transaction, and a session moved since is
 * armed again for its new date. Returns how many sessions were reminded.
 */
export async function sendSessionReminders(d: Pick<SessionUseCaseDeps, 'db' | 'supportSessions' | 'billing' | 'settings' | 'mail' | 'clock' | 'portalUrl'>): Promise<number> {
  const now = d.clock.now();
  if (inZone(now).getHours() < REMINDER_FROM_HOUR) return 0;
  const tomorrow = addDays(parisDate(now), 1);
  const from = instantOf(`${tomorrow}T00:00`)!;
  const to = instantOf(`${addDays(tomorrow, 1)}T00:00`)!;
  const due = await d.supportSessions.remindable(from, to);
  if (due.length === 0) return 0;
  const identity = await d.settings.operatorIdentity();
  let sent = 0;
  for (const s of due) {
    const quote = await d.billing.findDocument({ id: s.quote_id });
    const claimed = await d.db.transaction().execute(async (trx) => {
      if (!(await d.supportSessions.claimReminder(trx, s))) return false;
      await notifySession(d, trx, s, 'reminder', { identity, recipients: s.participants, userId: quote?.user_id ?? null, now });
      return true;
    });
    if (claimed) sent++;
  }
  return sent;
}
