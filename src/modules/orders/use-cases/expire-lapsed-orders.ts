import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { Logger } from '../../../platform/logger.ts';
import { formatMoney } from '../../../web/i18n.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { partlyPaidLapsedMail } from '../orders.mails.ts';
import type { OrdersService } from '../orders.service.ts';
import type { OrderPayments } from '../payments-port.ts';

export interface ExpireLapsedOrdersDeps {
  db: Kysely<DB>;
  orders: OrdersService;
  billing: BillingService;
  payments: OrderPayments;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  portalUrl: () => string;
}

/**
 * Daily: a validated order whose quote lapsed with nothing paid becomes "expired" and frees its
 * name. One that lapsed partly paid is never expired as "lapsed without payment": it stays open
 * (its money stays counted) and the operator is told, once, to re-issue the quote or refund.
 */
export async function expireLapsedOrders(d: ExpireLapsedOrdersDeps): Promise<{ expired: number; partlyPaid: number }> {
  let expired = 0;
  let partlyPaid = 0;
  for (const orderId of await d.orders.lapsedOrderIds()) {
    const quote = await d.billing.latestQuoteForOrder(orderId);
    const paid = quote ? await d.payments.paidCents(quote.id) : 0;
    if (!quote || paid === 0) {
      if (await d.orders.expire(orderId)) expired++;
      continue;
    }
    partlyPaid++;
    const order = await d.orders.find(orderId);
    const recipients = await d.accounts.operatorEmails();
    const site = (await d.settings.operatorIdentity()).tradeName;
    await d.db.transaction().execute(async (trx) => {
      if (!(await d.orders.notePartlyPaidAlert(trx, orderId))) return;
      await d.audit.record({ action: 'order.lapsed_partly_paid', subjectUserId: quote.user_id, at: d.clock.now(), details: { orderId, quote: quote.number, paidCents: paid, dueCents: Math.max(0, quote.gross_cents - paid) } }, trx);
      if (recipients.length > 0)
        await d.mail.enqueue(trx, {
          recipients,
          template: 'orders.lapsed_partly_paid',
          userId: null,
          rendered: partlyPaidLapsedMail({ site, quote: quote.number, instance: order?.instance_name ?? '', paid: formatMoney(paid, 'fr'), due: formatMoney(Math.max(0, quote.gross_cents - paid), 'fr'), url: `${d.portalUrl()}/backoffice/documents/${quote.number}` }),
        });
    });
  }
  if (expired + partlyPaid > 0) d.logger.info({ expired, partlyPaid }, 'lapsed orders swept');
  return { expired, partlyPaid };
}
