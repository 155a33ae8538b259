/**
 * Number and date formatting shared by the Factur-X XML and the PDF. Amounts are integer cents and are
 * formatted from integers (never `cents / 100` then `toFixed`), so no binary floating-point error can
 * show on a legal document.
 */

function assertCents(cents: number): void {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`amount must be integer cents, got ${cents}`);
}

/** 12345 → "123.45", -5 → "-0.05" (the XML decimal form, also accepted by Intl.NumberFormat as a string) */
export function centsToDecimal(cents: number): string {
  assertCents(cents);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * A decimal number (quantity, VAT rate) with a fixed number of decimals, rounded half away from zero on
 * the scaled integer: 5.5 → "5.50", 1 → "1.0000" (decimals 4).
 */
export function toFixedDecimal(value: number, decimals: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
  const scale = 10 ** decimals;
  const scaled = Math.round(Math.abs(value) * scale + Number.EPSILON * scale);
  const sign = value < 0 && scaled !== 0 ? '-' : '';
  const int = Math.trunc(scaled / scale);
  if (decimals === 0) return `${sign}${int}`;
  return `${sign}${int}.${String(scaled % scale).padStart(decimals, '0')}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseIsoDate(date: string): { year: number; month: number; day: number } {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`expected a calendar date YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`not a calendar date: ${date}`);
  }
  return { year, month, day };
}

/** UN/CEFACT date format 102: "2026-11-28" → "20261128" */
export function toDate102(date: string): string {
  parseIsoDate(date);
  return date.replaceAll('-', '');
}

/** French printed date: "2026-11-28" → "28/11/2026" */
export function toFrenchDate(date: string): string {
  const { year, month, day } = parseIsoDate(date);
  return `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year}`;
}

const PARIS_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Paris',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** minutes to add to UTC to get Paris wall time at instant t (60 in winter, 120 in summer) */
function parisOffsetMinutes(t: number): number {
  const parts: Record<string, number> = {};
  for (const p of PARIS_PARTS.formatToParts(new Date(t))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((wall - t) / 60_000);
}

/** The instant of 00:00 Europe/Paris on a calendar date (midnight is never inside a DST gap in Paris). */
export function parisMidnight(date: string): Date {
  const { year, month, day } = parseIsoDate(date);
  const wall = Date.UTC(year, month - 1, day);
  let t = wall - parisOffsetMinutes(wall) * 60_000;
  const offset = parisOffsetMinutes(t);
  t = wall - offset * 60_000;
  return new Date(t);
}
