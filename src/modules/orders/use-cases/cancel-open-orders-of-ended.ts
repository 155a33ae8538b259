import { formatMoney } from '../../../web/i18n.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { openOrderOfEndedPaidMail } from '../orders.mails.ts';
import type { OrderPayments } from '../payments-port.ts';
import { cancelOrder, type CancelOrderDeps } from './cancel-order.ts';

export interface CancelOpenOrdersOfEndedDeps extends CancelOrderDeps {
  payments: OrderPayments;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  portalUrl: () => string;
}

export const ENDED_PLAN_CHANGE_REASON = "Changement de forfait annulé : il a été mis fin à l'instance";
export const ENDED_RENEWAL_REASON = "Renouvellement annulé : il a été mis fin à l'instance";

/**
 * After `instance.ended`: the instance's orders still awaiting payment — its plan change, its
 * renewal (unpaid when the retention ran out, or still open when the customer ended the instance
 * during the renewal window) — are cancelled with their quotes (cancelOrder), so that nobody can
 * pay for an instance that no longer exists: PayPal and the bank matching refuse a cancelled
 * quote, and a payment that still arrives waits for the operator. If part of one was paid already,
 * the money stays recorded and the operators are told to refund it. Idempotent: a replay finds no
 * order open. Returns how many were cancelled.
 */
export async function cancelOpenOrdersOfEnded(d: CancelOpenOrdersOfEndedDeps, instanceId: number): Promise<number> {
  let cancelled = 0;
  for (const order of await d.orders.openOrdersOfInstance(instanceId)) {
    const quote = await d.billing.latestQuoteForOrder(order.id);
    const paid = quote ? await d.payments.paidCents(quote.id) : 0;
    const renewal = order.kind === 'renewal';
    if (!(await cancelOrder(d, null, order.id, null, renewal ? ENDED_RENEWAL_REASON : ENDED_PLAN_CHANGE_REASON))) continue;
    cancelled++;
    if (paid > 0 && quote) {
      const recipients = await d.accounts.operatorEmails();
      const site = (await d.settings.operatorIdentity()).tradeName;
      if (recipients.length > 0)
        await d.mail.enqueue(d.db, {
          recipients,
          template: renewal ? 'orders.ended_renewal_paid' : 'orders.ended_plan_change_paid',
          userId: null,
          rendered: openOrderOfEndedPaidMail({ site, kind: renewal ? 'renewal' : 'plan_change', quote: quote.number, instance: order.instance_name ?? '', paid: formatMoney(paid, 'fr'), url: `${d.portalUrl()}/backoffice/documents/${quote.number}` }),
        });
    }
  }
  return cancelled;
}
