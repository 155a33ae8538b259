import type { SettleOutcome } from '../payments.service.ts';
import { settleQuote, type SettleQuoteDeps } from './settle-quote.ts';

/**
 * A completed PayPal capture, from the customer's return or the webhook, whichever comes first:
 * recorded once (the capture id is unique) with its settle job and audit, then "order paid".
 */
export async function recordPaypalCapture(d: SettleQuoteDeps, quoteId: number, capture: { id: string; amountCents: number; currency: string }, paidOn: string): Promise<SettleOutcome> {
  await d.db.transaction().execute(async (trx) => {
    if (await d.payments.insertPaypalCapture(trx, quoteId, capture, paidOn)) {
      await d.audit.record({ action: 'payment.paypal', at: d.clock.now(), details: { quoteId, captureId: capture.id, amountCents: capture.amountCents, currency: capture.currency } }, trx);
    }
  });
  return settleQuote(d, quoteId);
}
