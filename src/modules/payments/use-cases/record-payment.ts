import { isCalendarDate } from '../../../platform/dates.ts';
import { isDuplicatePayment, type PaymentError, type SettleOutcome } from '../payments.service.ts';
import { settleQuote, type SettleQuoteDeps } from './settle-quote.ts';

export interface ManualPayment {
  method: string;
  amountCents: number;
  receivedOn: string;
  reference: string;
  bank: string;
}

/**
 * The operator records a bank transfer or a cheque received: the payment, its settle job and its
 * audit in one transaction, then "order paid" at once if it covers the quote.
 */
export async function recordPayment(d: SettleQuoteDeps, operatorId: number, quoteNumber: string, input: ManualPayment): Promise<{ ok: true; outcome: SettleOutcome } | { ok: false; error: PaymentError }> {
  const payable = await d.payments.payableQuote(quoteNumber);
  if (!payable.ok) return payable;
  if (input.method !== 'transfer' && input.method !== 'cheque') return { ok: false, error: 'manual_method_invalid' };
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0 || input.amountCents > 100_000_000) return { ok: false, error: 'amount_invalid' };
  if (!isCalendarDate(input.receivedOn) || input.receivedOn > d.billing.today()) return { ok: false, error: 'received_date_invalid' };
  if (input.method === 'cheque' && !input.reference) return { ok: false, error: 'cheque_number_required' };
  const quote = payable.quote;
  try {
    await d.db.transaction().execute(async (trx) => {
      await d.payments.insertManual(trx, quote.id, operatorId, { method: input.method as 'transfer' | 'cheque', amountCents: input.amountCents, receivedOn: input.receivedOn, reference: input.reference, bank: input.bank });
      await d.audit.record({ action: 'payment.recorded', actorUserId: operatorId, subjectUserId: quote.user_id, at: d.clock.now(), details: { quote: quoteNumber, method: input.method, amountCents: input.amountCents, reference: input.reference } }, trx);
    });
  } catch (err) {
    if (isDuplicatePayment(err)) return { ok: false, error: 'payment_duplicate' };
    throw err;
  }
  return { ok: true, outcome: await settleQuote(d, quote.id) };
}
