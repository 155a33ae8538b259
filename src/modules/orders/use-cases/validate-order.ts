import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { CurrentUser } from '../../../web/context.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { OrderResult, OrdersService } from '../orders.service.ts';
import { isNameTaken, mailQuote, OrderMoved } from './quote-steps.ts';

export interface ValidateOrderDeps {
  db: Kysely<DB>;
  orders: OrdersService;
  billing: BillingService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

/**
 * "Valider la commande": holds the name, issues the quote and e-mails it — all in one transaction,
 * so a failure leaves the draft as it was and no number is used.
 */
export async function validateOrder(d: ValidateOrderDeps, user: CurrentUser, orderId: number, ip: string | null): Promise<OrderResult<{ quoteNumber: string }>> {
  const order = await d.orders.ownOrder(user, orderId);
  if (!order || order.status !== 'draft') return { ok: false, errors: { order: 'order_not_draft' } };
  const terms = await d.settings.currentTerms();
  if (!order.terms_version || !terms) return { ok: false, errors: { terms: 'terms_required' } };
  if (order.terms_version !== terms.version) return { ok: false, errors: { terms: 'terms_outdated' } };
  if (await d.orders.nameUnavailable(order.instance_name, order.id)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
  const plan = await d.settings.plan(order.plan_code);
  if (!plan || plan.priceCents === null) return { ok: false, errors: { plan: 'plan_on_quote' } };
  const account = await d.accounts.getAccount(user.id);
  if (!account?.organisation) return { ok: false, errors: { order: 'order_not_draft' } };
  const lines = await d.billing.hostingLines(order, plan, d.orders.instanceUrl(order.instance_name));
  const now = d.clock.now();
  try {
    const quote = await d.db.transaction().execute(async (trx) => {
      const locked = await d.orders.lock(trx, order.id);
      if (!locked || locked.status !== 'draft') throw new OrderMoved();
      await d.orders.setStatus(trx, order.id, ['draft'], 'validated');
      const q = await d.billing.issueQuote(trx, { order: { ...locked, status: 'validated' }, user: account.user, organisation: account.organisation!, lines });
      await d.audit.record({ action: 'order.validated', actorUserId: user.id, subjectUserId: user.id, ip, at: now, details: { orderId: order.id, quote: q.number, instance: order.instance_name } }, trx);
      await mailQuote(d, trx, q, account, order.instance_name);
      return q;
    });
    return { ok: true, quoteNumber: quote.number };
  } catch (err) {
    // Two customers validating the same name at the same moment: the unique index lets one win.
    if (isNameTaken(err)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
    if (err instanceof OrderMoved) return { ok: false, errors: { order: 'order_not_draft' } };
    throw err;
  }
}
