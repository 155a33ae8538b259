import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import { addDays, frenchDate, yearEnd } from '../../../platform/dates.ts';
import type { DB, DocumentRow, Instance, Order } from '../../../platform/db/schema.ts';
import type { Account, AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { BillingDocument, DocumentLine } from '../../billing/document.types.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import { balanceOf, type PaymentsService } from '../../payments/payments.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { PlanView } from '../../settings/settings.types.ts';
import { lapseDates } from '../../instances/renewal-status.ts';
import type { LifecycleService } from '../lifecycle.service.ts';
import type { LifecycleMailFacts } from '../lifecycle.mails.ts';
import { renewalIssuedMail } from '../lifecycle.mails.ts';

export interface RenewalDeps {
  db: Kysely<DB>;
  orders: OrdersService;
  billing: BillingService;
  payments: PaymentsService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  lifecycle: LifecycleService;
  clock: Clock;
  portalUrl: () => string;
  instanceUrl: (name: string) => string;
}

/** The period that follows one ending on `periodEnd` (last day included): from the next day, one year. */
export function nextPeriod(periodEnd: string): { from: string; to: string } {
  const from = addDays(periodEnd, 1);
  return { from, to: yearEnd(from) };
}

export { lapseDates };

/**
 * THE lines of a renewal quote, the one place a renewal is priced: the instance's plan at its
 * price for the next period or, for a plan sold on a custom quote (Diamant), the yearly lines of
 * the custom terms its instance was paid with (`OrdersService.renewalTermsOf`), the hosting line
 * first and dated with the period. Null when there is no price: a custom-quote plan whose
 * instance has no custom terms gets no automatic renewal.
 */
export async function renewalLines(d: Pick<RenewalDeps, 'billing' | 'orders' | 'instanceUrl'>, instance: Pick<Instance, 'id' | 'name' | 'flavour'>, plan: PlanView, period: { from: string; to: string }, db?: Kysely<DB>): Promise<DocumentLine[] | null> {
  if (plan.customQuote) {
    const terms = await d.orders.renewalTermsOf(instance.id, db);
    if (!terms || terms.lines.length === 0) return null;
    const lines = await d.billing.customLines(terms.lines);
    return lines.map((line, i) => (i === 0 ? { ...line, detail: line.detail ?? `Instance ${d.instanceUrl(instance.name)}`, periodStart: period.from, periodEnd: period.to } : line));
  }
  if (plan.priceCents === null) return null;
  return d.billing.hostingLines({ instance_name: instance.name, flavour: instance.flavour }, plan, d.instanceUrl(instance.name), { start: period.from, end: period.to });
}

/**
 * What the e-mails of a renewal say (quote, amount still due, pay link, dates). `paidCents`: what the
 * quote has received, when the caller has read it already (else read here).
 */
export async function renewalFacts(d: RenewalDeps, instance: Instance, order: Order, quote: DocumentRow, account: Account, db?: Kysely<DB>, paidCents?: number): Promise<LifecycleMailFacts> {
  const l = await d.settings.lifecycle(db);
  const content = quote.content as BillingDocument;
  const balance = paidCents === undefined ? await d.payments.balance(quote, db) : balanceOf(quote.gross_cents, paidCents);
  const periodEnd = addDays(String(order.renews_from), -1);
  const { suspendOn, dataUntil } = lapseDates(periodEnd, l);
  const identity = await d.settings.operatorIdentity(db);
  return {
    site: identity.tradeName,
    name: account.user.name,
    instanceUrl: d.instanceUrl(instance.name),
    quoteNumber: quote.number,
    dueCents: balance.dueCents,
    payUrl: `${d.portalUrl()}/commandes/${order.id}`,
    instancePageUrl: `${d.portalUrl()}/instances/${instance.id}`,
    periodEnd,
    renewsFrom: String(order.renews_from),
    renewsTo: String(order.renews_to),
    planName: (await d.settings.plan(order.plan_code, db))?.name ?? order.plan_code,
    suspendOn,
    dataUntil,
    iban: content.seller.iban,
    bic: content.seller.bic,
    accountHolder: content.seller.accountHolder ?? '',
    paypal: content.paypalUrl != null,
  };
}

export type IssueRenewalResult = { ok: true; order: Order; quote: DocumentRow } | { ok: false; reason: 'exists' | 'no_price' | 'no_account' | 'no_period' };

/**
 * In the caller's transaction: the renewal order of an instance for the period after its current
 * one, its quote (the lines of `renewalLines`, payable until the data goes) and its e-mail with the
 * PDF. `exists` when the instance already has a live renewal for that period (the database's
 * unique index: two sweeps racing issue one).
 */
export async function issueRenewal(d: RenewalDeps, trx: Kysely<DB>, instance: Instance, planCode: string, opts: { day: string; requestedBy: number | null; /** read before the transaction (on PGlite a read outside it would wait for it) */ account: Account | null }): Promise<IssueRenewalResult> {
  if (!instance.period_end) return { ok: false, reason: 'no_period' };
  // The settings the lines and the quote read (cached): read through the transaction first, so that
  // a cold cache after a start is not read outside it (on PGlite that read would wait for the
  // transaction's own connection).
  await Promise.all([d.settings.billing(trx), d.settings.operatorIdentity(trx)]);
  const plan = await d.settings.plan(planCode, trx);
  if (!plan) return { ok: false, reason: 'no_price' };
  const period = nextPeriod(instance.period_end);
  const lines = await renewalLines(d, instance, plan, period, trx);
  if (!lines) return { ok: false, reason: 'no_price' };
  const account = opts.account;
  if (!account?.organisation) return { ok: false, reason: 'no_account' };
  const order = await d.orders.createRenewal(trx, {
    userId: instance.user_id,
    organisationId: account.organisation.id,
    instanceId: instance.id,
    instanceName: instance.name,
    flavour: instance.flavour,
    fromPlan: instance.plan_code,
    planCode: plan.code,
    renewsFrom: period.from,
    renewsTo: period.to,
    termsVersion: null,
    acceptedBy: null,
  });
  if (!order) return { ok: false, reason: 'exists' };
  const l = await d.settings.lifecycle(trx);
  const { dataUntil } = lapseDates(instance.period_end, l);
  const quote = await d.billing.issueQuote(trx, {
    order,
    user: account.user,
    organisation: account.organisation,
    lines,
    validUntil: dataUntil,
    note: `Renouvellement de l'hébergement pour la période du ${frenchDate(period.from)} au ${frenchDate(period.to)}, qui suit l'échéance du ${frenchDate(instance.period_end)} quelle que soit la date du règlement. À régler avant l'échéance pour une continuité de service.`,
  });
  await d.audit.record({ action: 'order.renewal_issued', actorUserId: opts.requestedBy, subjectUserId: instance.user_id, at: d.clock.now(), details: { orderId: order.id, quote: quote.number, instance: instance.name, plan: plan.code, from: period.from, to: period.to, amountCents: quote.gross_cents } }, trx);
  // A quote issued in this transaction has received nothing yet.
  const facts = await renewalFacts(d, instance, order, quote, account, trx, 0);
  await d.lifecycle.noteOnce(trx, { instanceId: instance.id, periodEnd: instance.period_end, kind: 'renewal_issued', orderId: order.id, day: opts.day });
  await d.mail.enqueue(trx, {
    recipients: customerRecipients(account.user, account.organisation),
    template: 'lifecycle.renewal_issued',
    userId: account.user.id,
    rendered: renewalIssuedMail(facts),
    attachments: [{ kind: 'document_pdf', documentId: quote.id, filename: `${quote.number}.pdf` }],
  });
  return { ok: true, order, quote };
}
