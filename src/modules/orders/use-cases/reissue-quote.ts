import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { OrderResult, OrdersService } from '../orders.service.ts';
import type { OrderPayments } from '../payments-port.ts';
import { isNameTaken, mailQuote, OrderMoved } from './quote-steps.ts';
import { diamantQuoteLines } from './issue-diamant-quote.ts';

export interface ReissueQuoteDeps {
  db: Kysely<DB>;
  orders: OrdersService;
  billing: BillingService;
  payments: OrderPayments;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

/**
 * Operator: a new quote for an order whose quote lapsed (or was cancelled by mistake); the old one is
 * cancelled and the payments it received are carried to the new one.
 */
export async function reissueQuote(d: ReissueQuoteDeps, operatorId: number, orderId: number): Promise<OrderResult<{ quoteNumber: string }>> {
  const order = await d.orders.find(orderId);
  // A plan change is priced for the day it was asked: the customer asks again rather than re-issue it.
  if (!order || order.kind !== 'hosting' || !['validated', 'expired'].includes(order.status)) return { ok: false, errors: { order: 'order_not_draft' } };
  const plan = await d.settings.plan(order.plan_code);
  const account = await d.accounts.getAccount(order.user_id);
  // A Diamant order is priced by its custom terms (the operator's quote), a catalogue plan by the plan.
  if (!plan || (plan.priceCents === null && !order.custom_terms) || !account?.organisation) return { ok: false, errors: { plan: 'plan_on_quote' } };
  const lines = order.custom_terms ? await diamantQuoteLines(d, order, order.custom_terms) : await d.billing.hostingLines(order, plan, d.orders.instanceUrl(order.instance_name));
  const now = d.clock.now();
  try {
    const quote = await d.db.transaction().execute(async (trx) => {
      const locked = await d.orders.lock(trx, orderId);
      if (!locked || !['validated', 'expired'].includes(locked.status)) throw new OrderMoved();
      const previous = await d.billing.latestQuoteForOrder(orderId, trx);
      if (previous) await d.billing.cancelQuote(trx, previous.id, operatorId, 'remplacé par un nouveau devis', now);
      if (locked.status === 'expired') await d.orders.setStatus(trx, orderId, ['expired'], 'validated');
      const q = await d.billing.issueQuote(trx, { order: locked, user: account.user, organisation: account.organisation!, lines });
      await d.audit.record({ action: 'quote.reissued', actorUserId: operatorId, subjectUserId: order.user_id, at: now, details: { orderId, quote: q.number, previous: previous?.number ?? null } }, trx);
      // Money received on the old quote counts on the new one (the rows are moved, never copied);
      // if it already covers the new total, the settlement issues the invoice after commit.
      let paid = 0;
      if (previous) {
        const carried = await d.payments.carryOver(trx, previous.id, q.id);
        paid = carried.paidCents;
        if (carried.payments > 0) await d.audit.record({ action: 'payments.carried', actorUserId: operatorId, subjectUserId: order.user_id, at: now, details: { orderId, from: previous.number, to: q.number, payments: carried.payments, paidCents: paid } }, trx);
      }
      await mailQuote(d, trx, q, account, order.instance_name, paid);
      return q;
    });
    return { ok: true, quoteNumber: quote.number };
  } catch (err) {
    if (isNameTaken(err)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
    if (err instanceof OrderMoved) return { ok: false, errors: { order: 'order_not_draft' } };
    throw err;
  }
}
