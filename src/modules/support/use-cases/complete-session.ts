import type { SupportSession } from '../../../platform/db/schema.ts';
import { AppError } from '../../../errors/app-error.ts';
import type { SessionUseCaseDeps } from './plan-session.ts';

export type CompleteResult = { ok: true; session: SupportSession } | { ok: false; errors: { hours: 'session_hours_done_invalid' } };

/** The operator marks a session done, with the hours actually done (counted against the hours quoted). */
export async function completeSession(d: Pick<SessionUseCaseDeps, 'db' | 'supportSessions' | 'billing' | 'audit' | 'clock'>, sessionId: number, hoursText: string, by: { operatorId: number; ip: string | null }): Promise<CompleteResult> {
  const current = await d.supportSessions.get(sessionId);
  if (!current) throw new AppError('not_found');
  const hours = d.supportSessions.parseHoursDone(hoursText);
  if (hours === null) return { ok: false, errors: { hours: 'session_hours_done_invalid' } };
  const quote = await d.billing.findDocument({ id: current.quote_id });
  const session = await d.db.transaction().execute(async (trx) => {
    const locked = await d.supportSessions.lock(trx, sessionId);
    if (!locked || locked.state !== 'planned') throw new AppError('session_closed');
    const s = await d.supportSessions.markDone(trx, sessionId, hours);
    await d.audit.record({ action: 'support.session_done', actorUserId: by.operatorId, subjectUserId: quote?.user_id ?? null, ip: by.ip, at: d.clock.now(), details: { sessionId, uid: s.uid, hours } }, trx);
    return s;
  });
  return { ok: true, session };
}
