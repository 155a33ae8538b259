import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import { addDays, frenchDate } from '../../../platform/dates.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { ErrorCode } from '../../../errors/app-error.ts';
import type { CurrentUser } from '../../../web/context.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import { planChange, type PlanChangeQuote } from '../../orders/proration.ts';
import { mailQuote } from '../../orders/use-cases/quote-steps.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { PlanView } from '../../settings/settings.types.ts';
import type { InstancesService } from '../instances.service.ts';

export interface RequestPlanChangeDeps {
  db: Kysely<DB>;
  instances: InstancesService;
  orders: OrdersService;
  billing: BillingService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

export interface PlanChangeOffer {
  plan: PlanView;
  quote: PlanChangeQuote;
}

/** The dearer plans an instance can move to today, each priced by the proration rule. */
export async function planChangeOffers(d: Pick<RequestPlanChangeDeps, 'settings' | 'billing'>, instance: { plan_code: string; period_start: string | null; period_end: string | null }): Promise<{ current: PlanView | null; offers: PlanChangeOffer[]; error?: ErrorCode }> {
  const plans = await d.settings.plans();
  const current = plans.find((p) => p.code === instance.plan_code) ?? null;
  const today = d.billing.today();
  if (!instance.period_start || !instance.period_end || today < instance.period_start || today > instance.period_end) return { current, offers: [], error: 'plan_change_no_period' };
  if (!current || current.priceCents === null) return { current, offers: [], error: 'plan_change_not_dearer' };
  const offers = plans
    .filter((p) => !p.customQuote && p.priceCents !== null && p.priceCents > current.priceCents!)
    .map((plan) => ({ plan, quote: planChange({ fromName: current.name, toName: plan.name, fromCents: current.priceCents!, toCents: plan.priceCents!, periodStart: String(instance.period_start), periodEnd: String(instance.period_end), today }) }));
  return { current, offers };
}

export type RequestPlanChangeResult = { ok: true; orderId: number; quoteNumber: string } | { ok: false; error: ErrorCode; field?: 'plan' | 'accept'; orderId?: number };

/**
 * "Changer de forfait": the customer asks for a dearer plan for an active instance. The order (kind
 * "upgrade", the CGV accepted) and its quote — the price difference prorated to the days left, the
 * computation printed on the line — are one transaction, and the quote is e-mailed. The change
 * applies once the quote is paid (`plan_change.paid`); the period's end does not move.
 */
export async function requestPlanChange(d: RequestPlanChangeDeps, user: CurrentUser, instanceId: number, input: { planCode: string; accept: boolean; termsVersion: number | null; ip: string | null }): Promise<RequestPlanChangeResult> {
  const instance = await d.instances.ownInstance(user, instanceId);
  if (!instance) return { ok: false, error: 'not_found' };
  if (instance.state !== 'active') return { ok: false, error: 'instance_not_active' };
  const open = await d.orders.openPlanChange(instance.id);
  if (open) return { ok: false, error: 'plan_change_pending', orderId: open.id };
  // The renewal already priced the next year at the current plan: the plan is chosen there now.
  const renewal = instance.period_end ? await d.orders.latestRenewal(instance.id, addDays(String(instance.period_end), 1)) : undefined;
  if (renewal && renewal.status === 'validated') return { ok: false, error: 'plan_change_renewal_open', orderId: renewal.id };
  const { offers, error } = await planChangeOffers(d, instance);
  if (error) return { ok: false, error };
  const offer = offers.find((o) => o.plan.code === input.planCode);
  if (!offer) return { ok: false, error: 'plan_change_not_dearer', field: 'plan' };
  if (!input.accept) return { ok: false, error: 'terms_required', field: 'accept' };
  const terms = await d.settings.currentTerms();
  if (!terms || input.termsVersion !== terms.version) return { ok: false, error: 'terms_outdated', field: 'accept' };
  const account = await d.accounts.getAccount(user.id);
  if (!account?.organisation) return { ok: false, error: 'not_found' };
  const url = d.orders.instanceUrl(instance.name);
  const lines = await d.billing.planChangeLines(offer.quote, url);
  try {
    const result = await d.db.transaction().execute(async (trx) => {
      const order = await d.orders.createPlanChange(trx, { userId: user.id, organisationId: account.organisation!.id, instanceId: instance.id, instanceName: instance.name, flavour: instance.flavour, fromPlan: instance.plan_code, toPlan: offer.plan.code, termsVersion: terms.version, ip: input.ip });
      const q = await d.billing.issueQuote(trx, {
        order,
        user: account.user,
        organisation: account.organisation!,
        lines,
        note: `Le forfait ${offer.plan.name} s'applique dès réception du règlement, jusqu'au ${frenchDate(offer.quote.to)} : l'échéance ne change pas.`,
      });
      await d.audit.record({ action: 'order.validated', actorUserId: user.id, subjectUserId: user.id, ip: input.ip, at: d.clock.now(), details: { orderId: order.id, quote: q.number, instance: instance.name, kind: 'upgrade', from: instance.plan_code, to: offer.plan.code, amountCents: offer.quote.amountCents } }, trx);
      await mailQuote(d, trx, q, account, instance.name, 0, { planName: offer.plan.name });
      return { orderId: order.id, quoteNumber: q.number };
    });
    return { ok: true, ...result };
  } catch (err) {
    const e = err as { code?: string; constraint?: string; message?: string };
    if (e?.code === '23505' && `${e.constraint ?? ''} ${e.message ?? ''}`.includes('orders_one_open_upgrade')) {
      const again = await d.orders.openPlanChange(instance.id);
      return { ok: false, error: 'plan_change_pending', ...(again ? { orderId: again.id } : {}) };
    }
    throw err;
  }
}
