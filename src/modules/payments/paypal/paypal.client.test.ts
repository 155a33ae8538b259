import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { startFakePaypal, type FakePaypal } from '../../../../test/support/fake-paypal.ts';
import { PaypalClient, PaypalError, formatCents, parseAmountCents, type CreateOrderInput } from './paypal.client.ts';

let fake: FakePaypal;
let shop: Server;
let shopUrl = '';
/** what the merchant's return URL received */
const returns: string[] = [];

before(async () => {
  fake = await startFakePaypal();
  shop = createServer((req, res) => {
    returns.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('retour boutique');
  });
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
});
after(async () => {
  await fake.close();
  shop.closeAllConnections();
  await new Promise((r) => shop.close(r));
});

let seq = 0;
function orderInput(over: Partial<CreateOrderInput> = {}): CreateOrderInput {
  seq++;
  return {
    requestId: `quote-${seq}-${Date.now()}`,
    amountCents: 123450,
    currency: 'EUR',
    invoiceId: `DEV-2026-${String(seq).padStart(4, '0')}`,
    customId: `quote:${seq}`,
    description: 'Hébergement Diacamma — 12 mois',
    returnUrl: `${shopUrl}/paiement/paypal/retour?devis=${seq}`,
    cancelUrl: `${shopUrl}/paiement/paypal/annule?devis=${seq}`,
    ...over,
  };
}

const tokenRequests = () => fake.requests.filter((r) => r.path === '/v1/oauth2/token').length;

describe('amounts', () => {
  it('formats integer cents without floats and parses PayPal decimals exactly', () => {
    assert.equal(formatCents(123450), '1234.50');
    assert.equal(formatCents(5), '0.05');
    assert.equal(formatCents(0), '0.00');
    assert.throws(() => formatCents(12.5), RangeError);
    assert.throws(() => formatCents(-1), RangeError);
    assert.equal(parseAmountCents('1234.50'), 123450);
    assert.equal(parseAmountCents('0.1'), 10);
    assert.equal(parseAmountCents('19'), 1900);
    assert.equal(parseAmountCents('1.005'), null);
    assert.equal(parseAmountCents('-1.00'), null);
    assert.equal(parseAmountCents(12), null);
  });
});

describe('PaypalClient against the fake PayPal', () => {
  it('asks for one token for several calls, and gets a new one once after a 401', async () => {
    const client = new PaypalClient(fake.config());
    const before = tokenRequests();
    const a = await client.createOrder(orderInput());
    await client.createOrder(orderInput());
    await client.getOrder(a.id);
    assert.equal(tokenRequests() - before, 1);
    const tokenCall = fake.requests.filter((r) => r.path === '/v1/oauth2/token').at(-1)!;
    assert.match(String(tokenCall.headers.authorization), /^Basic /);

    fake.revokeTokens();
    const order = await client.getOrder(a.id);
    assert.equal(order.orderId, a.id);
    assert.equal(tokenRequests() - before, 2);
  });

  it('concurrent first calls share one token request', async () => {
    const client = new PaypalClient(fake.config());
    const before = tokenRequests();
    await Promise.all([client.createOrder(orderInput()), client.createOrder(orderInput()), client.createOrder(orderInput())]);
    assert.equal(tokenRequests() - before, 1);
  });

  it('creates an order as asked, idempotently by PayPal-Request-Id', async () => {
    const client = new PaypalClient(fake.config());
    const input = orderInput();
    const count = fake.orderCount();
    const first = await client.createOrder(input);
    const again = await client.createOrder(input);
    assert.equal(again.id, first.id);
    assert.equal(fake.orderCount() - count, 1);
    assert.equal(first.status, 'PAYER_ACTION_REQUIRED');
    assert.equal(first.approveUrl, `${fake.url}/checkoutnow?token=${first.id}`);

    const post = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/checkout/orders').at(-1)!;
    assert.equal(post.headers['paypal-request-id'], input.requestId);
    const order = fake.order(first.id)!;
    assert.equal(order.intent, 'CAPTURE');
    assert.deepEqual(order.purchase_units[0].amount, { currency_code: 'EUR', value: '1234.50' });
    assert.equal(order.purchase_units[0].invoice_id, input.invoiceId);
    assert.equal(order.purchase_units[0].custom_id, input.customId);

    const details = await client.getOrder(first.id);
    assert.deepEqual(
      { ...details },
      { orderId: first.id, orderStatus: 'PAYER_ACTION_REQUIRED', capture: null, amountCents: 123450, currency: 'EUR', customId: input.customId, invoiceId: input.invoiceId },
    );
  });

  it('lets the payer approve over plain HTTP, back to the return URL, then captures COMPLETED in cents', async () => {
    const client = new PaypalClient(fake.config());
    const input = orderInput({ amountCents: 4999 });
    const order = await client.createOrder(input);

    const page = await fetch(order.approveUrl);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<button type="submit">Payer<\/button>/);
    assert.match(html, /49\.99 EUR/);
    const cancel = /<a href="([^"]+)">Annuler<\/a>/.exec(html)?.[1]?.replaceAll('&#38;', '&');
    assert.equal(cancel, `${input.cancelUrl}&token=${order.id}`);
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;

    const approve = await fetch(new URL(action, fake.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: order.id }).toString(),
      redirect: 'manual',
    });
    assert.equal(approve.status, 303);
    const location = approve.headers.get('location')!;
    assert.equal(location, `${input.returnUrl}&token=${order.id}&PayerID=FAKEPAYER`);
    const back = await fetch(location);
    assert.equal(await back.text(), 'retour boutique');
    assert.ok(returns.includes(`/paiement/paypal/retour?devis=${seq}&token=${order.id}&PayerID=FAKEPAYER`));
    assert.equal((await client.getOrder(order.id)).orderStatus, 'APPROVED');

    const result = await client.captureOrder(order.id, `capture-${order.id}`);
    assert.equal(result.orderId, order.id);
    assert.equal(result.orderStatus, 'COMPLETED');
    assert.ok(result.capture);
    assert.deepEqual({ ...result.capture, id: 'x' }, { id: 'x', status: 'COMPLETED', amountCents: 4999, currency: 'EUR', customId: input.customId, invoiceId: input.invoiceId, statusReason: null });
  });

  it('captures twice harmlessly: same request id replays, another one hits ORDER_ALREADY_CAPTURED and returns the capture', async () => {
    const client = new PaypalClient(fake.config());
    const order = await client.createOrder(orderInput());
    fake.approve(order.id);
    const first = await client.captureOrder(order.id, `cap-${order.id}`);
    const replay = await client.captureOrder(order.id, `cap-${order.id}`);
    const other = await client.captureOrder(order.id, `cap-${order.id}-webhook`);
    assert.deepEqual(replay, first);
    assert.deepEqual(other, first);
    assert.equal(fake.order(order.id)!.purchase_units[0].payments.captures.length, 1);
  });

  it('refuses to capture an order the payer has not approved', async () => {
    const client = new PaypalClient(fake.config());
    const order = await client.createOrder(orderInput());
    await assert.rejects(client.captureOrder(order.id, `cap-${order.id}`), (err: unknown) => {
      assert.ok(err instanceof PaypalError);
      assert.equal(err.status, 422);
      assert.equal(err.paypalName, 'UNPROCESSABLE_ENTITY');
      assert.deepEqual(err.issues, ['ORDER_NOT_APPROVED']);
      assert.ok(err.debugId);
      return true;
    });
  });

  it('reports PENDING and DECLINED captures, INSTRUMENT_DECLINED refusals and foreign amounts as they come', async () => {
    const client = new PaypalClient(fake.config());
    const approvedOrder = async () => {
      const o = await client.createOrder(orderInput({ amountCents: 1000 }));
      fake.approve(o.id);
      return o.id;
    };
    let id = await approvedOrder();
    fake.nextCapture({ outcome: 'PENDING' });
    let r = await client.captureOrder(id, `cap-${id}`);
    assert.equal(r.capture?.status, 'PENDING');
    assert.equal(r.capture?.statusReason, 'PENDING_REVIEW');

    id = await approvedOrder();
    fake.nextCapture({ outcome: 'DECLINED' });
    r = await client.captureOrder(id, `cap-${id}`);
    assert.equal(r.capture?.status, 'DECLINED');

    id = await approvedOrder();
    fake.nextCapture({ outcome: 'INSTRUMENT_DECLINED' });
    await assert.rejects(client.captureOrder(id, `cap-${id}`), (err: unknown) => err instanceof PaypalError && err.hasIssue('INSTRUMENT_DECLINED'));

    id = await approvedOrder();
    fake.nextCapture({ amount: { value: '1.00', currency_code: 'USD' } });
    r = await client.captureOrder(id, `cap-${id}`);
    assert.equal(r.capture?.status, 'COMPLETED');
    assert.equal(r.capture?.amountCents, 100);
    assert.equal(r.capture?.currency, 'USD');

    id = await approvedOrder();
    r = await client.captureOrder(id, `cap-${id}`);
    assert.equal(r.capture?.status, 'COMPLETED', 'a knob applies once');
    assert.equal(r.capture?.amountCents, 1000);
  });

  it('throws PaypalError 404 for an unknown order', async () => {
    const client = new PaypalClient(fake.config());
    await assert.rejects(client.getOrder('NOSUCHORDER00000'), (err: unknown) => err instanceof PaypalError && err.status === 404 && err.paypalName === 'RESOURCE_NOT_FOUND');
  });

  it('fails with PaypalError 401 on wrong credentials, without the secret anywhere in the error', async () => {
    const secret = 'the-very-secret-value-42';
    const client = new PaypalClient({ ...fake.config(), clientSecret: secret });
    const before = tokenRequests();
    const err = await client.createOrder(orderInput()).then(
      () => assert.fail('should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PaypalError);
    assert.equal(err.status, 401);
    assert.equal(err.paypalName, 'invalid_client');
    const basic = Buffer.from(`${fake.clientId}:${secret}`).toString('base64');
    for (const text of [err.message, String(err), err.stack ?? '', inspect(err, { depth: 5 }), JSON.stringify(err)]) {
      assert.ok(!text.includes(secret), text);
      assert.ok(!text.includes(basic), text);
    }
    assert.equal(tokenRequests() - before, 1, 'a refused token is not retried');
  });

  it('times out with PaypalError TIMEOUT', async () => {
    const silent = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const client = new PaypalClient({ ...fake.config(), baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, { timeoutMs: 100 });
      await assert.rejects(client.getOrder('X'), (err: unknown) => err instanceof PaypalError && err.status === 0 && err.paypalName === 'TIMEOUT');
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('has PayPal verify a webhook signature (verify-webhook-signature API)', async () => {
    const client = new PaypalClient(fake.config());
    const order = await client.createOrder(orderInput());
    fake.approve(order.id);
    const good = fake.signWebhook(fake.event.orderApproved(order.id));
    assert.equal(await client.verifyWebhookSignatureApi(good.headers, Buffer.from(good.body)), true);
    const tampered = fake.signWebhook(fake.event.orderApproved(order.id), { tamper: true });
    assert.equal(await client.verifyWebhookSignatureApi(tampered.headers, tampered.body), false);
    const otherHook = fake.signWebhook(fake.event.orderApproved(order.id), { webhookId: 'WH-SOMEONE-ELSE' });
    assert.equal(await client.verifyWebhookSignatureApi(otherHook.headers, otherHook.body), false);
    assert.equal(await client.verifyWebhookSignatureApi({}, good.body), false);
  });
});
