import type { Kysely } from 'kysely';
import { AppError } from '../../../errors/app-error.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { DB, SupportSession } from '../../../platform/db/schema.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { acceptedQuoteOf } from '../accepted-quote.ts';
import { notifySession } from '../session-notices.ts';
import type { SessionErrors, SessionForm, SupportSessionsService } from '../support-sessions.service.ts';
import type { SupportService } from '../support.service.ts';

export interface SessionUseCaseDeps {
  db: Kysely<DB>;
  support: SupportService;
  supportSessions: SupportSessionsService;
  billing: BillingService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

/** What planning or changing a session gives: done, refused with the fields' errors, or warned of overlaps. */
export type SessionChangeResult =
  | { ok: true; session: SupportSession }
  | { ok: false; errors: SessionErrors }
  | { ok: false; overlaps: SupportSession[] };

/**
 * The operator plans a session of an accepted accompaniment quote: checked (a date to come, a
 * duration of its format, its details, valid participants), warned when it overlaps another
 * planned session unless the operator confirmed, then recorded with its stable UID and each
 * participant invited by e-mail with the .ics — in one transaction.
 */
export async function planSession(d: SessionUseCaseDeps, requestId: number, form: SessionForm, by: { operatorId: number; ip: string | null; confirmOverlap: boolean }): Promise<SessionChangeResult> {
  const request = await d.support.get(requestId);
  if (!request) throw new AppError('not_found');
  const quote = await acceptedQuoteOf(d, requestId);
  if (!quote) throw new AppError('session_quote_not_accepted');
  const parsed = d.supportSessions.parse(form);
  if (!parsed.ok) return parsed;
  if (!by.confirmOverlap) {
    const overlaps = await d.supportSessions.overlapping(parsed.input, null);
    if (overlaps.length > 0) return { ok: false, overlaps };
  }
  const identity = await d.settings.operatorIdentity();
  const now = d.clock.now();
  const session = await d.db.transaction().execute(async (trx) => {
    await d.support.lockQuote(trx, quote.doc.id);
    if ((await d.support.invoicesOf([quote.doc.id], trx)).some((i) => i.kind === 'final')) throw new AppError('support_already_invoiced');
    const s = await d.supportSessions.create(trx, quote.doc.id, parsed.input, by.operatorId, new URL(d.portalUrl()).hostname);
    await notifySession(d, trx, s, 'invitation', { identity, recipients: s.participants, userId: quote.doc.user_id, now });
    await d.audit.record({ action: 'support.session_planned', actorUserId: by.operatorId, subjectUserId: quote.doc.user_id, ip: by.ip, at: now, details: { requestId, quote: quote.number, sessionId: s.id, uid: s.uid, starts: s.starts_local } }, trx);
    return s;
  });
  return { ok: true, session };
}
