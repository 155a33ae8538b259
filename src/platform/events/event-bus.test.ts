import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { z } from 'zod';
import { createTestDatabase, testBackend, type TestDatabase } from '../../../test/support/database.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { defineJob, Queue } from '../queue/queue.ts';
import { defineEvent, EventBus } from './event-bus.ts';

/**
 * Events are recorded in the transaction that causes them and handled after it commits: a job per
 * subscription exists exactly when the cause does, and a head start runs only after the commit.
 */
const thingDone = defineEvent('test.thing_done', z.object({ thingId: z.number().int().positive() }));
const slowJob = defineJob('test.on-thing-slow', z.object({ thingId: z.number().int().positive() }), { retryLimit: 0 });
const quickJob = defineJob('test.on-thing-quick', z.object({ thingId: z.number().int().positive() }), { retryLimit: 0 });

let tdb: TestDatabase;
let database: Database;
let queue: Queue;
let events: EventBus;
const handled: string[] = [];
const headStarts: { thingId: number; inTransaction: boolean }[] = [];
let inTransaction = false;

async function jobs(name: string, thingId: number): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${name} and data->>'thingId' = ${String(thingId)}`.execute(database.db);
  return r.rows[0]!.n;
}

before(async () => {
  tdb = await createTestDatabase();
  database = await openDatabase(tdb.target);
  queue = new Queue({ pool: database.pool, listen: database.listen, logger: createLogger('silent'), pollingIntervalSeconds: 30, backstopSeconds: 30 });
  events = new EventBus(queue, createLogger('silent'));
  events.subscribe(thingDone, { job: slowJob, singletonKey: (e) => `thing-${e.thingId}`, handle: async (e) => void handled.push(`slow:${e.thingId}`) });
  events.subscribe(thingDone, {
    job: quickJob,
    handle: async (e) => void handled.push(`quick:${e.thingId}`),
    atCommit: async (e) => {
      headStarts.push({ thingId: e.thingId, inTransaction });
      if (e.thingId === 13) throw new Error('a head start that fails');
    },
  });
  await queue.start(events.jobDefinitions());
  await events.work();
  // pg-boss fetches once when a worker starts: let that pass.
  await new Promise((r) => setTimeout(r, 500));
});

after(async () => {
  await queue.stop();
  await database.close();
  await tdb.drop();
});

describe('events after commit', () => {
  it('one job per subscription, created with the transaction that records the event', async () => {
    await events.transaction(database.db, async (trx) => {
      inTransaction = true;
      await events.record(trx, thingDone, { thingId: 1 });
      // Not visible outside the transaction before it commits (PGlite has one connection: no outside).
      if (testBackend() === 'postgres') assert.equal(await jobs('test.on-thing-slow', 1), 0);
      inTransaction = false;
    });
    assert.equal(await jobs('test.on-thing-slow', 1), 1);
    assert.equal(await jobs('test.on-thing-quick', 1), 1);
    assert.deepEqual(events.subscribers(thingDone), ['test.on-thing-slow', 'test.on-thing-quick']);
  });

  it('the head start runs after the commit, never inside the transaction', () => {
    assert.deepEqual(headStarts.filter((h) => h.thingId === 1), [{ thingId: 1, inTransaction: false }]);
  });

  it('a rolled-back transaction leaves no job and no head start', async () => {
    await assert.rejects(
      events.transaction(database.db, async (trx) => {
        await events.record(trx, thingDone, { thingId: 2 });
        throw new Error('the cause failed');
      }),
      /the cause failed/,
    );
    assert.equal(await jobs('test.on-thing-slow', 2), 0);
    assert.equal(await jobs('test.on-thing-quick', 2), 0);
    assert.equal(headStarts.some((h) => h.thingId === 2), false);
  });

  it('a failing head start does not undo the commit: the job still does the work', async () => {
    await events.transaction(database.db, (trx) => events.record(trx, thingDone, { thingId: 13 }));
    assert.ok(headStarts.some((h) => h.thingId === 13));
    assert.equal(await jobs('test.on-thing-quick', 13), 1);
  });

  it('refuses a payload that does not match the event, and a transaction it cannot follow', async () => {
    await assert.rejects(events.transaction(database.db, (trx) => events.record(trx, thingDone, { thingId: -1 })));
    await assert.rejects(
      database.db.transaction().execute((trx) => events.record(trx, thingDone, { thingId: 3 })),
      /not opened by EventBus\.transaction/,
    );
    assert.equal(await jobs('test.on-thing-slow', 3), 0);
  });

  it('the workers handle each delivery, woken at the commit (they poll only every 30 s)', async () => {
    await events.transaction(database.db, (trx) => events.record(trx, thingDone, { thingId: 4 }));
    const t0 = Date.now();
    while (!(handled.includes('slow:4') && handled.includes('quick:4')) && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(handled.includes('slow:4') && handled.includes('quick:4'), `handled: ${handled.join(', ')}`);
  });
});
