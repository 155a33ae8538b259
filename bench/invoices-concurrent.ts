/**
 * 1,000 invoices issued concurrently on PostgreSQL: 4 processes × 250, each through the real ledger
 * (gapless numbering under the ledger lock, hash chain, PDF/A-3 + Factur-X rendering, stored PDF).
 * Prints invoices per second over the whole run, and checks the numbering (1..1000, no gap).
 *
 *   Run: node_modules/.bin/node bench/invoices-concurrent.ts
 *   Env: BENCH_DATABASE_URL (admin URL), BENCH_PROCESSES=4, BENCH_PER_PROCESS=250
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { SettingsRepository } from '../src/modules/settings/settings.repository.ts';
import { SettingsService } from '../src/modules/settings/settings.service.ts';
import { systemClock } from '../src/platform/clock.ts';

const run = promisify(execFile);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const processes = Number(process.env.BENCH_PROCESSES ?? 4);
const perProcess = Number(process.env.BENCH_PER_PROCESS ?? 250);

const name = `ecrin_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
try {
  const database = await openDatabase({ kind: 'postgres', url: url.toString() });
  await migrateToLatest(database.db);
  await new SettingsService(new SettingsRepository(database.db), systemClock).seedDefaults();
  await database.close();

  const started = performance.now();
  const outputs = await Promise.all(
    Array.from({ length: processes }, () => run(process.execPath, ['test/support/issue-invoices.ts', url.toString(), String(perProcess)], { maxBuffer: 20 * 1024 * 1024 })),
  );
  const seconds = (performance.now() - started) / 1000;
  const numbers = outputs.flatMap((o) => JSON.parse(o.stdout) as string[]);
  const seqs = numbers.map((n) => Number(n.split('-')[2])).sort((a, b) => a - b);
  const gapless = seqs.every((s, i) => s === i + 1);
  const total = processes * perProcess;
  console.log(`${total} invoices by ${processes} processes on PostgreSQL in ${seconds.toFixed(1)} s (process start-up included)`);
  console.log(`  ${(total / seconds).toFixed(0)} invoices/s — numbering 1..${total} ${gapless && new Set(numbers).size === total ? 'without gap or duplicate' : 'BROKEN'}`);
} finally {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
