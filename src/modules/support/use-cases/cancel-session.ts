import type { SupportSession } from '../../../platform/db/schema.ts';
import { AppError } from '../../../errors/app-error.ts';
import { notifySession } from '../session-notices.ts';
import type { SessionUseCaseDeps } from './plan-session.ts';

/** The operator cancels a planned session: SEQUENCE + 1, and every participant gets METHOD:CANCEL. */
export async function cancelSession(d: SessionUseCaseDeps, sessionId: number, by: { operatorId: number; ip: string | null }): Promise<SupportSession> {
  const current = await d.supportSessions.get(sessionId);
  if (!current) throw new AppError('not_found');
  const quote = await d.billing.findDocument({ id: current.quote_id });
  const identity = await d.settings.operatorIdentity();
  const now = d.clock.now();
  return d.db.transaction().execute(async (trx) => {
    const locked = await d.supportSessions.lock(trx, sessionId);
    if (!locked || locked.state !== 'planned') throw new AppError('session_closed');
    const s = await d.supportSessions.cancel(trx, sessionId);
    await notifySession(d, trx, s, 'cancel', { identity, recipients: s.participants, userId: quote?.user_id ?? null, now });
    await d.audit.record({ action: 'support.session_cancelled', actorUserId: by.operatorId, subjectUserId: quote?.user_id ?? null, ip: by.ip, at: now, details: { sessionId, uid: s.uid, sequence: s.sequence } }, trx);
    return s;
  });
}
