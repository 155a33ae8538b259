import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { seedFleet } from '../../../test/support/fleet.ts';
import { operatorId } from '../../../test/support/paid-order.ts';
import type { ManualClock } from '../../platform/clock.ts';
import { addDays } from '../../platform/dates.ts';
import type { BillingService } from '../billing/billing.service.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';
import { nextPeriod } from './use-cases/renewal-quote.ts';
import { runLifecycleDay } from './use-cases/run-lifecycle.ts';

/**
 * The sweep reads the day's rows first, then acts instance by instance: a payment that lands in
 * between (the operator records a transfer while the sweep runs) must not be followed by a
 * suspension of the instance it has just renewed.
 */
let t: TestApp;
const db = () => t.container.database.db;
const clock = () => t.clock as ManualClock;

before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

describe('a payment recorded while the sweep runs', () => {
  it('the instance it renewed is not suspended by the step read before it, and no suspension e-mail goes', async () => {
    clock().set('2026-03-01T08:00:00Z');
    const [f] = await seedFleet(db(), 1, { prefix: 'course', start: () => '2025-04-01', plan: () => 'opale', now: clock().now() });
    const end = f!.periodEnd; // 2026-03-31
    const issueDay = addDays(end, -29);
    clock().set(`${issueDay}T08:00:00Z`);
    assert.equal((await runLifecycleDay(t.container.deps, issueDay)).renewalsIssued, 1);
    const order = (await db().selectFrom('orders').selectAll().where('kind', '=', 'renewal').where('instance_id', '=', f!.id).executeTakeFirstOrThrow());
    const quote = (await t.container.services.billing.latestQuoteForOrder(order.id))!;

    const suspendOn = addDays(end, 16);
    for (let day = addDays(issueDay, 1); day < suspendOn; day = addDays(day, 1)) {
      clock().set(`${day}T08:00:00Z`);
      await runLifecycleDay(t.container.deps, day);
    }
    clock().set(`${suspendOn}T08:00:00Z`);
    const opId = await operatorId(t.container);
    // The transfer is recorded just after the sweep read the day's rows (the renewal still unpaid).
    const billing = t.container.services.billing;
    const racing = Object.create(billing) as BillingService;
    racing.latestQuoteValidities = (ids) => billing.latestQuoteValidities(ids);
    racing.latestQuotesForOrders = async (ids, trx) => {
      const paid = await recordPayment(t.container.deps, opId, quote.number, { method: 'transfer', amountCents: quote.gross_cents, receivedOn: suspendOn, reference: quote.number, bank: '', confirmed: true });
      assert.ok(paid.ok && paid.outcome.state === 'paid', JSON.stringify(paid));
      return billing.latestQuotesForOrders(ids, trx);
    };
    const summary = await runLifecycleDay({ ...t.container.deps, billing: racing }, suspendOn);
    assert.equal(summary.suspended, 0);

    const row = (await t.container.services.instances.find(f!.id))!;
    const next = nextPeriod(end);
    assert.deepEqual([row.state, row.period_start, row.period_end], ['active', next.from, next.to], 'renewed from the old end, served');
    const notices = await db().selectFrom('lifecycle_notices').select('kind').where('instance_id', '=', f!.id).where('kind', '=', 'suspended').execute();
    assert.equal(notices.length, 0, 'no suspension recorded');
    const mails = await db().selectFrom('mail_messages').select('template').where('user_id', '=', f!.userId).where('template', '=', 'lifecycle.suspended').execute();
    assert.equal(mails.length, 0, 'no suspension e-mail');
  });
});
