import { AppError } from '../../../errors/app-error.ts';
import { notifySession } from '../session-notices.ts';
import type { SessionForm } from '../support-sessions.service.ts';
import type { SessionChangeResult, SessionUseCaseDeps } from './plan-session.ts';

/**
 * The operator moves (or otherwise changes) a planned session: the same UID, a higher SEQUENCE;
 * each participant gets the update, a participant taken off the list gets a cancellation, and a new
 * start re-arms the reminder. The agreed local time is what is kept: 10:00 in Paris stays 10:00
 * across a change of UTC offset.
 */
export async function moveSession(d: SessionUseCaseDeps, sessionId: number, form: SessionForm, by: { operatorId: number; ip: string | null; confirmOverlap: boolean }): Promise<SessionChangeResult> {
  const current = await d.supportSessions.get(sessionId);
  if (!current) throw new AppError('not_found');
  if (current.state !== 'planned') throw new AppError('session_closed');
  const parsed = d.supportSessions.parse(form);
  if (!parsed.ok) return parsed;
  if (!by.confirmOverlap) {
    const overlaps = await d.supportSessions.overlapping(parsed.input, sessionId);
    if (overlaps.length > 0) return { ok: false, overlaps };
  }
  const quote = await d.billing.findDocument({ id: current.quote_id });
  const identity = await d.settings.operatorIdentity();
  const now = d.clock.now();
  const session = await d.db.transaction().execute(async (trx) => {
    const locked = await d.supportSessions.lock(trx, sessionId);
    if (!locked || locked.state !== 'planned') throw new AppError('session_closed');
    const s = await d.supportSessions.update(trx, locked, parsed.input);
    const removed = locked.participants.filter((p) => !s.participants.includes(p));
    await notifySession(d, trx, s, 'update', { identity, recipients: s.participants, userId: quote?.user_id ?? null, now });
    if (removed.length > 0) await notifySession(d, trx, { ...s, participants: removed }, 'cancel', { identity, recipients: removed, userId: quote?.user_id ?? null, now });
    await d.audit.record({ action: 'support.session_moved', actorUserId: by.operatorId, subjectUserId: quote?.user_id ?? null, ip: by.ip, at: now, details: { sessionId, uid: s.uid, sequence: s.sequence, from: locked.starts_local, to: s.starts_local } }, trx);
    return s;
  });
  return { ok: true, session };
}
