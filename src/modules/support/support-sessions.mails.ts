import type { SupportSession } from '../../platform/db/schema.ts';
import { renderMail, type RenderedMail } from '../notifications/mail-layout.ts';
import { FORMAT_TEXT, formatDetailsText } from './session-ics.ts';
import { durationText, sessionWhen } from './session-time.ts';

export type SessionMailKind = 'invitation' | 'update' | 'cancel' | 'reminder';

function facts(s: SupportSession): string[] {
  return [
    `Date : ${sessionWhen(new Date(s.starts_at), 'fr', s.tz)} (heure de Paris), durée ${durationText(s.duration_minutes)}.`,
    `Format : ${FORMAT_TEXT[s.format]}.`,
    formatDetailsText(s.format, s.details),
    ...(s.topic ? [`Sujet : ${s.topic}`] : []),
  ];
}

/** The title of the session in calendars and subjects. */
export function sessionTitle(site: string, s: Pick<SupportSession, 'topic'>): string {
  return s.topic ? `Accompagnement ${site} — ${s.topic}` : `Séance d'accompagnement ${site}`;
}

/** To a participant: the invitation, its update, its cancellation, or the reminder the day before. */
export function sessionMail(kind: SessionMailKind, d: { site: string; session: SupportSession; portalUrl: string }): RenderedMail {
  const when = sessionWhen(new Date(d.session.starts_at), 'fr', d.session.tz);
  const title = sessionTitle(d.site, d.session);
  const subject = {
    invitation: `Invitation : ${title} — ${when}`,
    update: `Séance modifiée : ${title} — ${when}`,
    cancel: `Séance annulée : ${title} — ${when}`,
    reminder: `Rappel : ${title} demain — ${when}`,
  }[kind];
  const opening = {
    invitation: 'Une séance d’accompagnement est planifiée. L’invitation jointe (fichier .ics) l’ajoute à votre agenda.',
    update: 'La séance d’accompagnement a changé. L’invitation jointe met à jour votre agenda ; voici ce qui vaut désormais :',
    cancel: 'La séance d’accompagnement ci-dessous est annulée. Le fichier joint la retire de votre agenda.',
    reminder: 'Pour rappel, votre séance d’accompagnement a lieu demain.',
  }[kind];
  return renderMail('fr', {
    subject,
    greeting: 'Bonjour,',
    paragraphs: [opening, ...facts(d.session)],
    action: { label: 'Voir vos séances', url: `${d.portalUrl}/seances` },
    signature: `L'équipe ${d.site}`,
  });
}
