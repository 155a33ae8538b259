import assert from 'node:assert/strict';
import ICAL from 'ical.js';

/** One VEVENT of an .ics, read by ical.js (not by our generator), with what the tests check. */
export interface ParsedInvite {
  method: string | null;
  tzids: string[];
  uid: string;
  sequence: number;
  status: string | null;
  summary: string;
  location: string | null;
  url: string | null;
  description: string;
  organizer: string;
  attendees: string[];
  /** DTSTART's TZID parameter */
  startTzid: string | null;
  /** DTSTART as written (local time in its zone), e.g. 2026-10-20T10:00:00 */
  startLocal: string;
  /** DTSTART as an instant, through the VTIMEZONE of the file */
  start: Date;
  end: Date;
}

export function parseIcs(text: string): ParsedInvite[] {
  const cal = new ICAL.Component(ICAL.parse(text));
  const zones = cal.getAllSubcomponents('vtimezone');
  for (const z of zones) ICAL.TimezoneService.register(z);
  const method = cal.getFirstPropertyValue('method');
  return cal.getAllSubcomponents('vevent').map((ve) => {
    const ev = new ICAL.Event(ve);
    const dtstart = ve.getFirstProperty('dtstart');
    assert.ok(dtstart, 'DTSTART');
    return {
      method: method === null ? null : String(method),
      tzids: zones.map((z) => String(z.getFirstPropertyValue('tzid'))),
      uid: ev.uid,
      sequence: ev.sequence,
      status: (ve.getFirstPropertyValue('status') as string | null) ?? null,
      summary: ev.summary,
      location: ev.location ?? null,
      url: (ve.getFirstPropertyValue('url') as string | null) ?? null,
      description: ev.description,
      organizer: String(ve.getFirstPropertyValue('organizer')),
      attendees: ve.getAllProperties('attendee').map((p) => String(p.getFirstValue())),
      startTzid: (dtstart.getParameter('tzid') as string | undefined) ?? null,
      startLocal: ev.startDate.toString(),
      start: ev.startDate.toJSDate(),
      end: ev.endDate.toJSDate(),
    };
  });
}
