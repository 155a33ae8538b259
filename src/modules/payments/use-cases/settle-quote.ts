import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB, DocumentRow } from '../../../platform/db/schema.ts';
import type { EventBus } from '../../../platform/events/event-bus.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import { invoiceMail } from '../../billing/billing.mails.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { BillingDocument } from '../../billing/document.types.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { SupportService } from '../../support/support.service.ts';
import type { PaymentsService, SettleOutcome } from '../payments.service.ts';
import { settleSupportIn } from './settle-support.ts';

export interface SettleQuoteDeps {
  db: Kysely<DB>;
  events: EventBus;
  payments: PaymentsService;
  billing: BillingService;
  orders: OrdersService;
  support: SupportService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  portalUrl: () => string;
}

/**
 * "Order paid" — the one step every payment path ends in (and the `payments.settle` job): when the
 * payments cover the quote, the invoice is issued, the order marked paid (the `order.paid` event,
 * which starts provisioning after commit), the audit written and the invoice e-mailed with its PDF,
 * in one transaction under the order's row lock — so replays and races invoice once.
 */
export async function settleQuote(d: SettleQuoteDeps, quoteId: number): Promise<SettleOutcome> {
  const quote = await d.billing.findDocument({ id: quoteId });
  // A settle job names a quote a payment was recorded for: a missing one is a broken invariant.
  if (!quote || (quote.kind !== 'quote' && quote.order_id !== null)) throw new Error(`no quote ${quoteId}`);
  const context = await settleContext(d, quote);
  return d.events.transaction(d.db, (trx) => settleQuoteIn(d, trx, quote, context));
}

export interface SettleContext {
  account: Awaited<ReturnType<AccountsService['getAccount']>>;
  site: string;
}

/** What the settlement reads outside its transaction (the account and the operator's name for the e-mail). */
export async function settleContext(d: SettleQuoteDeps, quote: DocumentRow): Promise<SettleContext> {
  const account = quote.user_id ? await d.accounts.getAccount(quote.user_id) : null;
  return { account, site: (await d.settings.operatorIdentity()).tradeName };
}

/**
 * The settlement itself, inside a transaction of `EventBus.transaction` (the caller's: recording a
 * payment and settling it are then one — the payment is never stored without its settlement).
 */
export async function settleQuoteIn(d: SettleQuoteDeps, trx: Kysely<DB>, quote: DocumentRow, { account, site }: SettleContext): Promise<SettleOutcome> {
  // An accompaniment's quote (its deposit) or final invoice (its balance).
  if (quote.order_id === null) return settleSupportIn(d, trx, quote, { account, site });
  const orderId = quote.order_id;
  const now = d.clock.now();
  const order = await d.orders.lock(trx, orderId);
  if (!order) throw new Error(`no order ${orderId}`);
  const existing = await d.billing.invoiceForQuote(quote.id, trx);
  if (existing) return { state: 'paid', invoiceNumber: existing.number, newlyPaid: false };
  const balance = await d.payments.balance(quote, trx);
  const paid = balance.paidCents;
  if (balance.dueCents > 0) return { state: 'partial', paidCents: paid, dueCents: balance.dueCents };
  if (order.status !== 'validated' || (await d.billing.isCancelled(quote.id, trx))) {
    // A payment that raced a cancellation (or a lapse): kept, shown to the operator, not invoiced.
    await d.audit.record({ action: 'order.paid', subjectUserId: quote.user_id, at: now, details: { orderId, quote: quote.number, blocked: order.status, paidCents: paid } }, trx);
    d.logger.warn({ orderId, quote: quote.number, status: order.status }, 'payment covers a quote whose order is not awaiting payment');
    return { state: 'blocked', reason: order.status, paidCents: paid };
  }
  const last = await d.payments.lastPayment(quote.id, trx);
  const invoice = await d.billing.issueInvoiceForQuote(trx, quote, { method: last.method, date: last.received_on, amountCents: paid });
  await d.orders.markPaid(trx, orderId);
  await d.audit.record({ action: 'order.paid', subjectUserId: quote.user_id, at: now, details: { orderId, quote: quote.number, invoice: invoice.number, paidCents: paid, overpaidCents: balance.overpaidCents } }, trx);
  if (account) {
    const doc = invoice.content as BillingDocument;
    await d.mail.enqueue(trx, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'billing.invoice',
      userId: account.user.id,
      rendered: invoiceMail({
        site,
        name: account.user.name,
        invoice: doc,
        instanceUrl: d.orders.instanceUrl(order.instance_name),
        portalUrl: d.portalUrl(),
        ...(order.kind === 'upgrade' ? { planChange: { instanceUrl: d.orders.instanceUrl(order.instance_name), planName: (await d.settings.plan(order.plan_code, trx))?.name ?? order.plan_code } } : {}),
      }),
      attachments: [{ kind: 'document_pdf', documentId: invoice.id, filename: `${invoice.number}.pdf` }],
    });
  }
  return { state: 'paid', invoiceNumber: invoice.number, newlyPaid: true };
}
