import type { Kysely } from 'kysely';
import type { ErrorCode, ErrorParams } from '../../../errors/app-error.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { DB, Instance } from '../../../platform/db/schema.ts';
import type { CurrentUser } from '../../../web/context.ts';
import type { AccountsService, RequestMeta } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { InstancesService } from '../../instances/instances.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import { cancelOrder } from '../../orders/use-cases/cancel-order.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { SupportService } from '../../support/support.service.ts';
import { accountClosedMail } from '../privacy.mails.ts';
import { endInstance, type EndInstanceDeps } from '../../archives/use-cases/end-instance.ts';

export interface CloseAccountDeps extends EndInstanceDeps {
  db: Kysely<DB>;
  accounts: AccountsService;
  orders: OrdersService;
  billing: BillingService;
  instances: InstancesService;
  support: SupportService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
}

/** What the customer types to confirm: their e-mail address, or this word. */
export const CLOSE_WORD = 'CLÔTURER';

export type CloseAccountResult = { ok: true } | { ok: false; error: ErrorCode; params?: ErrorParams };

/**
 * The call point for ending a customer's instances before their account is closed, when they
 * tick « Mettre fin à mes instances »: the archives module's end-instance use case for each (a
 * verified final archive first; nothing is destroyed if it fails), reason "account_closed". The
 * first failure stops the closure with its instance named; instances already ended stay ended.
 */
export async function endInstancesBeforeClosure(d: CloseAccountDeps, live: Instance[], by: { userId: number; ip: string | null }): Promise<{ error: ErrorCode; params: ErrorParams } | null> {
  for (const instance of live) {
    const ended = await endInstance(d, { instanceId: instance.id, reason: 'account_closed', actorUserId: by.userId, ip: by.ip });
    if (!ended.ok) return { error: 'closure_instance_not_ended', params: { name: instance.name } };
  }
  return null;
}

function confirmationMatches(typed: string, email: string): boolean {
  const t = typed.trim();
  return t.toLocaleUpperCase('fr') === CLOSE_WORD || t.toLowerCase() === email.toLowerCase();
}

/**
 * "Clôturer mon compte": refused while money received is not invoiced (it must be invoiced or
 * refunded first) or while the account has instances, unless the customer asks to end them
 * (endInstancesBeforeClosure). Otherwise
 * the orders not paid are cancelled (their quotes with them, their names freed); then, in one
 * transaction, the confirmation e-mail to the old addresses, the audit entry, the contact details
 * of support requests erased and the account erased (accounts.eraseAccount): sessions revoked,
 * password removed. Documents (quotes, invoices, credit notes) are kept — ten years for invoices —
 * and the ledger is untouched: they were frozen at issue with the buyer as it was.
 */
export async function closeAccount(d: CloseAccountDeps, user: CurrentUser, input: { confirmation: string; endInstances: boolean }, meta: RequestMeta): Promise<CloseAccountResult> {
  const account = await d.accounts.getAccount(user.id);
  if (!account || account.user.role !== 'customer' || account.user.closed_at) return { ok: false, error: 'not_found' };
  if (!confirmationMatches(input.confirmation, account.user.email)) return { ok: false, error: 'closure_confirmation' };
  const documents = await d.billing.listDocuments({ userId: user.id, limit: 100_000, offset: 0, today: d.billing.today() });
  const unsettled = documents.find((doc) => doc.kind === 'quote' && !doc.invoice_number && Number(doc.paid_cents) > 0);
  if (unsettled) return { ok: false, error: 'closure_money_pending', params: { number: unsettled.number } };
  const live = await d.instances.listForUser(user.id);
  if (live.length > 0) {
    const refused = input.endInstances ? await endInstancesBeforeClosure(d, live, { userId: user.id, ip: meta.ip }) : { error: 'closure_instances_active' as const, params: { names: live.map((i) => i.name).join(', ') } };
    if (refused) return { ok: false, ...refused };
  }
  for (const order of await d.orders.listForUser(user.id)) {
    if (['draft', 'requested', 'validated', 'expired'].includes(order.status)) await cancelOrder(d, user, order.id, user.id, 'compte clôturé par le client');
  }
  const site = (await d.settings.operatorIdentity()).tradeName;
  await d.db.transaction().execute(async (trx) => {
    // Sent to the addresses as they are now, before they are erased (delivery reads the stored recipients).
    await d.mail.enqueue(trx, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'privacy.account_closed',
      userId: user.id,
      rendered: accountClosedMail({ site, name: account.user.name, alias: account.user.alias, documents: documents.length }),
    });
    await d.audit.record({ action: 'account.closed', actorUserId: user.id, subjectUserId: user.id, ip: meta.ip, at: d.clock.now(), details: { documentsKept: documents.length } }, trx);
    await d.support.eraseContactOf(trx, user.id);
    await d.accounts.eraseAccount(trx, user.id);
  });
  return { ok: true };
}
