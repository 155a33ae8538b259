import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakePaypal, type FakePaypal } from '../../../../test/support/fake-paypal.ts';
import { DEFAULT_PAYPAL_CERT_HOSTS, PaypalClient } from './paypal.client.ts';
import { PaypalWebhookVerifier, isTrustedCertUrl, signedMessage, type FetchLike, type WebhookVerifierOptions } from './webhook-verify.ts';

let fake: FakePaypal;
let orderId = '';

before(async () => {
  fake = await startFakePaypal();
  const client = new PaypalClient(fake.config());
  const order = await client.createOrder({
    requestId: `wh-${Date.now()}`,
    amountCents: 9900,
    currency: 'EUR',
    invoiceId: 'DEV-2026-0042',
    customId: 'quote:42',
    description: 'Hébergement',
    returnUrl: 'http://127.0.0.1:9/retour',
    cancelUrl: 'http://127.0.0.1:9/annule',
  });
  orderId = order.id;
  fake.approve(orderId);
  await client.captureOrder(orderId, `cap-${orderId}`);
});
after(() => fake.close());

/** a verifier whose certificate downloads are counted */
function counted(over: Partial<WebhookVerifierOptions> = {}) {
  const fetched: string[] = [];
  const countingFetch: FetchLike = (input, init) => {
    fetched.push(input);
    return fetch(input, init);
  };
  const verifier = new PaypalWebhookVerifier({ webhookId: fake.webhookId, certHosts: fake.certHosts, fetch: countingFetch, ...over });
  return { verifier, fetched };
}

describe('offline webhook verification', () => {
  it('accepts a genuine webhook, from Node headers or WHATWG Headers, body as Buffer or string', async () => {
    const { verifier, fetched } = counted();
    const { headers, body } = fake.signWebhook(fake.event.captureCompleted(orderId));
    assert.deepEqual(await verifier.verify(headers, Buffer.from(body)), { ok: true });
    assert.deepEqual(await verifier.verify(new Headers(headers), body), { ok: true });
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), [v]]));
    assert.deepEqual(await verifier.verify(upper, body), { ok: true });
    assert.deepEqual(fetched, [fake.certUrl]);
  });

  it('agrees with the fake PayPal verify API, and the client exposes the offline check too', async () => {
    const client = new PaypalClient(fake.config());
    for (const ev of [fake.event.orderApproved(orderId), fake.event.captureCompleted(orderId), fake.event.captureDenied(orderId)]) {
      const { headers, body } = fake.signWebhook(ev);
      assert.deepEqual(await client.verifyWebhook(headers, body), { ok: true });
      assert.equal(await client.verifyWebhookSignatureApi(headers, body), true);
    }
  });

  it('fetches a certificate once and caches it by URL, concurrent verifications included', async () => {
    const { verifier, fetched } = counted();
    const deliveries = Array.from({ length: 4 }, () => fake.signWebhook(fake.event.captureCompleted(orderId)));
    const results = await Promise.all(deliveries.map((d) => verifier.verify(d.headers, d.body)));
    assert.ok(results.every((r) => r.ok));
    const later = fake.signWebhook(fake.event.orderApproved(orderId));
    assert.deepEqual(await verifier.verify(later.headers, later.body), { ok: true });
    assert.equal(fetched.length, 1);

    const other = fake.signWebhook(fake.event.orderApproved(orderId), { certUrl: `${fake.url}/v1/notifications/certs/CERT-rotated` });
    assert.deepEqual(await verifier.verify(other.headers, other.body), { ok: true });
    assert.equal(fetched.length, 2, 'another URL is another certificate');
  });

  it('rejects a tampered body, another webhook id and a garbled signature as bad_signature', async () => {
    const { verifier } = counted();
    const tampered = fake.signWebhook(fake.event.captureCompleted(orderId), { tamper: true });
    assert.deepEqual(await verifier.verify(tampered.headers, tampered.body), { ok: false, reason: 'bad_signature' });
    const foreign = fake.signWebhook(fake.event.captureCompleted(orderId), { webhookId: 'WH-OTHER' });
    assert.deepEqual(await verifier.verify(foreign.headers, foreign.body), { ok: false, reason: 'bad_signature' });
    const good = fake.signWebhook(fake.event.captureCompleted(orderId));
    // the same JSON re-serialised with other whitespace is not the signed bytes
    const reformatted = JSON.stringify(JSON.parse(good.body), null, 2);
    assert.deepEqual(await verifier.verify(good.headers, reformatted), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(await verifier.verify({ ...good.headers, 'paypal-transmission-sig': 'bm90IGEgc2lnbmF0dXJl' }, good.body), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(await verifier.verify({ ...good.headers, 'paypal-transmission-id': crypto.randomUUID() }, good.body), { ok: false, reason: 'bad_signature' });
  });

  it('rejects a certificate URL on a host not allow-listed, without fetching it', async () => {
    const { verifier, fetched } = counted({ certHosts: [...DEFAULT_PAYPAL_CERT_HOSTS, ...fake.certHosts] });
    const urls = [
      'https://api.paypal.com.evil.net/v1/notifications/certs/CERT-1',
      'https://evil.net/api.paypal.com/v1/notifications/certs/CERT-1',
      'https://evil.net/?host=api.paypal.com',
      'https://api.paypal.com@evil.net/v1/notifications/certs/CERT-1',
      'https://evil@api.paypal.com/v1/notifications/certs/CERT-1',
      'https://evilapi.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.paypal.com./v1/notifications/certs/CERT-1',
      'http://api.paypal.com/v1/notifications/certs/CERT-1',
      'ftp://api.paypal.com/CERT-1',
      'file:///etc/passwd',
      '//api.paypal.com/CERT-1',
      `http://localhost:${new URL(fake.url).port}/v1/notifications/certs/CERT-1`,
      `http://127.0.0.1:1/v1/notifications/certs/CERT-1`,
      'not a url',
    ];
    for (const certUrl of urls) {
      const { headers, body } = fake.signWebhook(fake.event.captureCompleted(orderId), { certUrl });
      assert.deepEqual(await verifier.verify(headers, body), { ok: false, reason: 'untrusted_cert_url' }, certUrl);
    }
    assert.equal(fetched.length, 0);
  });

  it('trusts exactly the listed hosts, https only outside loopback', () => {
    const hosts = DEFAULT_PAYPAL_CERT_HOSTS;
    assert.ok(isTrustedCertUrl('https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-bc2b4f81', hosts));
    assert.ok(isTrustedCertUrl('https://API.Sandbox.PayPal.com/v1/notifications/certs/CERT-1', hosts));
    assert.ok(isTrustedCertUrl('https://api-m.paypal.com:443/v1/notifications/certs/CERT-1', hosts));
    assert.ok(!isTrustedCertUrl('http://api.paypal.com/v1/notifications/certs/CERT-1', hosts));
    assert.ok(!isTrustedCertUrl('https://paypal.com/v1/notifications/certs/CERT-1', hosts));
    assert.ok(!isTrustedCertUrl('https://www.api.paypal.com/CERT-1', hosts));
    assert.ok(isTrustedCertUrl('http://127.0.0.1:8080/c.pem', ['127.0.0.1:8080']));
    assert.ok(isTrustedCertUrl('http://127.0.0.1:8080/c.pem', ['127.0.0.1']));
    assert.ok(!isTrustedCertUrl('http://127.0.0.1:8081/c.pem', ['127.0.0.1:8080']));
    assert.ok(!isTrustedCertUrl('http://10.0.0.1/c.pem', ['10.0.0.1']), 'plain http only on loopback');
  });

  it('says cert_fetch_failed when the certificate cannot be had, and tries again next time', async () => {
    const { verifier, fetched } = counted();
    const certUrl = `${fake.url}/v2/checkout/orders/NOPE`; // answers 401 JSON, not a certificate
    const a = fake.signWebhook(fake.event.captureCompleted(orderId), { certUrl });
    assert.deepEqual(await verifier.verify(a.headers, a.body), { ok: false, reason: 'cert_fetch_failed' });
    assert.deepEqual(await verifier.verify(a.headers, a.body), { ok: false, reason: 'cert_fetch_failed' });
    assert.equal(fetched.length, 2, 'a failure is not cached');
  });

  it('rejects a certificate outside its validity dates as cert_expired', async () => {
    const { verifier } = counted();
    const late = new Date(fake.certNotAfter.getTime() + 86_400_000);
    const afterExpiry = fake.signWebhook(fake.event.captureCompleted(orderId), { transmissionTime: late });
    assert.deepEqual(await verifier.verify(afterExpiry.headers, afterExpiry.body, late), { ok: false, reason: 'cert_expired' });
    const early = new Date(fake.certNotBefore.getTime() - 60_000);
    const beforeStart = fake.signWebhook(fake.event.captureCompleted(orderId), { transmissionTime: early });
    assert.deepEqual(await verifier.verify(beforeStart.headers, beforeStart.body, early), { ok: false, reason: 'cert_expired' });
    // and the same certificate is fine inside its dates
    const inside = new Date(fake.certNotAfter.getTime() - 60_000);
    const ok = fake.signWebhook(fake.event.captureCompleted(orderId), { transmissionTime: inside });
    assert.deepEqual(await verifier.verify(ok.headers, ok.body, inside), { ok: true });
  });

  it('rejects another algorithm as bad_algo', async () => {
    const { verifier, fetched } = counted();
    const { headers, body } = fake.signWebhook(fake.event.captureCompleted(orderId));
    for (const algo of ['SHA1withRSA', 'sha256withrsa', 'none']) {
      assert.deepEqual(await verifier.verify({ ...headers, 'paypal-auth-algo': algo }, body), { ok: false, reason: 'bad_algo' });
    }
    assert.equal(fetched.length, 0);
  });

  it('rejects any missing transmission header as missing_headers', async () => {
    const { verifier } = counted();
    const { headers, body } = fake.signWebhook(fake.event.captureCompleted(orderId));
    for (const name of ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo']) {
      const partial: Record<string, string> = { ...headers };
      delete partial[name];
      assert.deepEqual(await verifier.verify(partial, body), { ok: false, reason: 'missing_headers' }, name);
      assert.deepEqual(await verifier.verify({ ...headers, [name]: '' }, body), { ok: false, reason: 'missing_headers' }, name);
    }
    assert.deepEqual(await verifier.verify({}, body), { ok: false, reason: 'missing_headers' });
  });

  it('rejects a transmission older (or further ahead) than the tolerance as stale, unless turned off', async () => {
    const now = new Date();
    const old = fake.signWebhook(fake.event.captureCompleted(orderId), { transmissionTime: new Date(now.getTime() - 2 * 3_600_000) });
    assert.deepEqual(await counted().verifier.verify(old.headers, old.body, now), { ok: false, reason: 'stale' });
    const ahead = fake.signWebhook(fake.event.captureCompleted(orderId), { transmissionTime: new Date(now.getTime() + 2 * 3_600_000) });
    assert.deepEqual(await counted().verifier.verify(ahead.headers, ahead.body, now), { ok: false, reason: 'stale' });
    assert.deepEqual(await counted({ toleranceSeconds: 3 * 3600 }).verifier.verify(old.headers, old.body, now), { ok: true });
    assert.deepEqual(await counted({ toleranceSeconds: null }).verifier.verify(old.headers, old.body, now), { ok: true });
    assert.deepEqual(await counted().verifier.verify({ ...old.headers, 'paypal-transmission-time': 'yesterday' }, old.body, now), { ok: false, reason: 'stale' });
  });

  it('signs transmission_id|transmission_time|webhook_id|crc32 as PayPal documents', () => {
    // CRC32("hello") = 0x3610a686 = 907060870
    assert.equal(signedMessage('id', '2026-01-01T00:00:00Z', 'WH', 'hello'), 'id|2026-01-01T00:00:00Z|WH|907060870');
    // a CRC32 with the high bit set stays unsigned: CRC32("a") = 0xe8b7be43
    assert.equal(signedMessage('i', 't', 'w', Buffer.from('a')), `i|t|w|${0xe8b7be43}`);
  });

  it('builds real-looking events', () => {
    const approved = fake.event.orderApproved(orderId);
    assert.match(approved.id, /^WH-/);
    assert.equal(approved.event_type, 'CHECKOUT.ORDER.APPROVED');
    assert.equal(approved.resource.id, orderId);
    const completed = fake.event.captureCompleted(orderId);
    assert.equal(completed.event_type, 'PAYMENT.CAPTURE.COMPLETED');
    assert.equal(completed.resource.status, 'COMPLETED');
    assert.equal(completed.resource.supplementary_data.related_ids.order_id, orderId);
    assert.equal(completed.resource.custom_id, 'quote:42');
    assert.equal(completed.resource.invoice_id, 'DEV-2026-0042');
    assert.deepEqual(completed.resource.amount, { currency_code: 'EUR', value: '99.00' });
    const denied = fake.event.captureDenied(orderId);
    assert.equal(denied.event_type, 'PAYMENT.CAPTURE.DENIED');
    assert.equal(denied.resource.status, 'DECLINED');
  });

  it('sendWebhook delivers the exact signed bytes to a receiver that verifies the raw body', async () => {
    const { verifier } = counted();
    const seen: { ok: boolean; eventType: string }[] = [];
    const receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks); // the bytes as received: never JSON.parse → stringify before checking
      const result = await verifier.verify(req.headers, raw);
      seen.push({ ok: result.ok, eventType: JSON.parse(raw.toString('utf8')).event_type });
      res.writeHead(result.ok ? 200 : 400).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/paypal`;
      assert.equal((await fake.sendWebhook(target, fake.event.captureCompleted(orderId))).status, 200);
      assert.equal((await fake.sendWebhook(target, fake.event.orderApproved(orderId), { tamper: true })).status, 400);
      assert.deepEqual(seen, [
        { ok: true, eventType: 'PAYMENT.CAPTURE.COMPLETED' },
        { ok: false, eventType: 'CHECKOUT.ORDER.APPROVED' },
      ]);
    } finally {
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  });
});
