import type { Kysely } from 'kysely';
import type { DB, DocumentRow } from '../../../platform/db/schema.ts';
import { amountDueOf } from '../../billing/billing.service.ts';
import { invoiceDepositIn } from '../../support/use-cases/invoice-deposit.ts';
import type { SettleOutcome } from '../payments.service.ts';
import type { SettleContext, SettleQuoteDeps } from './settle-quote.ts';

/**
 * The settlement of an accompaniment's money, inside the payment's transaction: on the quote, the
 * deposit (its invoice issued once the deposit is covered); on the final invoice, the balance (the
 * invoice paid once covered — it is derived, the invoice itself never changes).
 */
export async function settleSupportIn(d: SettleQuoteDeps, trx: Kysely<DB>, doc: DocumentRow, context: SettleContext): Promise<SettleOutcome> {
  const paid = await d.payments.paidCents(doc.id, trx);
  if (doc.kind === 'invoice') {
    const due = amountDueOf(doc);
    if (due === null) throw new Error(`invoice ${doc.number} takes no payment`);
    if (paid < due) return { state: 'partial', paidCents: paid, dueCents: due - paid };
    const last = await d.payments.lastPayment(doc.id, trx);
    const newlyPaid = paid - Number(last.amount_cents) < due;
    if (newlyPaid) await d.audit.record({ action: 'support.invoice_paid', subjectUserId: doc.user_id, at: d.clock.now(), details: { invoice: doc.number, paidCents: paid, dueCents: due } }, trx);
    return { state: 'paid', invoiceNumber: doc.number, newlyPaid };
  }
  if (paid === 0) return { state: 'partial', paidCents: 0, dueCents: doc.gross_cents };
  const last = await d.payments.lastPayment(doc.id, trx);
  const outcome = await invoiceDepositIn(d, trx, doc, { paidCents: paid, method: last.method, date: String(last.received_on) }, context);
  switch (outcome.state) {
    case 'invoiced':
      return { state: 'paid', invoiceNumber: outcome.invoiceNumber, newlyPaid: outcome.newly };
    case 'partial':
      return outcome;
    case 'not_payable':
      d.logger.warn({ quote: doc.number, reason: outcome.reason }, 'payment on an accompaniment quote that awaits none');
      return { state: 'blocked', reason: outcome.reason, paidCents: paid };
  }
}
