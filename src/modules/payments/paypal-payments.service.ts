import { parisDate } from '../../platform/dates.ts';
import type { DocumentRow } from '../../platform/db/schema.ts';
import { PaypalClient, PaypalError } from './paypal/paypal.client.ts';
import { normaliseCapture, obj, str } from './paypal/paypal.model.ts';
import type { PaymentError, SettleOutcome } from './payments.service.ts';
import { recordPaypalCapture } from './use-cases/record-paypal-capture.ts';
import type { SettleQuoteDeps } from './use-cases/settle-quote.ts';

export type PaypalStartError = PaymentError | 'paypal_not_configured' | 'quote_already_paid' | 'paypal_unavailable' | 'paypal_not_for_support';

export type CaptureOutcome =
  | { kind: 'paid'; settle: SettleOutcome; quoteNumber: string }
  | { kind: 'pending'; quoteNumber: string }
  | { kind: 'declined'; quoteNumber: string }
  | { kind: 'not_approved'; quoteNumber: string }
  | { kind: 'currency_mismatch'; quoteNumber: string }
  | { kind: 'unknown_order' };

/** PayPal's flow ends in the "order paid" use case: it takes what that use case takes. */
export interface PaypalPaymentsDeps extends SettleQuoteDeps {
  client: PaypalClient | null;
}

/**
 * PayPal Orders v2: an order per attempt to pay a quote; capture on the customer's return and on the
 * webhook, whichever comes first; every path ends in PaymentsService.recordPaypalCapture, once.
 */
export class PaypalPayments {
  readonly #d: PaypalPaymentsDeps;
  constructor(deps: PaypalPaymentsDeps) {
    this.#d = deps;
  }

  get enabled(): boolean {
    return this.#d.client !== null;
  }

  /** "Payer avec PayPal": returns where to send the customer to approve the payment. */
  /** What a customer's quote still asks for, if PayPal can take it now. */
  async amountDue(userId: number, quoteNumber: string): Promise<{ ok: true; quote: DocumentRow; dueCents: number } | { ok: false; error: PaypalStartError }> {
    if (!this.#d.client) return { ok: false, error: 'paypal_not_configured' };
    const payable = await this.#d.payments.payableQuote(quoteNumber);
    if (!payable.ok) return payable;
    const quote = payable.quote;
    if (quote.user_id !== userId) return { ok: false, error: 'quote_unknown' };
    // An accompaniment's deposit or balance is paid by transfer or cheque (their documents print no PayPal link).
    if (quote.order_id === null) return { ok: false, error: 'paypal_not_for_support' };
    if ((await this.#d.billing.stateOf(quote)) === 'paid') return { ok: false, error: 'quote_already_paid' };
    const { dueCents: due } = await this.#d.payments.balance(quote);
    if (due === 0) return { ok: false, error: 'quote_already_paid' };
    return { ok: true, quote, dueCents: due };
  }

  async start(userId: number, quoteNumber: string): Promise<{ ok: true; approveUrl: string } | { ok: false; error: PaypalStartError }> {
    const payable = await this.amountDue(userId, quoteNumber);
    if (!payable.ok) return payable;
    const { quote, dueCents: due } = payable;
    if (!this.#d.client) return { ok: false, error: 'paypal_not_configured' };
    // An attempt still open for the same amount is reused: a double click makes one PayPal order.
    const open = await this.#d.db
      .selectFrom('paypal_orders')
      .selectAll()
      .where('quote_id', '=', quote.id)
      .where('amount_cents', '=', due)
      .where('status', 'in', ['CREATED', 'PAYER_ACTION_REQUIRED', 'APPROVED'])
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (open?.approve_url) return { ok: true, approveUrl: open.approve_url };
    const attempts = await this.#d.db.selectFrom('paypal_orders').select((eb) => eb.fn.countAll<number>().as('n')).where('quote_id', '=', quote.id).executeTakeFirst();
    const requestId = `ecrin-${quote.number}-${Number(attempts?.n ?? 0) + 1}`;
    try {
      const created = await this.#d.client.createOrder({
        requestId,
        amountCents: due,
        currency: 'EUR',
        invoiceId: quote.number,
        customId: String(quote.id),
        description: `Devis ${quote.number}`,
        returnUrl: `${this.#d.portalUrl()}/paiement/paypal/retour`,
        cancelUrl: `${this.#d.portalUrl()}/paiement/paypal/annulation`,
      });
      const now = this.#d.clock.now();
      await this.#d.db
        .insertInto('paypal_orders')
        .values({ quote_id: quote.id, paypal_order_id: created.id, request_id: requestId, status: created.status, amount_cents: due, approve_url: created.approveUrl, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('paypal_order_id').doNothing())
        .execute();
      return { ok: true, approveUrl: created.approveUrl };
    } catch (err) {
      this.#d.logger.error({ err: err instanceof PaypalError ? { status: err.status, name: err.paypalName, debugId: err.debugId } : String(err) }, 'PayPal order creation failed');
      return { ok: false, error: 'paypal_unavailable' };
    }
  }

  async #orderRow(paypalOrderId: string) {
    return this.#d.db.selectFrom('paypal_orders').selectAll().where('paypal_order_id', '=', paypalOrderId).executeTakeFirst();
  }

  async #setStatus(paypalOrderId: string, status: string): Promise<void> {
    await this.#d.db.updateTable('paypal_orders').set({ status, updated_at: this.#d.clock.now() }).where('paypal_order_id', '=', paypalOrderId).execute();
  }

  /** Capture an approved order (from the return URL or the CHECKOUT.ORDER.APPROVED webhook). */
  async capture(paypalOrderId: string): Promise<CaptureOutcome> {
    const row = await this.#orderRow(paypalOrderId);
    if (!row || !this.#d.client) return { kind: 'unknown_order' };
    const quote = await this.#d.billing.findDocument({ id: row.quote_id });
    if (!quote) return { kind: 'unknown_order' };
    let result;
    try {
      // One request id per PayPal order: the return and the webhook capturing together make one capture.
      result = await this.#d.client.captureOrder(paypalOrderId, `capture-${paypalOrderId}`);
    } catch (err) {
      if (err instanceof PaypalError && (err.hasIssue('INSTRUMENT_DECLINED') || err.hasIssue('ORDER_NOT_APPROVED'))) {
        await this.#setStatus(paypalOrderId, err.hasIssue('INSTRUMENT_DECLINED') ? 'DECLINED' : row.status);
        return { kind: err.hasIssue('INSTRUMENT_DECLINED') ? 'declined' : 'not_approved', quoteNumber: quote.number };
      }
      throw err;
    }
    if (!result.capture) return { kind: 'not_approved', quoteNumber: quote.number };
    return this.#applyCapture(quote, paypalOrderId, result.capture);
  }

  async #applyCapture(quote: DocumentRow, paypalOrderId: string, capture: { id: string; status: string; amountCents: number; currency: string }): Promise<CaptureOutcome> {
    await this.#setStatus(paypalOrderId, capture.status === 'COMPLETED' ? 'COMPLETED' : capture.status);
    if (capture.status === 'PENDING') return { kind: 'pending', quoteNumber: quote.number };
    if (capture.status !== 'COMPLETED') return { kind: 'declined', quoteNumber: quote.number };
    if (capture.currency !== 'EUR') {
      // Money in another currency is not counted against a quote in euros: the operator decides.
      this.#d.logger.error({ quote: quote.number, capture: capture.id, currency: capture.currency }, 'PayPal capture in an unexpected currency');
      await this.#d.audit.record({ action: 'payment.paypal', at: this.#d.clock.now(), subjectUserId: quote.user_id, details: { quote: quote.number, captureId: capture.id, problem: 'currency_mismatch', currency: capture.currency, amountCents: capture.amountCents } });
      return { kind: 'currency_mismatch', quoteNumber: quote.number };
    }
    const settle = await recordPaypalCapture(this.#d, quote.id, capture, parisDate(this.#d.clock.now()));
    return { kind: 'paid', settle, quoteNumber: quote.number };
  }

  /**
   * A webhook, as received: verified first, on the exact bytes — one that fails is only counted
   * (per day and reason, a bounded summary), never stored, so anonymous bodies cannot fill the
   * database. A verified one is stored whole (raw body, headers, outcome) for audit and replay,
   * de-duplicated by event id, then applied. Returns the status for the sender (5xx: retry later).
   */
  async receiveWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer): Promise<{ status: number; outcome: string }> {
    const now = this.#d.clock.now();
    if (!this.#d.client) return { status: 404, outcome: 'not_configured' };
    const check = await this.#d.client.verifyWebhook(headers, rawBody);
    if (!check.ok) {
      const first = await this.#countRejection(check.reason, now);
      // Logged once a day per reason: the summary has the count.
      if (first) this.#d.logger.warn({ reason: check.reason }, 'PayPal webhook rejected (further rejections today are only counted)');
      return { status: 400, outcome: `rejected:${check.reason}` };
    }
    const text = rawBody.toString('utf8');
    let event: Record<string, unknown> | null = null;
    try {
      event = obj(JSON.parse(text));
    } catch {
      event = null;
    }
    const eventId = event ? str(event.id) : null;
    const eventType = event ? str(event.event_type) : null;
    const keptHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('paypal-') || k === 'content-type' || k === 'user-agent').map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    const record = async (verified: boolean, outcome: string) => {
      await this.#d.db.insertInto('paypal_events').values({ received_at: now, event_id: eventId, event_type: eventType, raw_body: text.slice(0, 200_000), headers: JSON.stringify(keptHeaders), verified, outcome }).execute();
    };
    if (!event || !eventId) {
      await record(true, 'malformed');
      return { status: 400, outcome: 'malformed' };
    }
    const seen = await this.#d.db.selectFrom('paypal_events').select('id').where('event_id', '=', eventId).where('verified', '=', true).where('outcome', 'not like', 'error%').executeTakeFirst();
    if (seen) {
      await record(true, 'duplicate');
      return { status: 200, outcome: 'duplicate' };
    }
    let outcome: string;
    try {
      outcome = await this.#apply(eventType ?? '', obj(event.resource));
    } catch (err) {
      // Recorded, and answered with an error so that PayPal delivers it again later.
      this.#d.logger.error({ err, eventId, eventType }, 'PayPal webhook could not be applied');
      await record(true, 'error');
      return { status: 500, outcome: 'error' };
    }
    await record(true, outcome);
    return { status: 200, outcome };
  }

  /** One more rejection of the day for this reason; true when it is the first. Rows older than 90 days go. */
  async #countRejection(reason: string, now: Date): Promise<boolean> {
    const day = parisDate(now);
    const row = await this.#d.db
      .insertInto('paypal_webhook_rejections')
      .values({ day, reason, count: 1, last_at: now })
      .onConflict((oc) => oc.columns(['day', 'reason']).doUpdateSet((eb) => ({ count: eb('paypal_webhook_rejections.count', '+', 1), last_at: now })))
      .returning('count')
      .executeTakeFirstOrThrow();
    if (row.count === 1) await this.#d.db.deleteFrom('paypal_webhook_rejections').where('day', '<', parisDate(new Date(now.getTime() - 90 * 86_400_000))).execute();
    return row.count === 1;
  }

  /** Webhooks refused by verification, per day and reason (the most recent days first). */
  rejectionSummary(days = 30) {
    return this.#d.db.selectFrom('paypal_webhook_rejections').selectAll().orderBy('day', 'desc').orderBy('reason').limit(days * 10).execute();
  }

  async #apply(type: string, resource: Record<string, unknown> | null): Promise<string> {
    if (!resource) return 'ignored:no_resource';
    switch (type) {
      case 'CHECKOUT.ORDER.APPROVED': {
        const id = str(resource.id);
        if (!id) return 'ignored:no_order_id';
        return `capture:${(await this.capture(id)).kind}`;
      }
      case 'PAYMENT.CAPTURE.COMPLETED':
      case 'PAYMENT.CAPTURE.PENDING':
      case 'PAYMENT.CAPTURE.DENIED':
      case 'PAYMENT.CAPTURE.DECLINED': {
        const capture = normaliseCapture(resource);
        const related = obj(obj(resource.supplementary_data)?.related_ids);
        const orderId = related ? str(related.order_id) : null;
        if (!capture || !orderId) return 'ignored:no_capture';
        const row = await this.#orderRow(orderId);
        const quote = row ? await this.#d.billing.findDocument({ id: row.quote_id }) : undefined;
        if (!row || !quote) return 'ignored:unknown_order';
        if (capture.customId && capture.customId !== String(quote.id)) return 'ignored:custom_id_mismatch';
        return `capture:${(await this.#applyCapture(quote, orderId, capture)).kind}`;
      }
      default:
        return 'ignored';
    }
  }
}
