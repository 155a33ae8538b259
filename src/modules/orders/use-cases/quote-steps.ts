import type { Kysely } from 'kysely';
import type { DB, DocumentRow } from '../../../platform/db/schema.ts';
import type { Account } from '../../accounts/accounts.service.ts';
import type { BillingDocument } from '../../billing/document.types.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { quoteMail } from '../orders.mails.ts';
import type { OrdersService } from '../orders.service.ts';

/** A step of the quote use cases: the quote e-mail, with its PDF, in the transaction that issues it. */
export async function mailQuote(d: { mail: MailService; settings: SettingsService; orders: OrdersService; portalUrl: () => string }, trx: Kysely<DB>, quote: DocumentRow, account: Account, instanceName: string, paidCents = 0, planChange?: { planName: string }): Promise<void> {
  const site = (await d.settings.operatorIdentity()).tradeName;
  const content = quote.content as BillingDocument;
  await d.mail.enqueue(trx, {
    recipients: customerRecipients(account.user, account.organisation),
    template: 'billing.quote',
    userId: account.user.id,
    rendered: quoteMail({ site, name: account.user.name, quote: content, instanceHost: d.orders.instanceHost(instanceName), instanceUrl: d.orders.instanceUrl(instanceName), portalUrl: d.portalUrl(), paidCents, ...(planChange ? { planChange } : {}) }),
    attachments: [{ kind: 'document_pdf', documentId: quote.id, filename: `${content.number}.pdf` }],
  });
}

/** Thrown inside a quote transaction when the order moved meanwhile: the transaction is rolled back. */
export class OrderMoved extends Error {}

/** Whether a unique violation is the one that guards instance names (two orders racing for one name). */
export { isNameTaken } from '../orders.repository.ts';
