import type { DocumentRow } from '../../../platform/db/schema.ts';
import { issueCreditNoteIn } from '../../billing/use-cases/issue-credit-note.ts';
import type { PaymentError } from '../payments.service.ts';
import { settleContext, type SettleQuoteDeps } from './settle-quote.ts';

export type CancelPaymentResult = { ok: true; creditNoteNumber: string | null } | { ok: false; error: PaymentError | 'credit_reason_required' };

/**
 * The operator cancels a recorded payment (a cheque that bounced, a transfer typed on the wrong
 * quote): the row is kept, marked cancelled with who and why, and audited. When the quote was
 * already invoiced and what remains paid no longer covers the invoice, a credit note for the
 * uncovered part is issued in the same transaction (the invoice itself is never changed).
 */
export async function cancelPayment(d: SettleQuoteDeps, operatorId: number, quote: DocumentRow, paymentId: number, input: { reason: string; ip: string | null }): Promise<CancelPaymentResult> {
  const reason = input.reason.trim();
  if (!reason) return { ok: false, error: 'credit_reason_required' };
  const payment = await d.payments.findPayment(paymentId);
  if (!payment || payment.quote_id !== quote.id || payment.cancelled_at !== null) return { ok: false, error: 'payment_not_cancellable' };
  const context = await settleContext(d, quote);
  const now = d.clock.now();
  return d.events.transaction(d.db, async (trx): Promise<CancelPaymentResult> => {
    if (quote.order_id !== null) await d.orders.lock(trx, quote.order_id);
    if (!(await d.payments.markCancelled(trx, payment.id, operatorId, reason, now))) return { ok: false, error: 'payment_not_cancellable' };
    let creditNoteNumber: string | null = null;
    const invoice = await d.billing.invoiceForQuote(quote.id, trx);
    if (invoice) {
      const left = await d.payments.paidCents(quote.id, trx);
      const credited = (await d.billing.creditNotesFor(invoice.id, trx)).reduce((sum, n) => sum + n.gross_cents, 0);
      const uncovered = Math.min(invoice.gross_cents - credited, invoice.gross_cents - left, Number(payment.amount_cents));
      if (uncovered > 0) {
        const note = await issueCreditNoteIn(d, trx, operatorId, invoice, { amountCents: uncovered, reason: `Règlement annulé (${frenchMethod(payment.method)} du ${payment.received_on}) : ${reason}`, ip: input.ip }, context);
        creditNoteNumber = note.number;
      }
    }
    await d.audit.record(
      {
        action: 'payment.cancelled',
        actorUserId: operatorId,
        subjectUserId: quote.user_id,
        ip: input.ip,
        at: now,
        details: { quote: quote.number, paymentId: payment.id, method: payment.method, amountCents: Number(payment.amount_cents), receivedOn: String(payment.received_on), reference: payment.reference, reason, creditNote: creditNoteNumber },
      },
      trx,
    );
    return { ok: true, creditNoteNumber };
  });
}

function frenchMethod(method: string): string {
  return method === 'cheque' ? 'chèque' : method === 'paypal' ? 'PayPal' : 'virement';
}
