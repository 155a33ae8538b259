import type { SettleOutcome } from '../payments.service.ts';
import { settleQuote, type SettleQuoteDeps } from './settle-quote.ts';

/**
 * A completed PayPal capture, from the customer's return or the webhook, whichever comes first:
 * recorded once (the capture id is unique) with its settle job and audit, then "order paid".
 */
export async function recordPaypalCapture(d: SettleQuoteDeps, quoteId: number, capture: { id: string; amountCents: number; currency: string }, paidOn: string): Promise<SettleOutcome> {
  // Approved on a quote that was re-issued meanwhile: the money counts on the quote that replaced it.
  const target = await currentQuoteId(d, quoteId);
  await d.db.transaction().execute(async (trx) => {
    if (await d.payments.insertPaypalCapture(trx, target, capture, paidOn, target === quoteId ? null : quoteId)) {
      await d.audit.record({ action: 'payment.paypal', at: d.clock.now(), details: { quoteId: target, approvedOnQuoteId: quoteId, captureId: capture.id, amountCents: capture.amountCents, currency: capture.currency } }, trx);
    }
  });
  return settleQuote(d, target);
}

async function currentQuoteId(d: SettleQuoteDeps, quoteId: number): Promise<number> {
  const quote = await d.billing.findDocument({ id: quoteId });
  if (!quote || quote.order_id === null || !(await d.billing.isCancelled(quoteId))) return quoteId;
  const latest = await d.billing.latestQuoteForOrder(quote.order_id);
  return latest && latest.id !== quoteId && !(await d.billing.isCancelled(latest.id)) ? latest.id : quoteId;
}
