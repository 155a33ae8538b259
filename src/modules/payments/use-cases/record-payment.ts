import { frenchDate, isCalendarDate } from '../../../platform/dates.ts';
import type { DomainError } from '../../../errors/app-error.ts';
import { balanceOf, isDuplicatePayment, type PaymentError, type SettleOutcome } from '../payments.service.ts';
import { settleContext, settleQuoteIn, type SettleQuoteDeps } from './settle-quote.ts';

export interface ManualPayment {
  method: string;
  amountCents: number;
  receivedOn: string;
  reference: string;
  bank: string;
  /** the operator saw the warnings (amount other than due, same reference as a payment in force) and confirms */
  confirmed?: boolean;
}

/** What the operator is asked to look at before the payment is recorded anyway. */
export type PaymentWarning = { code: 'amount_differs'; dueCents: number } | { code: 'same_reference'; receivedOn: string; amountCents: number };

export type RecordPaymentResult =
  | { ok: true; outcome: SettleOutcome }
  | { ok: false; error: PaymentError | DomainError<'received_before_quote'> }
  | { ok: false; warnings: PaymentWarning[] };

/** Receipt dates before this are typing mistakes, whatever the quote says (year 0001, 1026…). */
const EARLIEST_PLAUSIBLE = '2000-01-01';

/**
 * The operator records a bank transfer or a cheque received — on a hosting quote, an accompaniment
 * quote's deposit, or an accompaniment's final invoice. The payment, its audit and its
 * settlement (the invoice when it covers the quote) are one transaction: if the settlement fails,
 * nothing is stored and the operator is told — a payment is never left recorded but unsettled.
 * The `payments.settle` job sent with it is the backstop that makes a crash between the two
 * impossible to notice (settling twice does nothing).
 */
export async function recordPayment(d: SettleQuoteDeps, operatorId: number, quoteNumber: string, input: ManualPayment): Promise<RecordPaymentResult> {
  const payable = await d.payments.payableQuote(quoteNumber);
  if (!payable.ok) return payable;
  const quote = payable.quote;
  if (input.method !== 'transfer' && input.method !== 'cheque') return { ok: false, error: 'manual_method_invalid' };
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0 || input.amountCents > 100_000_000) return { ok: false, error: 'amount_invalid' };
  if (!isCalendarDate(input.receivedOn) || input.receivedOn > d.billing.today() || input.receivedOn < EARLIEST_PLAUSIBLE) return { ok: false, error: 'received_date_invalid' };
  const earliest = await d.billing.earliestReceiptDate(quote);
  if (input.receivedOn < earliest) return { ok: false, error: { code: 'received_before_quote', params: { date: frenchDate(earliest) } } };
  if (input.method === 'cheque' && !input.reference) return { ok: false, error: 'cheque_number_required' };

  if (!input.confirmed) {
    const warnings: PaymentWarning[] = [];
    const balance = balanceOf(payable.expectedCents, await d.payments.paidCents(quote.id));
    if (input.amountCents !== balance.dueCents) warnings.push({ code: 'amount_differs', dueCents: balance.dueCents });
    const same = await d.payments.sameReference(quote.id, input.reference);
    if (same) warnings.push({ code: 'same_reference', receivedOn: same.received_on, amountCents: same.amount_cents });
    if (warnings.length > 0) return { ok: false, warnings };
  }

  const context = await settleContext(d, quote);
  try {
    const outcome = await d.events.transaction(d.db, async (trx) => {
      await d.payments.insertManual(trx, quote.id, operatorId, { method: input.method as 'transfer' | 'cheque', amountCents: input.amountCents, receivedOn: input.receivedOn, reference: input.reference, bank: input.bank });
      await d.audit.record({ action: 'payment.recorded', actorUserId: operatorId, subjectUserId: quote.user_id, at: d.clock.now(), details: { quote: quoteNumber, method: input.method, amountCents: input.amountCents, reference: input.reference, receivedOn: input.receivedOn } }, trx);
      return settleQuoteIn(d, trx, quote, context);
    });
    return { ok: true, outcome };
  } catch (err) {
    if (isDuplicatePayment(err)) return { ok: false, error: 'payment_duplicate' };
    d.logger.error({ err, quote: quoteNumber }, 'payment not recorded: its settlement failed');
    return { ok: false, error: 'settlement_failed' };
  }
}
