import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.ts';
import { startFakePaypal, type FakePaypal } from '../support/fake-paypal.ts';
import { paypalEnv } from '../support/server.ts';

/**
 * The PayPal webhook: verified before anything is stored (rejected deliveries only counted, per day
 * and reason), absent (404) while PayPal is not configured, and rate-limited per address. The issue
 * measured 300 anonymous bodies adding 124 MB to the database in 2.6 s.
 */
const BODY_BYTES = 100 * 1024;

function anonymousBody(i: number): string {
  const event = { id: `WH-FAKE-${i}`, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: { id: `CAP-${i}` }, padding: '' };
  // Random text: what PostgreSQL would store could not be compressed away.
  event.padding = randomBytes(BODY_BYTES).toString('base64url').slice(0, BODY_BYTES - JSON.stringify(event).length);
  return JSON.stringify(event);
}

async function databaseBytes(t: TestApp): Promise<number> {
  const row = await sql<{ size: string }>`select pg_database_size(current_database())::text as size`.execute(t.container.database.db);
  return Number(row.rows[0]!.size);
}

async function checkpoint(t: TestApp): Promise<void> {
  // Written pages reach the files PostgreSQL measures (a checkpoint is what the server does by itself anyway).
  await sql`checkpoint`.execute(t.container.database.db).catch(() => {});
}

describe('PayPal configured', () => {
  let t: TestApp;
  let fake: FakePaypal;
  before(async () => {
    fake = await startFakePaypal();
    t = await createTestApp({ env: paypalEnv(fake.config()) });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  it('300 anonymous bodies of 100 KB, from 300 addresses: all refused, nothing stored, the database does not grow', async () => {
    await checkpoint(t);
    const before = await databaseBytes(t);
    const started = performance.now();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/paypal/webhook',
        remoteAddress: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        headers: { host: 'portail.localhost:3000', 'content-type': 'application/json', ...(i % 2 ? { 'paypal-transmission-id': `x-${i}`, 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': 'https://evil.example/cert.pem', 'paypal-transmission-sig': 'AAAA', 'paypal-transmission-time': new Date().toISOString() } : {}) },
        payload: anonymousBody(i),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
    const seconds = (performance.now() - started) / 1000;
    await checkpoint(t);
    const grown = (await databaseBytes(t)) - before;
    assert.deepEqual([...statuses], [[400, 300]]);
    const stored = await t.container.database.db.selectFrom('paypal_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), 0, 'no unverified body stored');
    const summary = await t.container.services.paypal.rejectionSummary();
    assert.deepEqual(summary.map((r) => [r.reason, r.count]).sort(), [['missing_headers', 150], ['untrusted_cert_url', 150]]);
    // 30 MB of bodies were sent: what the database gained is the summary's rows and noise of the engine.
    assert.ok(grown < 1024 * 1024, `the database grew by ${grown} bytes`);
    console.log(`# webhook: 300 anonymous bodies (${(300 * BODY_BYTES / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s; database grew by ${Math.max(0, grown)} bytes; ${summary.length} summary rows`);
  });

  it('is rate-limited per address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 62; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/paypal/webhook', remoteAddress: '198.19.0.1', headers: { host: 'portail.localhost:3000', 'content-type': 'application/json' }, payload: '{}' });
      codes.push(res.statusCode);
    }
    assert.equal(codes.filter((c) => c === 400).length, 60);
    assert.deepEqual(codes.slice(60), [429, 429]);
  });

  it('a genuine delivery is verified, then stored with its outcome', async () => {
    const event = { id: 'WH-GENUINE-1', event_type: 'BILLING.SUBSCRIPTION.CREATED', resource: { id: 'X' } };
    const signed = fake.signWebhook(event);
    const res = await t.app.inject({ method: 'POST', url: '/api/paypal/webhook', remoteAddress: '198.19.0.2', headers: { ...signed.headers, host: 'portail.localhost:3000' }, payload: signed.body });
    assert.equal(res.statusCode, 200);
    const rows = await t.container.database.db.selectFrom('paypal_events').selectAll().execute();
    assert.deepEqual(rows.map((r) => [r.event_id, r.verified, r.outcome]), [['WH-GENUINE-1', true, 'ignored']]);
  });
});

describe('PayPal not configured', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('the webhook does not exist: 404, nothing stored or counted', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/paypal/webhook', headers: { host: 'portail.localhost:3000', 'content-type': 'application/json' }, payload: anonymousBody(1) });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { error: 'not_found' });
    assert.equal((await t.container.database.db.selectFrom('paypal_events').selectAll().execute()).length, 0);
    assert.equal((await t.container.database.db.selectFrom('paypal_webhook_rejections').selectAll().execute()).length, 0);
  });
});
