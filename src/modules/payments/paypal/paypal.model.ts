/**
 * PayPal's order and capture JSON, normalised: money in integer cents, parsed exactly from PayPal's
 * decimal strings (never through floats), and the error type of the client.
 */

export type CaptureStatus = 'COMPLETED' | 'PENDING' | 'DECLINED' | 'FAILED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | (string & {});

export interface NormalisedCapture {
  id: string;
  status: CaptureStatus;
  amountCents: number;
  currency: string;
  customId: string | null;
  invoiceId: string | null;
  /** status_details.reason, e.g. PENDING_REVIEW or ECHECK */
  statusReason: string | null;
}

export interface CaptureResult {
  orderId: string;
  /** CREATED, PAYER_ACTION_REQUIRED, APPROVED, COMPLETED, VOIDED… */
  orderStatus: string;
  capture: NormalisedCapture | null;
}

export interface OrderDetails extends CaptureResult {
  amountCents: number | null;
  currency: string | null;
  customId: string | null;
  invoiceId: string | null;
}

/** Every failure of the client. Carries PayPal's error name, issues and debug_id; never the secret. */
export class PaypalError extends Error {
  override readonly name = 'PaypalError';
  /** HTTP status; 0 when there was no HTTP answer (timeout, network) or it was unusable */
  readonly status: number;
  /** PayPal's error `name` (e.g. UNPROCESSABLE_ENTITY, RESOURCE_NOT_FOUND) or `error` (invalid_client), or TIMEOUT / NETWORK_ERROR / INVALID_RESPONSE */
  readonly paypalName: string;
  readonly debugId: string | null;
  /** `details[].issue`, e.g. ORDER_NOT_APPROVED, INSTRUMENT_DECLINED */
  readonly issues: string[];

  constructor(status: number, paypalName: string, message: string, debugId: string | null = null, issues: string[] = []) {
    super(message);
    this.status = status;
    this.paypalName = paypalName;
    this.debugId = debugId;
    this.issues = issues;
  }

  hasIssue(issue: string): boolean {
    return this.issues.includes(issue);
  }
}

/** 1234 → "12.34"; integers only, so no float ever reaches PayPal. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`invalid amount in cents: ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** "12.34" → 1234, "12.3" → 1230, "12" → 1200; anything else → null. */
export function parseAmountCents(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A capture object as PayPal returns it (in an order, a capture response or a PAYMENT.CAPTURE.* webhook). */
export function normaliseCapture(raw: unknown, unit?: Json | null): NormalisedCapture | null {
  const c = obj(raw);
  const amount = obj(c?.amount);
  const id = str(c?.id);
  const status = str(c?.status);
  const cents = parseAmountCents(amount?.value);
  const currency = str(amount?.currency_code);
  if (!c || !id || !status || cents === null || !currency) return null;
  return {
    id,
    status,
    amountCents: cents,
    currency,
    customId: str(c.custom_id) ?? str(unit?.custom_id),
    invoiceId: str(c.invoice_id) ?? str(unit?.invoice_id),
    statusReason: str(obj(c.status_details)?.reason),
  };
}

export function normaliseOrder(raw: unknown): OrderDetails {
  const o = obj(raw);
  const orderId = str(o?.id);
  const orderStatus = str(o?.status);
  if (!o || !orderId || !orderStatus) throw new PaypalError(0, 'INVALID_RESPONSE', 'PayPal returned an order without id or status');
  const unit = obj(arr(o.purchase_units)[0]);
  const captures = arr(obj(unit?.payments)?.captures)
    .map((c) => normaliseCapture(c, unit))
    .filter((c): c is NormalisedCapture => c !== null);
  // one purchase unit, intent CAPTURE: normally one capture; prefer a completed one, else the latest
  const capture = captures.find((c) => c.status === 'COMPLETED') ?? captures.at(-1) ?? null;
  const amount = obj(unit?.amount);
  return {
    orderId,
    orderStatus,
    capture,
    amountCents: parseAmountCents(amount?.value),
    currency: str(amount?.currency_code),
    customId: str(unit?.custom_id),
    invoiceId: str(unit?.invoice_id),
  };
}
