import { TZDate } from '@date-fns/tz';

/** Sessions are agreed in Paris time: "10:00" stays 10:00 local, whatever the UTC offset that day. */
export const SESSION_TZ = 'Europe/Paris';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * The instant of a local date-time in a time zone, or null when that local time does not exist
 * (the hour skipped on the last Sunday of March) or is not a date-time at all.
 */
export function instantOf(local: string, tz: string = SESSION_TZ): TZDate | null {
  const m = LOCAL.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const at = new TZDate(y, mo - 1, d, h, mi, 0, tz);
  // A local time in the spring gap is moved by an hour: then it is not the time that was asked.
  if (at.getFullYear() !== y || at.getMonth() !== mo - 1 || at.getDate() !== d || at.getHours() !== h || at.getMinutes() !== mi) return null;
  return at;
}

/** The same instant as a TZDate of the zone, for calendars (DTSTART;TZID=…) and display. */
export function inZone(at: Date, tz: string = SESSION_TZ): TZDate {
  return new TZDate(at.getTime(), tz);
}

/** The local date-time 'YYYY-MM-DDTHH:MM' of an instant in a zone. */
export function localOf(at: Date, tz: string = SESSION_TZ): string {
  const z = inZone(at, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${z.getFullYear()}-${p(z.getMonth() + 1)}-${p(z.getDate())}T${p(z.getHours())}:${p(z.getMinutes())}`;
}

/** "mardi 20 octobre 2026 à 10:00" (or in English), in the session's zone. */
export function sessionWhen(at: Date, locale: 'fr' | 'en', tz: string = SESSION_TZ): string {
  const date = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: tz, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat('fr-FR', { timeZone: tz, hour: '2-digit', minute: '2-digit' }).format(at);
  return locale === 'fr' ? `${date} à ${time}` : `${date} at ${time}`;
}

/** "2 h", "1 h 30", "7 h". */
export function durationText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : h === 0 ? `${m} min` : `${h} h ${String(m).padStart(2, '0')}`;
}
