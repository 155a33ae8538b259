import { addDays, daysBetween } from '../../platform/dates.ts';
import type { Instance, Order } from '../../platform/db/schema.ts';
import type { BillingService } from '../billing/billing.service.ts';
import type { OrdersService } from '../orders/orders.service.ts';
import type { PaymentsService } from '../payments/payments.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { LifecycleSettings } from '../settings/settings.types.ts';

/**
 * The dates of a renewal left unpaid, from the last day of the period: served until `suspendOn`
 * (excluded), data kept until `dataUntil` (included); `retentionOverOn` the instance is to be ended.
 */
export function lapseDates(periodEnd: string, l: LifecycleSettings): { suspendOn: string; dataUntil: string; retentionOverOn: string } {
  const start = addDays(periodEnd, 1);
  const suspendOn = addDays(start, l.graceDays);
  const retentionOverOn = addDays(suspendOn, l.retentionDays);
  return { suspendOn, dataUntil: addDays(retentionOverOn, -1), retentionOverOn };
}

/** A renewal the customer cancelled: the instance ends with its period, its data kept `retentionDays`. */
export function declinedDates(periodEnd: string, l: LifecycleSettings): { endsOn: string; dataUntil: string; retentionOverOn: string } {
  const endsOn = addDays(periodEnd, 1);
  const retentionOverOn = addDays(endsOn, l.retentionDays);
  return { endsOn, dataUntil: addDays(retentionOverOn, -1), retentionOverOn };
}

export type RenewalPhase = 'upcoming' | 'issued' | 'grace' | 'suspended' | 'declined' | 'paid';

export interface RenewalStatus {
  phase: RenewalPhase;
  periodEnd: string;
  /** the day the renewal order is (or was) issued */
  issueOn: string;
  order: Order | null;
  quoteNumber: string | null;
  dueCents: number;
  suspendOn: string;
  dataUntil: string;
}

/**
 * Where an instance stands in its year, as the portal and the front door tell it: its renewal order
 * (the latest for the period after the current one), what is still due on its quote, and the dates.
 */
export async function renewalStatus(d: { orders: OrdersService; billing: BillingService; payments: PaymentsService; settings: SettingsService }, instance: Instance, today: string): Promise<RenewalStatus | null> {
  if (!instance.period_end) return null;
  const l = await d.settings.lifecycle();
  const periodEnd = String(instance.period_end);
  const order = (await d.orders.latestRenewal(instance.id, addDays(periodEnd, 1))) ?? null;
  const issueOn = addDays(periodEnd, 1 - l.renewalLeadDays);
  const base = { periodEnd, issueOn, order, quoteNumber: null, dueCents: 0 };
  if (!order) return { ...base, phase: 'upcoming', ...lapseDates(periodEnd, l) };
  if (order.status === 'cancelled') return { ...base, phase: 'declined', suspendOn: declinedDates(periodEnd, l).endsOn, dataUntil: declinedDates(periodEnd, l).dataUntil };
  const quote = await d.billing.latestQuoteForOrder(order.id);
  const dueCents = quote ? (await d.payments.balance(quote)).dueCents : 0;
  const dates = lapseDates(periodEnd, l);
  const phase: RenewalPhase = order.status === 'paid' ? 'paid' : instance.state === 'suspended' ? 'suspended' : daysBetween(periodEnd, today) > 0 ? 'grace' : 'issued';
  return { ...base, phase, quoteNumber: quote?.number ?? null, dueCents, ...dates };
}
