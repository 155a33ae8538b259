import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { z } from 'zod';
import { createTestDatabase, testBackend, type TestDatabase } from '../../../test/support/database.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { defineJob, Queue } from './queue.ts';

/**
 * Jobs start when the transaction that sends them commits (LISTEN/NOTIFY), not at the next poll:
 * the workers here poll every 30 s, so a job that runs within a second was woken up. On both back
 * ends (PGlite: in-process notifications; PostgreSQL: a listening connection of its own).
 */
const pingJob = defineJob('test.ping', z.object({ n: z.number().int() }), { retryLimit: 0 });
const SLOW_POLL = 30;

let tdb: TestDatabase;
let database: Database;
let queue: Queue;
const ran: { n: number; at: number }[] = [];

before(async () => {
  tdb = await createTestDatabase();
  database = await openDatabase(tdb.target);
  // the job tables of pg-boss only (no application migration needed)
  queue = new Queue({ pool: database.pool, listen: database.listen, logger: createLogger('silent'), pollingIntervalSeconds: SLOW_POLL, backstopSeconds: SLOW_POLL });
  await queue.start([pingJob]);
  await queue.work(pingJob, async ({ n }) => {
    ran.push({ n, at: performance.now() });
  });
  // pg-boss fetches once when a worker starts: let that pass
  await new Promise((r) => setTimeout(r, 500));
});

after(async () => {
  await queue.stop();
  await database.close();
  await tdb.drop();
});

async function runs(n: number, withinMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < withinMs) {
    const hit = ran.find((r) => r.n === n);
    if (hit) return hit.at - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${n} did not run within ${withinMs} ms (the workers poll every ${SLOW_POLL} s)`);
}

describe('the job queue', () => {
  it('starts a job as soon as it is sent, long before the next poll', async () => {
    await queue.send(pingJob, { n: 1 });
    assert.ok((await runs(1, 3000)) < 3000);
  });

  it('starts a job sent in a transaction when that transaction commits, not before', async () => {
    let committedAt = 0;
    await database.db.transaction().execute(async (trx) => {
      await queue.send(pingJob, { n: 2 }, { trx });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(ran.find((r) => r.n === 2), undefined, 'not visible before the commit');
      committedAt = performance.now();
    });
    await runs(2, 3000);
    assert.ok(ran.find((r) => r.n === 2)!.at >= committedAt);
  });

  it('still wakes workers after the listening connection was cut (PostgreSQL)', { skip: testBackend() !== 'postgres' }, async () => {
    const admin = new pg.Client({ connectionString: tdb.url! });
    await admin.connect();
    try {
      const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'ecrin-listen' and datname = current_database()`);
      assert.equal(killed.rowCount, 1, 'one listening connection');
      // reconnected with backoff (1 s first)
      const deadline = Date.now() + 10_000;
      let back = 0;
      while (Date.now() < deadline) {
        back = (await admin.query(`select count(*)::int as n from pg_stat_activity where application_name = 'ecrin-listen' and datname = current_database()`)).rows[0].n;
        if (back === 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(back, 1, 'the listener came back');
    } finally {
      await admin.end();
    }
    await queue.send(pingJob, { n: 3 });
    await runs(3, 3000);
  });
});
