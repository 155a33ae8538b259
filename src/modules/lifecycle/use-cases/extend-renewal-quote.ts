import type { Kysely } from 'kysely';
import { addDays, frenchDate } from '../../../platform/dates.ts';
import type { DB, DocumentRow, Instance } from '../../../platform/db/schema.ts';
import type { Account } from '../../accounts/accounts.service.ts';
import type { BillingDocument } from '../../billing/document.types.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import { renewalQuoteExtendedMail } from '../lifecycle.mails.ts';
import { lapseDates, renewalFacts, type RenewalDeps } from './renewal-quote.ts';

/**
 * A renewal quote is payable until the instance's data goes (`lapseDates(...).dataUntil` when it was
 * issued). When the operator lengthens the grace period or the retention afterwards, the data is
 * kept longer than the quote can be paid: the sweep calls this, and in one transaction the quote is
 * cancelled ("remplacé…"), a new one with the same lines is issued valid until the new date (a
 * lapsed order is awaiting payment again), the payments already received are carried to it (the
 * settlement asked after commit, should they cover it), the audit entry written and the customer
 * e-mailed with the new PDF. Issued documents are never changed: the ledger gets a new quote.
 *
 * Returns the new quote and what it has received; null when there is nothing to do (the order was
 * paid or cancelled meanwhile, or its quote is valid long enough already: two sweeps racing
 * replace it once, under the order's lock).
 */
export async function extendRenewalQuote(d: RenewalDeps, instance: Instance, orderId: number, account: Account): Promise<{ quote: DocumentRow; paidCents: number } | null> {
  if (!account.organisation) return null;
  const organisation = account.organisation;
  const now = d.clock.now();
  return d.db.transaction().execute(async (trx: Kysely<DB>) => {
    const order = await d.orders.lock(trx, orderId);
    if (!order || order.kind !== 'renewal' || !['validated', 'expired'].includes(order.status)) return null;
    const previous = await d.billing.latestQuoteForOrder(orderId, trx);
    if (!previous) return null;
    const l = await d.settings.lifecycle(trx);
    const periodEnd = addDays(String(order.renews_from), -1);
    const { dataUntil } = lapseDates(periodEnd, l);
    if (previous.valid_until !== null && String(previous.valid_until) >= dataUntil) return null;
    await d.billing.cancelQuote(trx, previous.id, null, `remplacé : délais après l'échéance allongés, nouveau devis payable jusqu'au ${frenchDate(dataUntil)}`, now);
    if (order.status === 'expired') await d.orders.setStatus(trx, orderId, ['expired'], 'validated');
    const content = previous.content as BillingDocument;
    const quote = await d.billing.issueQuote(trx, { order, user: account.user, organisation, lines: content.lines, validUntil: dataUntil, note: content.note ?? undefined });
    await d.audit.record({ action: 'quote.reissued', actorUserId: null, subjectUserId: instance.user_id, at: now, details: { orderId, quote: quote.number, previous: previous.number, reason: 'lifecycle_delays_lengthened', validUntil: dataUntil } }, trx);
    const { payments: carried, paidCents } = await d.payments.carryOver(trx, previous.id, quote.id);
    if (carried > 0) await d.audit.record({ action: 'payments.carried', actorUserId: null, subjectUserId: instance.user_id, at: now, details: { orderId, from: previous.number, to: quote.number, payments: carried, paidCents } }, trx);
    const facts = await renewalFacts(d, instance, order, quote, account, trx, paidCents);
    await d.mail.enqueue(trx, {
      recipients: customerRecipients(account.user, organisation),
      template: 'lifecycle.renewal_requoted',
      userId: account.user.id,
      rendered: renewalQuoteExtendedMail({ ...facts, previousNumber: previous.number, paidCents, suspended: instance.state === 'suspended' }),
      attachments: [{ kind: 'document_pdf', documentId: quote.id, filename: `${quote.number}.pdf` }],
    });
    return { quote, paidCents };
  });
}
