import type { CurrentUser } from '../../../web/context.ts';
import type { RequestMeta } from '../../accounts/accounts.deps.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import { diamantRequestAckMail, diamantRequestOperatorMail } from '../diamant.mails.ts';
import type { OrderResult } from '../orders.service.ts';
import { isNameTaken, OrderMoved } from './quote-steps.ts';
import { acceptAddressAndTerms, type BillingAddressInput, type ValidateOrderDeps } from './validate-order.ts';

/**
 * "Envoyer la demande de devis" of a Diamant draft: the billing address and the CGV as for any order
 * (acceptAddressAndTerms), then, in one transaction, the order "à chiffrer" (its name held from now
 * on), the audit entry, the operators' e-mail with the needs and the customer's acknowledgement.
 * The operator's quote follows (issue-diamant-quote).
 */
export async function requestDiamant(
  d: ValidateOrderDeps,
  input: { user: CurrentUser; orderId: number; acceptTerms: boolean; termsVersionShown: number | null; address: BillingAddressInput; meta: RequestMeta },
): Promise<OrderResult> {
  const order = await d.orders.ownOrder(input.user, input.orderId);
  const plan = order ? await d.settings.plan(order.plan_code) : undefined;
  if (!order || order.status !== 'draft' || !plan?.customQuote) return { ok: false, errors: { order: 'order_not_draft' } };
  const accepted = await acceptAddressAndTerms(d, input);
  if (!accepted.ok) return accepted;
  if (await d.orders.nameUnavailable(order.instance_name, order.id)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
  const account = await d.accounts.getAccount(input.user.id);
  if (!account?.organisation) return { ok: false, errors: { order: 'order_not_draft' } };
  const identity = await d.settings.operatorIdentity();
  const operators = await d.accounts.operatorEmails();
  const instanceUrl = d.orders.instanceUrl(order.instance_name);
  const needs = order.needs ?? '';
  try {
    await d.db.transaction().execute(async (trx) => {
      const locked = await d.orders.lock(trx, order.id);
      if (!locked || locked.status !== 'draft' || !(await d.orders.markRequested(trx, order.id))) throw new OrderMoved();
      await d.audit.record({ action: 'order.diamant_requested', actorUserId: input.user.id, subjectUserId: input.user.id, ip: input.meta.ip, at: d.clock.now(), details: { orderId: order.id, instance: order.instance_name } }, trx);
      await d.mail.enqueue(trx, {
        // Without an operator account yet, the address printed on the documents receives it.
        recipients: operators.length > 0 ? operators : [identity.email],
        template: 'orders.diamant.operator',
        userId: null,
        rendered: diamantRequestOperatorMail({ site: identity.tradeName, orderId: order.id, organisation: account.organisation!.name, contact: account.user.name, email: account.user.email, instanceUrl, needs, url: `${d.portalUrl()}/backoffice/diamant/${order.id}` }),
      });
      await d.mail.enqueue(trx, {
        recipients: customerRecipients(account.user, account.organisation),
        template: 'orders.diamant.ack',
        userId: account.user.id,
        rendered: diamantRequestAckMail({ site: identity.tradeName, name: account.user.name, instanceUrl, needs, portalUrl: d.portalUrl() }),
      });
    });
  } catch (err) {
    if (isNameTaken(err)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
    if (err instanceof OrderMoved) return { ok: false, errors: { order: 'order_not_draft' } };
    throw err;
  }
  return { ok: true };
}
