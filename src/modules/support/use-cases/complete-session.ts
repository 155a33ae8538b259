import type { SupportSession } from '../../../platform/db/schema.ts';
import { AppError } from '../../../errors/app-error.ts';
import type { SessionUseCaseDeps } from './plan-session.ts';

export type CompleteResult = { ok: true; session: SupportSession } | { ok: false; errors: { hours: 'session_hours_done_invalid' | 'session_not_started' } };

/**
 * The operator marks a session done, with the hours actually done (counted against the hours
 * quoted, and invoiced at the end): only once its start time has passed, and not once the
 * accompaniment has its final invoice.
 */
export async function completeSession(d: Pick<SessionUseCaseDeps, 'db' | 'support' | 'supportSessions' | 'billing' | 'audit' | 'clock'>, sessionId: number, hoursText: string, by: { operatorId: number; ip: string | null }): Promise<CompleteResult> {
  const current = await d.supportSessions.get(sessionId);
  if (!current) throw new AppError('not_found');
  if (new Date(current.starts_at).getTime() > d.clock.now().getTime()) return { ok: false, errors: { hours: 'session_not_started' } };
  const hours = d.supportSessions.parseHoursDone(hoursText);
  if (hours === null) return { ok: false, errors: { hours: 'session_hours_done_invalid' } };
  const quote = await d.billing.findDocument({ id: current.quote_id });
  const session = await d.db.transaction().execute(async (trx) => {
    // Under the quote's lock, as its final invoice is issued: hours done never change after it.
    await d.support.lockQuote(trx, current.quote_id);
    if ((await d.support.invoicesOf([current.quote_id], trx)).some((i) => i.kind === 'final')) throw new AppError('support_already_invoiced');
    const locked = await d.supportSessions.lock(trx, sessionId);
    if (!locked || locked.state !== 'planned') throw new AppError('session_closed');
    const s = await d.supportSessions.markDone(trx, sessionId, hours);
    await d.audit.record({ action: 'support.session_done', actorUserId: by.operatorId, subjectUserId: quote?.user_id ?? null, ip: by.ip, at: d.clock.now(), details: { sessionId, uid: s.uid, hours } }, trx);
    return s;
  });
  return { ok: true, session };
}
