import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, TEST_LOG_LEVEL, type TestApp } from '../../../test/support/app.ts';
import { testBackend } from '../../../test/support/database.ts';
import { seedFleet } from '../../../test/support/fleet.ts';
import { createContainer, type Container } from '../../container.ts';
import { ManualClock } from '../../platform/clock.ts';
import { addDays } from '../../platform/dates.ts';
import { createLogger } from '../../platform/logger.ts';
import { runLifecycleDay, type LifecycleDaySummary } from './use-cases/run-lifecycle.ts';

/**
 * "One run per day however many processes": two ecrin processes' sweeps of the same day at the
 * same moment. On PostgreSQL the second is a second container on the same database (its own pool,
 * its own clock: truly concurrent transactions); on PGlite, which one process owns, the two sweeps
 * run concurrently in one container. Either way every step happens once: one renewal order and one
 * quote per instance (numbers without gap), each e-mail once, each suspension once.
 */
let t: TestApp;
let other: Container | null = null;
const N = 24;
const db = () => t.container.database.db;
const clocks: ManualClock[] = [];

before(async () => {
  t = await createTestApp();
  clocks.push(t.clock as ManualClock);
  if (testBackend() === 'postgres') {
    const clock = new ManualClock(t.clock.now().toISOString());
    other = await createContainer({ config: t.config, logger: createLogger(TEST_LOG_LEVEL), clock, database: { kind: 'postgres', url: t.database.url!, poolSize: 5 }, workers: false });
    clocks.push(clock);
  }
});
after(async () => {
  await other?.close();
  await t.close();
});

/** Both processes sweep `day` at the same moment; the two summaries. */
async function bothSweep(day: string): Promise<[LifecycleDaySummary, LifecycleDaySummary]> {
  for (const c of clocks) c.set(`${day}T00:20:00Z`);
  const second = other ?? t.container;
  return Promise.all([runLifecycleDay(t.container.deps, day), runLifecycleDay(second.deps, day)]);
}

const sum = (pair: LifecycleDaySummary[], key: 'renewalsIssued' | 'reminders' | 'grace' | 'suspended') => pair[0]![key] + pair[1]![key];

describe('two processes sweeping the same day', () => {
  it('issue each renewal, reminder, grace e-mail and suspension once, and number the quotes without a gap', async (ctx) => {
    ctx.diagnostic(other ? 'PostgreSQL: two containers on one database' : 'PGlite: two concurrent sweeps in one container');
    const clock = t.clock as ManualClock;
    clock.set('2026-03-01T08:00:00Z');
    const fleet = await seedFleet(db(), N, { prefix: 'deux', start: () => '2025-04-01', plan: (i) => (i % 2 ? 'emeraude' : 'opale'), now: clock.now() });
    const end = fleet[0]!.periodEnd; // 2026-03-31 for all
    const quotesBefore = await db().selectFrom('documents').select('id').where('kind', '=', 'quote').execute();

    const issue = await bothSweep(addDays(end, -29));
    assert.equal(sum(issue, 'renewalsIssued'), N, JSON.stringify(issue));
    ctx.diagnostic(`renewals issued by each: ${issue[0].renewalsIssued} + ${issue[1].renewalsIssued}`);
    const reminder = await bothSweep(addDays(end, -14));
    assert.equal(sum(reminder, 'reminders'), N);
    const grace = await bothSweep(addDays(end, 1));
    assert.equal(sum(grace, 'grace'), N);
    const suspension = await bothSweep(addDays(end, 16));
    assert.equal(sum(suspension, 'suspended'), N);
    // The same days again, both at once: nothing more.
    for (const day of [addDays(end, -29), addDays(end, -14), addDays(end, 1), addDays(end, 16)]) {
      const again = await bothSweep(day);
      assert.deepEqual([sum(again, 'renewalsIssued'), sum(again, 'reminders'), sum(again, 'grace'), sum(again, 'suspended')], [0, 0, 0, 0], day);
    }

    const ids = fleet.map((f) => f.id);
    const renewals = await db().selectFrom('orders').select(['id', 'instance_id']).where('kind', '=', 'renewal').where('instance_id', 'in', ids).execute();
    assert.equal(renewals.length, N, 'one renewal order per instance');
    assert.equal(new Set(renewals.map((r) => Number(r.instance_id))).size, N);
    const quotes = await db().selectFrom('documents').select(['number', 'order_id']).where('kind', '=', 'quote').where('order_id', 'in', renewals.map((r) => r.id)).orderBy('id').execute();
    assert.equal(quotes.length, N, 'one quote per renewal');
    assert.equal(quotesBefore.length, 0);
    const seq = quotes.map((q) => Number(q.number.split('-').pop()));
    assert.deepEqual(seq, Array.from({ length: N }, (_, i) => seq[0]! + i), 'consecutive numbers: no gap, no duplicate');
    for (const template of ['lifecycle.renewal_issued', 'lifecycle.reminder', 'lifecycle.grace', 'lifecycle.suspended']) {
      const mails = await db().selectFrom('mail_messages').select('id').where('template', '=', template).execute();
      assert.equal(mails.length, N, template);
    }
    const states = await db().selectFrom('instances').select('state').where('id', 'in', ids).execute();
    assert.deepEqual([...new Set(states.map((s) => s.state))], ['suspended']);
  });
});
