import { daysBetween, frenchDate } from '../../platform/dates.ts';
import { formatMoney } from '../../web/i18n.ts';

/**
 * The price of changing plan during a period: the difference of the yearly prices, for the days left.
 *
 *   round_half_up((new − old) × remaining_days / period_days)   (cents)
 *
 * `remaining_days` counts from the day of the change to the period's last day, both included;
 * `period_days` the whole period, both ends included (365 or 366). Integer arithmetic only.
 */
export function proratedCents(newCents: number, oldCents: number, remainingDays: number, periodDays: number): number {
  for (const [name, v] of Object.entries({ newCents, oldCents, remainingDays, periodDays })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer`);
  }
  if (periodDays === 0 || remainingDays > periodDays) throw new RangeError('remaining days must lie within the period');
  if (newCents <= oldCents) throw new RangeError('a plan change is priced only towards a dearer plan');
  const numerator = (newCents - oldCents) * remainingDays;
  // round half up on non-negative integers: floor((2n + d) / 2d)
  return Math.floor((2 * numerator + periodDays) / (2 * periodDays));
}

export interface PlanChangeQuote {
  /** first day at the new plan (the day of the change), last day (the period's end, unchanged) */
  from: string;
  to: string;
  remainingDays: number;
  periodDays: number;
  differenceCents: number;
  amountCents: number;
  /** the line as printed on the quote, with its computation */
  label: string;
}

/** The quote line of a change from one plan to a dearer one on `today`, for a period [start, end]. */
export function planChange(o: { fromName: string; toName: string; fromCents: number; toCents: number; periodStart: string; periodEnd: string; today: string }): PlanChangeQuote {
  if (o.today < o.periodStart || o.today > o.periodEnd) throw new RangeError('the change must fall within the period');
  const periodDays = daysBetween(o.periodStart, o.periodEnd) + 1;
  const remainingDays = daysBetween(o.today, o.periodEnd) + 1;
  const differenceCents = o.toCents - o.fromCents;
  const amountCents = proratedCents(o.toCents, o.fromCents, remainingDays, periodDays);
  return {
    from: o.today,
    to: o.periodEnd,
    remainingDays,
    periodDays,
    differenceCents,
    amountCents,
    label: `Changement de forfait ${o.fromName} → ${o.toName} du ${frenchDate(o.today)} au ${frenchDate(o.periodEnd)} : ${formatMoney(differenceCents, 'fr').replace(/[\u202f\u00a0]/g, ' ')} × ${remainingDays}/${periodDays} jours`,
  };
}
