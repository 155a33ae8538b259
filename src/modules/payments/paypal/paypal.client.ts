import type { Clock } from '../../../platform/clock.ts';
import {
  PaypalWebhookVerifier,
  readTransmissionHeaders,
  type FetchLike,
  type WebhookHeaders,
  type WebhookVerifyResult,
} from './webhook-verify.ts';
import {
  PaypalError,
  arr,
  formatCents,
  normaliseOrder,
  obj,
  str,
  type CaptureResult,
  type OrderDetails,
} from './paypal.model.ts';

export {
  PaypalError,
  formatCents,
  normaliseCapture,
  parseAmountCents,
  type CaptureResult,
  type CaptureStatus,
  type NormalisedCapture,
  type OrderDetails,
} from './paypal.model.ts';
export type { WebhookHeaders, WebhookVerifyResult } from './webhook-verify.ts';

/**
 * A thin `fetch` client of PayPal's Orders v2 API. The official SDK cannot be pointed at another base
 * URL; this one can, so tests run it against the local fake (test/support/fake-paypal.ts).
 * Money crosses this boundary in integer cents only; PayPal's decimal strings are parsed exactly.
 */

export interface PaypalConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  /** hosts allowed to serve webhook signing certificates */
  certHosts: string[];
}

export const PAYPAL_LIVE_BASE_URL = 'https://api-m.paypal.com';
export const PAYPAL_SANDBOX_BASE_URL = 'https://api-m.sandbox.paypal.com';
/** Where PayPal serves its webhook certificates, live and sandbox. */
export const DEFAULT_PAYPAL_CERT_HOSTS: readonly string[] = Object.freeze([
  'api.paypal.com',
  'api.sandbox.paypal.com',
  'api-m.paypal.com',
  'api-m.sandbox.paypal.com',
]);

export interface PaypalClientOptions {
  fetch?: FetchLike;
  clock?: Clock;
  /** per request; default 15 s */
  timeoutMs?: number;
  /** shown on PayPal's pages; default 'ecrin' */
  brandName?: string;
  /** tolerance of the offline webhook check, see PaypalWebhookVerifier */
  webhookToleranceSeconds?: number | null;
}

export interface CreateOrderInput {
  /** idempotency key (PayPal-Request-Id): the same key returns the same order */
  requestId: string;
  amountCents: number;
  currency: 'EUR';
  invoiceId: string;
  customId: string;
  description: string;
  returnUrl: string;
  cancelUrl: string;
  locale?: string;
  brandName?: string;
}

export interface CreatedOrder {
  id: string;
  /** PAYER_ACTION_REQUIRED (with payment_source.paypal, as here) or CREATED */
  status: string;
  approveUrl: string;
}

interface CallOptions {
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const TOKEN_MARGIN_MS = 60_000;

export class PaypalClient {
  readonly #config: PaypalConfig;
  readonly #baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #clock: Clock | undefined;
  readonly #timeoutMs: number;
  readonly #brandName: string;
  readonly #verifier: PaypalWebhookVerifier;
  #token: { value: string; expiresAt: number } | null = null;
  #tokenPending: Promise<string> | null = null;

  constructor(config: PaypalConfig, options: PaypalClientOptions = {}) {
    this.#config = config;
    this.#baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#brandName = options.brandName ?? 'ecrin';
    this.#verifier = new PaypalWebhookVerifier({
      webhookId: config.webhookId,
      certHosts: config.certHosts,
      fetch: this.#fetch,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.webhookToleranceSeconds !== undefined ? { toleranceSeconds: options.webhookToleranceSeconds } : {}),
    });
  }

  async createOrder(input: CreateOrderInput): Promise<CreatedOrder> {
    const body = {
      intent: 'CAPTURE',
      purchase_units: [
        {
          reference_id: 'default',
          amount: { currency_code: input.currency, value: formatCents(input.amountCents) },
          invoice_id: input.invoiceId,
          custom_id: input.customId,
          description: input.description.slice(0, 127),
        },
      ],
      payment_source: {
        paypal: {
          experience_context: {
            return_url: input.returnUrl,
            cancel_url: input.cancelUrl,
            user_action: 'PAY_NOW',
            shipping_preference: 'NO_SHIPPING',
            brand_name: (input.brandName ?? this.#brandName).slice(0, 127),
            locale: input.locale ?? 'fr-FR',
          },
        },
      },
    };
    const res = obj(await this.#api('POST', '/v2/checkout/orders', { body: JSON.stringify(body), headers: { 'PayPal-Request-Id': input.requestId } }));
    const id = str(res?.id);
    const status = str(res?.status);
    const links = arr(res?.links).map(obj);
    const link = links.find((l) => l?.rel === 'payer-action') ?? links.find((l) => l?.rel === 'approve');
    const approveUrl = str(link?.href);
    if (!id || !status || !approveUrl) throw new PaypalError(0, 'INVALID_RESPONSE', 'PayPal returned an order without id, status or approval link');
    return { id, status, approveUrl };
  }

  async getOrder(orderId: string): Promise<OrderDetails> {
    return normaliseOrder(await this.#api('GET', `/v2/checkout/orders/${encodeURIComponent(orderId)}`));
  }

  /**
   * Captures an approved order. Harmless to repeat: the same requestId replays PayPal's first answer,
   * and a capture of an order already captured (ORDER_ALREADY_CAPTURED) returns the existing capture.
   * Other refusals are thrown (e.g. ORDER_NOT_APPROVED; INSTRUMENT_DECLINED, after which the payer
   * may be sent to the approval link again).
   */
  async captureOrder(orderId: string, requestId: string): Promise<CaptureResult> {
    const path = `/v2/checkout/orders/${encodeURIComponent(orderId)}/capture`;
    try {
      const raw = await this.#api('POST', path, { body: '{}', headers: { 'PayPal-Request-Id': requestId, Prefer: 'return=representation' } });
      const { orderId: id, orderStatus, capture } = normaliseOrder(raw);
      return { orderId: id, orderStatus, capture };
    } catch (err) {
      if (err instanceof PaypalError && err.status === 422 && err.hasIssue('ORDER_ALREADY_CAPTURED')) {
        const { orderId: id, orderStatus, capture } = await this.getOrder(orderId);
        return { orderId: id, orderStatus, capture };
      }
      throw err;
    }
  }

  /**
   * Asks PayPal to check a webhook (POST /v1/notifications/verify-webhook-signature). The raw body is
   * spliced into the request as it came, not re-serialised, so PayPal's CRC32 sees the same bytes.
   */
  async verifyWebhookSignatureApi(headers: WebhookHeaders, rawBody: Uint8Array | string): Promise<boolean> {
    const t = readTransmissionHeaders(headers);
    if (!t) return false;
    const text = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
    try {
      if (obj(JSON.parse(text)) === null) return false;
    } catch {
      return false;
    }
    const fields = JSON.stringify({
      auth_algo: t.authAlgo,
      cert_url: t.certUrl,
      transmission_id: t.transmissionId,
      transmission_sig: t.transmissionSig,
      transmission_time: t.transmissionTime,
      webhook_id: this.#config.webhookId,
    });
    const body = `${fields.slice(0, -1)},"webhook_event":${text}}`;
    const res = obj(await this.#api('POST', '/v1/notifications/verify-webhook-signature', { body }));
    return res?.verification_status === 'SUCCESS';
  }

  /** Offline check (certificate + CRC32), see webhook-verify.ts; certificates cached per client. */
  verifyWebhook(headers: WebhookHeaders, rawBody: Uint8Array | string, now?: Date): Promise<WebhookVerifyResult> {
    return this.#verifier.verify(headers, rawBody, now);
  }

  #now(): number {
    return (this.#clock?.now() ?? new Date()).getTime();
  }

  async #accessToken(): Promise<string> {
    if (this.#token && this.#now() < this.#token.expiresAt) return this.#token.value;
    // concurrent callers share one token request
    this.#tokenPending ??= this.#requestToken().finally(() => {
      this.#tokenPending = null;
    });
    return this.#tokenPending;
  }

  async #requestToken(): Promise<string> {
    const basic = Buffer.from(`${this.#config.clientId}:${this.#config.clientSecret}`, 'utf8').toString('base64');
    const res = obj(
      await this.#send('POST', '/v1/oauth2/token', {
        body: 'grant_type=client_credentials',
        contentType: 'application/x-www-form-urlencoded',
        headers: { Authorization: `Basic ${basic}` },
      }),
    );
    const value = str(res?.access_token);
    const expiresIn = typeof res?.expires_in === 'number' ? res.expires_in : Number(res?.expires_in);
    if (!value || !Number.isFinite(expiresIn)) throw new PaypalError(0, 'INVALID_RESPONSE', 'PayPal returned no usable access token');
    const lifetime = expiresIn * 1000;
    this.#token = { value, expiresAt: this.#now() + Math.max(0, lifetime - Math.min(TOKEN_MARGIN_MS, lifetime / 10)) };
    return value;
  }

  /** An authenticated call; on a 401 the token is dropped and the call made once more with a new one. */
  async #api(method: string, path: string, options: CallOptions = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#accessToken();
      try {
        return await this.#send(method, path, { ...options, headers: { ...options.headers, Authorization: `Bearer ${token}` } });
      } catch (err) {
        if (attempt === 0 && err instanceof PaypalError && err.status === 401) {
          if (this.#token?.value === token) this.#token = null;
          continue;
        }
        throw err;
      }
    }
  }

  async #send(method: string, path: string, options: CallOptions): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const detail = timeout ? `no answer within ${this.#timeoutMs} ms` : this.#scrub(err instanceof Error ? err.message : String(err));
      throw new PaypalError(0, timeout ? 'TIMEOUT' : 'NETWORK_ERROR', `PayPal ${method} ${path}: ${detail}`);
    }
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (res.ok) {
      if (json === null && text !== '') throw new PaypalError(res.status, 'INVALID_RESPONSE', `PayPal ${method} ${path}: answer is not JSON`);
      return json;
    }
    const e = obj(json);
    const details = arr(e?.details).map(obj);
    const issues = details.map((d) => str(d?.issue)).filter((s): s is string => s !== null);
    const paypalName = str(e?.name) ?? str(e?.error) ?? `HTTP_${res.status}`;
    const description = str(e?.message) ?? str(e?.error_description) ?? res.statusText;
    const debugId = str(e?.debug_id) ?? res.headers.get('paypal-debug-id');
    const message = `PayPal ${method} ${path} → ${res.status} ${paypalName}: ${description}${issues.length ? ` [${issues.join(', ')}]` : ''}${debugId ? ` (debug_id ${debugId})` : ''}`;
    throw new PaypalError(res.status, paypalName, this.#scrub(message), debugId, issues);
  }

  /** Belt and braces: no message ever carries the secret, raw or inside a Basic header. */
  #scrub(text: string): string {
    const { clientId, clientSecret } = this.#config;
    if (!clientSecret) return text;
    const basic = Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64');
    return text.split(clientSecret).join('***').split(basic).join('***');
  }
}

/**
 * Where PayPal sends the payer to approve (the "payer-action" link): www.paypal.com for the live API,
 * www.sandbox.paypal.com for the sandbox, the API's own origin for anything else (a local stand-in).
 * The portal's CSP lets its "Payer avec PayPal" form lead there (form-action covers the redirect).
 */
export function paypalApprovalOrigin(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (/^api(-m)?\.sandbox\.paypal\.com$/.test(u.hostname)) return 'https://www.sandbox.paypal.com';
  if (/^api(-m)?\.paypal\.com$/.test(u.hostname)) return 'https://www.paypal.com';
  return u.origin;
}
