import { X509Certificate, verify as cryptoVerify } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Clock } from '../../../platform/clock.ts';

/**
 * Offline verification of a PayPal webhook, the way PayPal documents it: the signed message is
 * `transmission_id|transmission_time|webhook_id|crc32(raw body)` (the CRC32 as an unsigned decimal),
 * signed SHA256withRSA by the key of the certificate at `paypal-cert-url`.
 *
 * The only thing that makes that certificate PayPal's is where it comes from: an https URL on one of
 * PayPal's own hosts (exact host match, redirects refused), so the host allow-list is the trust anchor.
 * Plain http is accepted only for a loopback host that is in the list, so that tests can serve a
 * certificate from a local fake without a production list ever being downgraded to http.
 *
 * The body must be the exact bytes received: CRC32 over a re-serialised JSON does not match.
 */

export type WebhookVerifyFailure =
  | 'missing_headers'
  | 'untrusted_cert_url'
  | 'cert_fetch_failed'
  | 'cert_expired'
  | 'bad_signature'
  | 'bad_algo'
  | 'stale';

export type WebhookVerifyResult = { ok: true } | { ok: false; reason: WebhookVerifyFailure };

/** What Node's http (and Fastify's `request.headers`) or a WHATWG `Headers` give. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface WebhookVerifierOptions {
  /** the id of the webhook as registered at PayPal (part of the signed message) */
  webhookId: string;
  /** hosts allowed to serve signing certificates */
  certHosts: readonly string[];
  /** injectable for tests (defaults to the global fetch) */
  fetch?: FetchLike;
  clock?: Clock;
  /** max age (and max lead, for clock skew) of paypal-transmission-time; null turns the check off. Default 3600. */
  toleranceSeconds?: number | null;
  /** timeout of one certificate download; default 10 s */
  certTimeoutMs?: number;
}

export const PAYPAL_AUTH_ALGO = 'SHA256withRSA';
const MAX_CERT_BYTES = 64 * 1024;
const MAX_CACHED_CERTS = 32;

export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) || undefined;
  const rec = headers;
  let v = rec[name];
  if (v === undefined) {
    const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
    v = key === undefined ? undefined : rec[key];
  }
  if (Array.isArray(v)) v = v[0];
  return v === undefined || v === '' ? undefined : v;
}

export interface PaypalTransmission {
  transmissionId: string;
  transmissionTime: string;
  transmissionSig: string;
  certUrl: string;
  authAlgo: string;
}

/** The five PayPal transmission headers, or null when one is missing. */
export function readTransmissionHeaders(headers: WebhookHeaders): PaypalTransmission | null {
  const transmissionId = headerValue(headers, 'paypal-transmission-id');
  const transmissionTime = headerValue(headers, 'paypal-transmission-time');
  const transmissionSig = headerValue(headers, 'paypal-transmission-sig');
  const certUrl = headerValue(headers, 'paypal-cert-url');
  const authAlgo = headerValue(headers, 'paypal-auth-algo');
  if (!transmissionId || !transmissionTime || !transmissionSig || !certUrl || !authAlgo) return null;
  return { transmissionId, transmissionTime, transmissionSig, certUrl, authAlgo };
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** `transmission_id|transmission_time|webhook_id|crc32` — the string PayPal signs. */
export function signedMessage(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: Uint8Array | string): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(toBytes(rawBody)) >>> 0}`;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * Whether a certificate may be downloaded from this URL. Parsed with the WHATWG URL parser (the same
 * one fetch uses), then the host compared exactly — never with endsWith/includes — so
 * `api.paypal.com.evil.net`, `evil.net/api.paypal.com` and `api.paypal.com@evil.net` all fail.
 * An allow-list entry with a port (`127.0.0.1:8443`) must match host and port.
 */
export function isTrustedCertUrl(certUrl: string, certHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(certUrl);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  const listed = certHosts.some((h) => {
    const entry = h.trim().toLowerCase();
    return entry !== '' && (entry === hostname || entry === host);
  });
  if (!listed) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK.test(hostname);
}

export class PaypalWebhookVerifier {
  readonly #webhookId: string;
  readonly #certHosts: readonly string[];
  readonly #fetch: FetchLike;
  readonly #clock: Clock | undefined;
  readonly #toleranceMs: number | null;
  readonly #certTimeoutMs: number;
  /** certificates by URL; a failed download is not kept, so the next webhook tries again */
  readonly #certs = new Map<string, Promise<X509Certificate>>();

  constructor(options: WebhookVerifierOptions) {
    this.#webhookId = options.webhookId;
    this.#certHosts = [...options.certHosts];
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#clock = options.clock;
    const tol = options.toleranceSeconds === undefined ? 3600 : options.toleranceSeconds;
    this.#toleranceMs = tol === null ? null : tol * 1000;
    this.#certTimeoutMs = options.certTimeoutMs ?? 10_000;
  }

  /**
   * Verifies one delivery. `rawBody` must be the bytes exactly as received. `now` defaults to the
   * clock given at construction, then to the system time.
   */
  async verify(headers: WebhookHeaders, rawBody: Uint8Array | string, now?: Date): Promise<WebhookVerifyResult> {
    const t = readTransmissionHeaders(headers);
    if (!t) return { ok: false, reason: 'missing_headers' };
    if (t.authAlgo !== PAYPAL_AUTH_ALGO) return { ok: false, reason: 'bad_algo' };

    const at = (now ?? this.#clock?.now() ?? new Date()).getTime();
    if (this.#toleranceMs !== null) {
      const sent = Date.parse(t.transmissionTime);
      if (Number.isNaN(sent) || Math.abs(at - sent) > this.#toleranceMs) return { ok: false, reason: 'stale' };
    }

    if (!isTrustedCertUrl(t.certUrl, this.#certHosts)) return { ok: false, reason: 'untrusted_cert_url' };

    let cert: X509Certificate;
    try {
      cert = await this.#certificate(t.certUrl);
    } catch {
      return { ok: false, reason: 'cert_fetch_failed' };
    }
    if (at < cert.validFromDate.getTime() || at > cert.validToDate.getTime()) return { ok: false, reason: 'cert_expired' };

    const message = signedMessage(t.transmissionId, t.transmissionTime, this.#webhookId, rawBody);
    const signature = Buffer.from(t.transmissionSig, 'base64');
    let good = false;
    try {
      good = signature.length > 0 && cryptoVerify('sha256', Buffer.from(message, 'utf8'), cert.publicKey, signature);
    } catch {
      good = false;
    }
    return good ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }

  /** Forget downloaded certificates (e.g. after PayPal rotates them, though a new one has a new URL). */
  clearCache(): void {
    this.#certs.clear();
  }

  #certificate(url: string): Promise<X509Certificate> {
    const cached = this.#certs.get(url);
    if (cached) return cached;
    const pending = this.#download(url);
    if (this.#certs.size >= MAX_CACHED_CERTS) {
      const oldest = this.#certs.keys().next();
      if (!oldest.done) this.#certs.delete(oldest.value);
    }
    this.#certs.set(url, pending);
    pending.catch(() => {
      if (this.#certs.get(url) === pending) this.#certs.delete(url);
    });
    return pending;
  }

  async #download(url: string): Promise<X509Certificate> {
    // redirect: 'error' — a redirect could lead off the allow-listed host.
    const res = await this.#fetch(url, { method: 'GET', redirect: 'error', signal: AbortSignal.timeout(this.#certTimeoutMs) });
    if (!res.ok) throw new Error(`certificate download failed: HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_CERT_BYTES) throw new Error('certificate too large');
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MAX_CERT_BYTES) throw new Error('certificate too large');
    // The file may hold a chain: X509Certificate takes the first (leaf) certificate.
    return new X509Certificate(bytes);
  }
}
