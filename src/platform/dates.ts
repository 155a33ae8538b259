/** Calendar dates ('YYYY-MM-DD') as seen in Europe/Paris, where service periods and due dates live. */
const parisFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

export function parisDate(at: Date): string {
  return parisFormat.format(at);
}

export function parisYear(at: Date): number {
  return Number(parisDate(at).slice(0, 4));
}

function parse(date: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a calendar date: ${date}`);
  return new Date(`${date}T00:00:00Z`);
}

function format(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const d = parse(date);
  d.setUTCDate(d.getUTCDate() + days);
  return format(d);
}

/** One year later, the day before: 2026-03-01 → 2027-02-28 (a yearly service period's last day). */
export function yearEnd(start: string): string {
  const d = parse(start);
  const target = new Date(Date.UTC(d.getUTCFullYear() + 1, d.getUTCMonth(), d.getUTCDate()));
  // 29 February has no twin next year: the period then ends on 28 February.
  if (target.getUTCMonth() !== d.getUTCMonth()) target.setUTCDate(0);
  else target.setUTCDate(target.getUTCDate() - 1);
  return format(target);
}

/** Days from a to b (b − a), both calendar dates. */
export function daysBetween(a: string, b: string): number {
  return Math.round((parse(b).getTime() - parse(a).getTime()) / 86_400_000);
}

export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return format(parse(value)) === value;
}

export function frenchDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}
