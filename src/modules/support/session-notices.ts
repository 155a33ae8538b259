import type { Kysely } from 'kysely';
import type { DB, SupportSession } from '../../platform/db/schema.ts';
import type { MailService } from '../notifications/mail.service.ts';
import type { OperatorIdentity } from '../settings/settings.types.ts';
import { FORMAT_TEXT, formatDetailsText, sessionsCalendar } from './session-ics.ts';
import { durationText } from './session-time.ts';
import { calendarSession } from './support-sessions.service.ts';
import { sessionMail, sessionTitle, type SessionMailKind } from './support-sessions.mails.ts';

export const ICS_REQUEST = 'text/calendar; method=REQUEST; charset=utf-8';
export const ICS_CANCEL = 'text/calendar; method=CANCEL; charset=utf-8';

/** The calendar text of one session, as an invitation (or its update) or a cancellation. */
export function sessionIcs(s: SupportSession, o: { method: 'request' | 'cancel'; identity: OperatorIdentity; stamp: Date; portalUrl: string }): string {
  return sessionsCalendar([calendarSession(s)], {
    method: o.method,
    organizer: { name: o.identity.tradeName, email: o.identity.email },
    stamp: o.stamp,
    title: () => sessionTitle(o.identity.tradeName, s),
    description: () => [`${FORMAT_TEXT[s.format]}, ${durationText(s.duration_minutes)}.`, formatDetailsText(s.format, s.details), `Vos séances : ${o.portalUrl}/seances`].join('\n'),
  });
}

/**
 * One e-mail per participant, each with the session's .ics kept in the message (what "Renvoyer"
 * sends again is exactly what was sent), inside the caller's transaction.
 */
export async function notifySession(
  d: { mail: MailService; portalUrl: () => string },
  trx: Kysely<DB>,
  s: SupportSession,
  kind: SessionMailKind,
  o: { identity: OperatorIdentity; recipients: readonly string[]; userId: number | null; now: Date },
): Promise<void> {
  const method = kind === 'cancel' ? 'cancel' : 'request';
  const attach = kind !== 'reminder';
  const ics = attach ? sessionIcs(s, { method, identity: o.identity, stamp: o.now, portalUrl: d.portalUrl() }) : '';
  for (const to of o.recipients) {
    await d.mail.enqueue(trx, {
      recipients: [to],
      template: `support.session.${kind}`,
      userId: o.userId,
      rendered: sessionMail(kind, { site: o.identity.tradeName, session: s, portalUrl: d.portalUrl() }),
      ...(attach ? { attachments: [{ kind: 'inline' as const, filename: kind === 'cancel' ? 'annulation.ics' : 'invitation.ics', contentType: method === 'cancel' ? ICS_CANCEL : ICS_REQUEST, content: ics }] } : {}),
    });
  }
}

/** The operator's private feed: every session (cancelled ones as CANCELLED), titled with the organisation. */
export function sessionsFeed(sessions: readonly (SupportSession & { organisation: string; request_id: number })[], o: { identity: OperatorIdentity; stamp: Date; portalUrl: string }): string {
  const byUid = new Map(sessions.map((s) => [s.uid, s]));
  return sessionsCalendar(sessions.map(calendarSession), {
    method: 'feed',
    organizer: { name: o.identity.tradeName, email: o.identity.email },
    stamp: o.stamp,
    title: (c) => `${byUid.get(c.uid)!.organisation} — ${c.topic || FORMAT_TEXT[c.format]}`,
    description: (c) => {
      const s = byUid.get(c.uid)!;
      return [`${FORMAT_TEXT[s.format]}, ${durationText(s.duration_minutes)}.`, formatDetailsText(s.format, s.details), `Participants : ${s.participants.join(', ')}`, `${o.portalUrl}/backoffice/demandes/${s.request_id}/seances/${s.id}`].join('\n');
    },
  });
}
