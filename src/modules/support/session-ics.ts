import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { SupportFormat } from '../../platform/db/schema.ts';
import { inZone } from './session-time.ts';
import { FORMAT_LABELS } from './support.labels.ts';

export interface CalendarSession {
  uid: string;
  sequence: number;
  state: 'planned' | 'done' | 'cancelled';
  topic: string;
  startsAt: Date;
  tz: string;
  durationMinutes: number;
  format: SupportFormat;
  details: string;
  participants: string[];
}

export const FORMAT_TEXT: Record<SupportFormat, string> = FORMAT_LABELS.fr;

/** What a participant needs to know of the session's format, said once for the e-mail and the calendar. */
export function formatDetailsText(format: SupportFormat, details: string): string {
  switch (format) {
    case 'on_site':
      return `Adresse : ${details}`;
    case 'remote_presentation':
      return `Rejoignez la présentation à l'adresse : ${details}`;
    case 'remote_control':
      return `Avant la séance, téléchargez l'outil de prise de contrôle à distance : ${details}`;
  }
}

function location(s: CalendarSession): string {
  return s.format === 'on_site' ? s.details : s.format === 'remote_presentation' ? s.details : FORMAT_TEXT.remote_control;
}

/**
 * The iCalendar (RFC 5545) of sessions: METHOD:REQUEST for an invitation or its update (the same UID,
 * a higher SEQUENCE), METHOD:CANCEL for a cancellation, or no method for a subscribed feed. The start
 * is written in the session's zone (DTSTART;TZID=Europe/Paris) with that zone's VTIMEZONE.
 */
export function sessionsCalendar(
  sessions: readonly CalendarSession[],
  o: { method: 'request' | 'cancel' | 'feed'; organizer: { name: string; email: string }; stamp: Date; title: (s: CalendarSession) => string; description: (s: CalendarSession) => string; url?: (s: CalendarSession) => string | null },
): string {
  const cal = ical({
    prodId: { company: o.organizer.name || 'ecrin', product: 'ecrin', language: 'FR' },
    ...(o.method === 'feed' ? { name: `Séances — ${o.organizer.name}` } : { method: o.method === 'cancel' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST }),
  });
  cal.timezone({ name: null, generator: (tz) => tzlib_get_ical_block(tz)[0] ?? null });
  for (const s of sessions) {
    const start = inZone(s.startsAt, s.tz);
    const end = inZone(new Date(s.startsAt.getTime() + s.durationMinutes * 60_000), s.tz);
    const url = o.url?.(s) ?? (s.format === 'on_site' ? null : s.details);
    cal.createEvent({
      id: s.uid,
      sequence: s.sequence,
      stamp: o.stamp,
      start,
      end,
      timezone: s.tz,
      summary: o.title(s),
      location: location(s),
      description: o.description(s),
      ...(url ? { url } : {}),
      status: o.method === 'cancel' || s.state === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      organizer: { name: o.organizer.name, email: o.organizer.email },
      attendees: s.participants.map((email) => ({ email, rsvp: o.method === 'request', role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION })),
    });
  }
  return cal.toString();
}
