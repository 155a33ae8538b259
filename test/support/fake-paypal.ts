import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs it loaded first
import * as x509 from '@peculiar/x509';
import { KeyObject, X509Certificate, randomBytes, randomUUID, sign as cryptoSign, verify as cryptoVerify, webcrypto } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import type { PaypalConfig } from '../../src/modules/payments/paypal/paypal.client.ts';

/**
 * A fake PayPal on 127.0.0.1, a real HTTP server speaking the JSON of Orders v2 and of the webhook
 * notifications API, for the client's tests and the payment journeys:
 *   POST /v1/oauth2/token                       Basic auth, grant_type=client_credentials
 *   POST /v2/checkout/orders                    PayPal-Request-Id idempotent
 *   GET  /v2/checkout/orders/:id
 *   POST /v2/checkout/orders/:id/capture        APPROVED orders only; idempotent by PayPal-Request-Id
 *   GET  /checkoutnow?token=:id                 the payer's page: "Payer" (form POST) / "Annuler" (link)
 *   POST /checkoutnow/approve                   → 303 to return_url?token=…&PayerID=FAKEPAYER
 *   GET  /v1/notifications/certs/:name          the test certificate (PEM), whatever the name
 *   POST /v1/notifications/verify-webhook-signature
 * Webhooks are signed with a self-signed RSA 2048 certificate made once per process
 * (valid from now − 1 day to now + 30 days).
 */

export interface FakePaypalOptions {
  clientId?: string;
  clientSecret?: string;
  webhookId?: string;
  /** expires_in of issued tokens, seconds; default 32400 as PayPal's */
  tokenTtlSeconds?: number;
}

export interface LoggedRequest {
  method: string;
  /** path and query */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface SignWebhookOptions {
  webhookId?: string;
  /** the body is altered after signing */
  tamper?: boolean;
  certUrl?: string;
  transmissionTime?: Date;
}

export interface NextCapture {
  /** COMPLETED by default. INSTRUMENT_DECLINED answers 422 as PayPal does when the funding source fails. */
  outcome?: 'COMPLETED' | 'PENDING' | 'DECLINED' | 'INSTRUMENT_DECLINED';
  /** captured amount/currency instead of the order's, to test the amount checks */
  amount?: { value?: string; currency_code?: string };
}

type Json = Record<string, any>;

interface FakeOrder {
  id: string;
  intent: string;
  status: string;
  unit: Json;
  experience: Json;
  createTime: string;
  updateTime: string;
  captures: Json[];
  /** capture responses by PayPal-Request-Id */
  captureReplies: Map<string, { status: number; body: Json }>;
}

export interface FakePaypal {
  url: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  /** URL of the certificate on this server */
  certUrl: string;
  certPem: string;
  certNotBefore: Date;
  certNotAfter: Date;
  /** hosts for PaypalConfig.certHosts: ['127.0.0.1:PORT'] */
  certHosts: string[];
  requests: LoggedRequest[];
  /** a PaypalConfig pointing at this fake */
  config(): PaypalConfig;
  /** orders by id, in PayPal's JSON shape */
  order(id: string): Json | undefined;
  orderCount(): number;
  /** the next capture's outcome (once) */
  nextCapture(knob: NextCapture): void;
  /** approves an order without going through the page */
  approve(orderId: string): void;
  /** invalidates every token issued so far: the next API call answers 401 */
  revokeTokens(): void;
  signWebhook(event: object, opts?: SignWebhookOptions): { headers: Record<string, string>; body: string };
  sendWebhook(targetUrl: string, event: object, opts?: SignWebhookOptions): Promise<{ status: number; body: string }>;
  event: {
    orderApproved(orderId: string): Json;
    captureCompleted(orderId: string): Json;
    captureDenied(orderId: string): Json;
  };
  close(): Promise<void>;
}

interface TestCert {
  pem: string;
  privateKey: KeyObject;
  cert: X509Certificate;
}

let certPromise: Promise<TestCert> | null = null;

/** One RSA 2048 self-signed certificate per process (generation takes ~100 ms). */
export function testCertificate(): Promise<TestCert> {
  certPromise ??= (async () => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
      name: 'CN=messageverificationcerts.fake-paypal.test, O=ecrin tests',
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 30 * 86_400_000),
      signingAlgorithm: alg,
      keys,
    });
    const pem = cert.toString('pem');
    return { pem, privateKey: KeyObject.from(keys.privateKey), cert: new X509Certificate(pem) };
  })();
  return certPromise;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
function paypalId(length = 17): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'paypal-debug-id': paypalId(13).toLowerCase(), ...headers });
  res.end(text);
}

function error(res: ServerResponse, status: number, name: string, message: string, issue?: string, description?: string): void {
  const debug_id = paypalId(13).toLowerCase();
  send(res, status, {
    name,
    message,
    debug_id,
    ...(issue ? { details: [{ issue, description: description ?? issue }] } : {}),
    links: [{ href: `https://developer.paypal.com/docs/api/orders/v2/#error-${issue ?? name}`, rel: 'information_link', method: 'GET' }],
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakePaypal(options: FakePaypalOptions = {}): Promise<FakePaypal> {
  const tc = await testCertificate();
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? `fake-secret-${randomUUID()}`;
  const webhookId = options.webhookId ?? `WH-CONF-${paypalId(17)}`;
  const tokenTtl = options.tokenTtlSeconds ?? 32400;

  const requests: LoggedRequest[] = [];
  const tokens = new Set<string>();
  const orders = new Map<string, FakeOrder>();
  const ordersByRequestId = new Map<string, string>();
  let knob: NextCapture | null = null;
  let url = '';

  const orderLinks = (o: FakeOrder) => {
    const links = [{ href: `${url}/v2/checkout/orders/${o.id}`, rel: 'self', method: 'GET' }];
    if (o.status === 'PAYER_ACTION_REQUIRED') links.push({ href: `${url}/checkoutnow?token=${o.id}`, rel: 'payer-action', method: 'GET' });
    if (o.status === 'CREATED') links.push({ href: `${url}/checkoutnow?token=${o.id}`, rel: 'approve', method: 'GET' });
    if (o.status === 'APPROVED') links.push({ href: `${url}/v2/checkout/orders/${o.id}/capture`, rel: 'capture', method: 'POST' });
    return links;
  };

  const approved = (o: FakeOrder) => o.status === 'APPROVED' || o.status === 'COMPLETED';

  const orderJson = (o: FakeOrder): Json => ({
    id: o.id,
    intent: o.intent,
    status: o.status,
    ...(approved(o)
      ? {
          payment_source: { paypal: { email_address: 'payer@example.com', account_id: 'FAKEPAYER', account_status: 'VERIFIED', name: { given_name: 'Jeanne', surname: 'Payeur' }, address: { country_code: 'FR' } } },
          payer: { name: { given_name: 'Jeanne', surname: 'Payeur' }, email_address: 'payer@example.com', payer_id: 'FAKEPAYER', address: { country_code: 'FR' } },
        }
      : {}),
    purchase_units: [{ ...o.unit, ...(o.captures.length ? { payments: { captures: o.captures } } : {}) }],
    create_time: o.createTime,
    update_time: o.updateTime,
    links: orderLinks(o),
  });

  const findOrder = (id: string): FakeOrder | undefined => orders.get(id);

  function authorised(req: IncomingMessage, res: ServerResponse): boolean {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (tokens.has(token)) return true;
    send(res, 401, {
      name: 'AUTHENTICATION_FAILURE',
      message: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
      links: [{ href: 'https://developer.paypal.com/docs/api/overview/#error', rel: 'information_link' }],
    });
    return false;
  }

  function issueToken(req: IncomingMessage, res: ServerResponse, body: string): void {
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (auth !== expected) {
      send(res, 401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
      return;
    }
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' });
      return;
    }
    const token = `A21AA${randomBytes(24).toString('base64url')}`;
    tokens.add(token);
    send(res, 200, {
      scope: 'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/checkout/one-click-with-merchant-issued-token',
      access_token: token,
      token_type: 'Bearer',
      app_id: 'APP-80W284485P519543T',
      expires_in: tokenTtl,
      nonce: `${new Date().toISOString()}${randomBytes(8).toString('hex')}`,
    });
  }

  function createOrder(req: IncomingMessage, res: ServerResponse, body: string): void {
    const requestId = req.headers['paypal-request-id'];
    if (typeof requestId === 'string' && ordersByRequestId.has(requestId)) {
      const existing = orders.get(ordersByRequestId.get(requestId)!)!;
      send(res, 200, { id: existing.id, status: existing.status, links: orderLinks(existing) });
      return;
    }
    let input: Json;
    try {
      input = JSON.parse(body) as Json;
    } catch {
      error(res, 400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', 'MALFORMED_REQUEST_JSON');
      return;
    }
    const unit = input.purchase_units?.[0];
    const amount = unit?.amount;
    if (input.intent !== 'CAPTURE' && input.intent !== 'AUTHORIZE') {
      error(res, 400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', 'INVALID_PARAMETER_VALUE', 'intent');
      return;
    }
    if (!amount || typeof amount.currency_code !== 'string' || typeof amount.value !== 'string' || !/^\d{1,10}(\.\d{2})?$/.test(amount.value)) {
      error(res, 422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'DECIMAL_PRECISION', 'amount');
      return;
    }
    const experience = input.payment_source?.paypal?.experience_context ?? input.application_context ?? {};
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const o: FakeOrder = {
      id: paypalId(),
      intent: input.intent,
      status: input.payment_source?.paypal ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
      unit: {
        reference_id: unit.reference_id ?? 'default',
        amount: { currency_code: amount.currency_code, value: amount.value },
        payee: { email_address: 'merchant@example.com', merchant_id: 'FAKEMERCHANT01' },
        ...(unit.description !== undefined ? { description: unit.description } : {}),
        ...(unit.custom_id !== undefined ? { custom_id: unit.custom_id } : {}),
        ...(unit.invoice_id !== undefined ? { invoice_id: unit.invoice_id } : {}),
      },
      experience,
      createTime: now,
      updateTime: now,
      captures: [],
      captureReplies: new Map(),
    };
    orders.set(o.id, o);
    if (typeof requestId === 'string') ordersByRequestId.set(requestId, o.id);
    send(res, 201, { id: o.id, status: o.status, links: orderLinks(o) });
  }

  function capture(req: IncomingMessage, res: ServerResponse, o: FakeOrder): void {
    const requestId = req.headers['paypal-request-id'];
    const replay = typeof requestId === 'string' ? o.captureReplies.get(requestId) : undefined;
    if (replay) {
      send(res, replay.status, replay.body);
      return;
    }
    if (o.status === 'COMPLETED') {
      error(res, 422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'ORDER_ALREADY_CAPTURED', 'Order already captured. If \'intent=CAPTURE\' only one capture per order is allowed.');
      return;
    }
    if (o.status !== 'APPROVED') {
      error(res, 422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'ORDER_NOT_APPROVED', 'Payer has not yet approved the Order for payment.');
      return;
    }
    const k = knob ?? {};
    knob = null;
    if (k.outcome === 'INSTRUMENT_DECLINED') {
      error(res, 422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', 'INSTRUMENT_DECLINED', 'The instrument presented was either declined by the processor or bank, or it can\'t be used for this payment.');
      return;
    }
    const status = k.outcome ?? 'COMPLETED';
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const amount = { currency_code: k.amount?.currency_code ?? o.unit.amount.currency_code, value: k.amount?.value ?? o.unit.amount.value };
    const id = paypalId();
    const cap: Json = {
      id,
      status,
      ...(status === 'PENDING' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
      amount,
      final_capture: true,
      seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
      ...(status === 'COMPLETED'
        ? {
            seller_receivable_breakdown: {
              gross_amount: amount,
              paypal_fee: { currency_code: amount.currency_code, value: '0.35' },
              net_amount: { currency_code: amount.currency_code, value: (Number(amount.value) - 0.35).toFixed(2) },
            },
          }
        : {}),
      ...(o.unit.custom_id !== undefined ? { custom_id: o.unit.custom_id } : {}),
      ...(o.unit.invoice_id !== undefined ? { invoice_id: o.unit.invoice_id } : {}),
      links: [
        { href: `${url}/v2/payments/captures/${id}`, rel: 'self', method: 'GET' },
        { href: `${url}/v2/payments/captures/${id}/refund`, rel: 'refund', method: 'POST' },
        { href: `${url}/v2/checkout/orders/${o.id}`, rel: 'up', method: 'GET' },
      ],
      create_time: now,
      update_time: now,
    };
    o.captures.push(cap);
    o.status = 'COMPLETED';
    o.updateTime = now;
    const reply = { status: 201, body: orderJson(o) };
    if (typeof requestId === 'string') o.captureReplies.set(requestId, reply);
    send(res, reply.status, reply.body);
  }

  function approvalPage(res: ServerResponse, o: FakeOrder | undefined): void {
    if (!o) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>Commande inconnue</p>');
      return;
    }
    const cancel = new URL(String(o.experience.cancel_url ?? `${url}/`));
    cancel.searchParams.set('token', o.id);
    const brand = escapeHtml(String(o.experience.brand_name ?? 'Marchand'));
    const html = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>PayPal (fake) – ${brand}</title></head>
<body>
<h1>Payer ${brand}</h1>
<p>Montant : <strong id="amount">${escapeHtml(o.unit.amount.value)} ${escapeHtml(o.unit.amount.currency_code)}</strong></p>
<p>${escapeHtml(String(o.unit.description ?? ''))}</p>
<form method="post" action="/checkoutnow/approve">
<input type="hidden" name="token" value="${escapeHtml(o.id)}">
<button type="submit">Payer</button>
</form>
<p><a href="${escapeHtml(cancel.href)}">Annuler</a></p>
</body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  }

  function approveForm(res: ServerResponse, body: string): void {
    const o = findOrder(new URLSearchParams(body).get('token') ?? '');
    if (!o) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>Commande inconnue</p>');
      return;
    }
    approveOrder(o);
    const ret = new URL(String(o.experience.return_url ?? `${url}/`));
    ret.searchParams.set('token', o.id);
    ret.searchParams.set('PayerID', 'FAKEPAYER');
    res.writeHead(303, { location: ret.href }).end();
  }

  function approveOrder(o: FakeOrder): void {
    if (o.status === 'CREATED' || o.status === 'PAYER_ACTION_REQUIRED') {
      o.status = 'APPROVED';
      o.updateTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
  }

  /** What PayPal's verify API does: CRC32 over the event as sent, then the RSA check with its own certificate. */
  function verifyApi(res: ServerResponse, body: string): void {
    let input: Json;
    try {
      input = JSON.parse(body) as Json;
    } catch {
      error(res, 400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', 'MALFORMED_REQUEST_JSON');
      return;
    }
    const required = ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id'];
    const missing = required.find((f) => typeof input[f] !== 'string' || input[f] === '');
    if (missing || typeof input.webhook_event !== 'object' || input.webhook_event === null) {
      error(res, 400, 'VALIDATION_ERROR', 'Invalid data provided', 'MISSING_REQUIRED_PARAMETER', missing ?? 'webhook_event');
      return;
    }
    // the event's own bytes when it is the last member (as the client sends it), else its serialisation
    const at = body.lastIndexOf('"webhook_event":');
    let eventText = JSON.stringify(input.webhook_event);
    if (at >= 0) {
      const slice = body.slice(at + '"webhook_event":'.length, body.lastIndexOf('}')).trim();
      try {
        JSON.parse(slice);
        eventText = slice;
      } catch {
        /* keep the serialisation */
      }
    }
    let ok = input.auth_algo === 'SHA256withRSA';
    if (ok) {
      const message = `${input.transmission_id}|${input.transmission_time}|${input.webhook_id}|${crc32(Buffer.from(eventText, 'utf8')) >>> 0}`;
      try {
        ok = cryptoVerify('sha256', Buffer.from(message, 'utf8'), tc.cert.publicKey, Buffer.from(input.transmission_sig, 'base64'));
      } catch {
        ok = false;
      }
    }
    send(res, 200, { verification_status: ok ? 'SUCCESS' : 'FAILURE' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    requests.push({ method, path, headers: req.headers });
    const u = new URL(path, 'http://fake');
    const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    const orderPath = /^\/v2\/checkout\/orders\/([A-Z0-9]+)(\/capture)?$/.exec(u.pathname);

    if (method === 'POST' && u.pathname === '/v1/oauth2/token') return issueToken(req, res, body);
    if (method === 'GET' && u.pathname === '/checkoutnow') return approvalPage(res, findOrder(u.searchParams.get('token') ?? ''));
    if (method === 'POST' && u.pathname === '/checkoutnow/approve') return approveForm(res, body);
    if (method === 'GET' && u.pathname.startsWith('/v1/notifications/certs/')) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(tc.pem);
      return;
    }
    if (u.pathname === '/v2/checkout/orders' && method === 'POST') {
      if (authorised(req, res)) createOrder(req, res, body);
      return;
    }
    if (orderPath) {
      if (!authorised(req, res)) return;
      const o = findOrder(orderPath[1]!);
      if (!o) return error(res, 404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', 'INVALID_RESOURCE_ID', 'Specified resource ID does not exist. Please check the resource ID and try again.');
      if (method === 'GET' && !orderPath[2]) return send(res, 200, orderJson(o));
      if (method === 'POST' && orderPath[2]) return capture(req, res, o);
    }
    if (method === 'POST' && u.pathname === '/v1/notifications/verify-webhook-signature') {
      if (authorised(req, res)) verifyApi(res, body);
      return;
    }
    error(res, 404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { name: 'INTERNAL_SERVER_ERROR', message: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  const certUrl = `${url}/v1/notifications/certs/CERT-360caa42-fca2a594-fake0001`;

  function signWebhook(event: object, opts: SignWebhookOptions = {}): { headers: Record<string, string>; body: string } {
    const body = JSON.stringify(event);
    const transmissionId = randomUUID();
    const transmissionTime = (opts.transmissionTime ?? new Date()).toISOString();
    const message = `${transmissionId}|${transmissionTime}|${opts.webhookId ?? webhookId}|${crc32(Buffer.from(body, 'utf8')) >>> 0}`;
    const sig = cryptoSign('sha256', Buffer.from(message, 'utf8'), tc.privateKey).toString('base64');
    return {
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': sig,
        'paypal-cert-url': opts.certUrl ?? certUrl,
        'paypal-auth-algo': 'SHA256withRSA',
      },
      body: opts.tamper ? JSON.stringify({ ...event, tampered: true }) : body,
    };
  }

  const webhookBase = (eventType: string, resourceType: string, summary: string, resource: Json): Json => {
    const id = `WH-${paypalId(17)}-${paypalId(17)}`;
    return {
      id,
      event_version: '1.0',
      create_time: new Date().toISOString(),
      resource_type: resourceType,
      resource_version: '2.0',
      event_type: eventType,
      summary,
      resource,
      links: [
        { href: `${url}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' },
        { href: `${url}/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST' },
      ],
    };
  };

  const mustOrder = (orderId: string): FakeOrder => {
    const o = findOrder(orderId);
    if (!o) throw new Error(`fake PayPal: no order ${orderId}`);
    return o;
  };

  const captureResource = (orderId: string, status: 'COMPLETED' | 'DECLINED'): Json => {
    const o = mustOrder(orderId);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const existing = o.captures.at(-1);
    const base: Json = existing
      ? structuredClone(existing)
      : {
          id: paypalId(),
          amount: { ...o.unit.amount },
          final_capture: true,
          ...(o.unit.custom_id !== undefined ? { custom_id: o.unit.custom_id } : {}),
          ...(o.unit.invoice_id !== undefined ? { invoice_id: o.unit.invoice_id } : {}),
          create_time: now,
          update_time: now,
        };
    base.status = status;
    if (status === 'DECLINED') delete base.seller_receivable_breakdown;
    base.supplementary_data = { related_ids: { order_id: o.id } };
    return base;
  };

  const event = {
    orderApproved(orderId: string): Json {
      const o = mustOrder(orderId);
      const view = orderJson(o);
      if (!approved(o)) view.status = 'APPROVED';
      return webhookBase('CHECKOUT.ORDER.APPROVED', 'checkout-order', 'An order has been approved by buyer', view);
    },
    captureCompleted(orderId: string): Json {
      const r = captureResource(orderId, 'COMPLETED');
      return webhookBase('PAYMENT.CAPTURE.COMPLETED', 'capture', `Payment completed for ${r.amount.currency_code} ${r.amount.value}`, r);
    },
    captureDenied(orderId: string): Json {
      const r = captureResource(orderId, 'DECLINED');
      return webhookBase('PAYMENT.CAPTURE.DENIED', 'capture', `Payment denied for ${r.amount.currency_code} ${r.amount.value}`, r);
    },
  };

  return {
    url,
    clientId,
    clientSecret,
    webhookId,
    certUrl,
    certPem: tc.pem,
    certNotBefore: tc.cert.validFromDate,
    certNotAfter: tc.cert.validToDate,
    certHosts: [`127.0.0.1:${port}`],
    requests,
    config: () => ({ baseUrl: url, clientId, clientSecret, webhookId, certHosts: [`127.0.0.1:${port}`] }),
    order: (id) => {
      const o = findOrder(id);
      return o ? orderJson(o) : undefined;
    },
    orderCount: () => orders.size,
    nextCapture(k) {
      knob = k;
    },
    approve(orderId) {
      approveOrder(mustOrder(orderId));
    },
    revokeTokens() {
      tokens.clear();
    },
    signWebhook,
    async sendWebhook(targetUrl, ev, opts) {
      const { headers, body } = signWebhook(ev, opts);
      const res = await fetch(targetUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      return { status: res.status, body: await res.text() };
    },
    event,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
