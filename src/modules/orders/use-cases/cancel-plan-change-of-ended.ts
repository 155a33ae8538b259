import { formatMoney } from '../../../web/i18n.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { planChangeOfEndedPaidMail } from '../orders.mails.ts';
import type { OrderPayments } from '../payments-port.ts';
import { cancelOrder, type CancelOrderDeps } from './cancel-order.ts';

export interface CancelPlanChangeOfEndedDeps extends CancelOrderDeps {
  payments: OrderPayments;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  portalUrl: () => string;
}

export const ENDED_PLAN_CHANGE_REASON = "Changement de forfait annulé : il a été mis fin à l'instance";

/**
 * After `instance.ended`: the instance's plan change still awaiting payment is cancelled with its
 * quote (cancelOrder), so that nobody can pay for an instance that no longer exists — PayPal and
 * the bank matching refuse a cancelled quote, and a payment that still arrives waits for the
 * operator. If part of it was paid already, the money stays recorded and the operators are told to
 * refund it. Idempotent: a replay finds no plan change open.
 */
export async function cancelPlanChangeOfEnded(d: CancelPlanChangeOfEndedDeps, instanceId: number): Promise<boolean> {
  const order = await d.orders.openPlanChange(instanceId);
  if (!order) return false;
  const quote = await d.billing.latestQuoteForOrder(order.id);
  const paid = quote ? await d.payments.paidCents(quote.id) : 0;
  if (!(await cancelOrder(d, null, order.id, null, ENDED_PLAN_CHANGE_REASON))) return false;
  if (paid > 0 && quote) {
    const recipients = await d.accounts.operatorEmails();
    const site = (await d.settings.operatorIdentity()).tradeName;
    if (recipients.length > 0)
      await d.mail.enqueue(d.db, {
        recipients,
        template: 'orders.ended_plan_change_paid',
        userId: null,
        rendered: planChangeOfEndedPaidMail({ site, quote: quote.number, instance: order.instance_name ?? '', paid: formatMoney(paid, 'fr'), url: `${d.portalUrl()}/backoffice/documents/${quote.number}` }),
      });
  }
  return true;
}
