/**
 * The hosting year's daily sweep over a fleet (20,000 instances by default) on PostgreSQL, in this
 * process: instances whose periods end on every day of a year (so a day has renewals to issue,
 * reminders, grace, suspensions, like any day of a business that size), swept day after day for
 * BENCH_DAYS days (45 by default: from the first renewals to a steady state of reminders, grace and
 * suspensions). Measures each day's sweep (target ≤ 30 s for the slowest day), the process RSS
 * after each day and its peak, and checks that the same sweep run a second time the same day
 * creates nothing (the script fails otherwise), then times the rendering of the day's PDFs (the
 * every-minute job's work, which issuing does not wait for). Each day's line is printed as it is swept.
 *
 *   Run: node_modules/.bin/node --expose-gc bench/lifecycle.ts
 *   Env: BENCH_INSTANCES=20000  BENCH_DAYS=45  TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
 */
import os from 'node:os';
import { loadConfig } from '../src/config.ts';
import { createContainer } from '../src/container.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { addDays } from '../src/platform/dates.ts';
import { createLogger } from '../src/platform/logger.ts';
import { runLifecycleDay } from '../src/modules/lifecycle/use-cases/run-lifecycle.ts';
import { seedFleet } from '../test/support/fleet.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { machine, table } from './support/lib.ts';

const N = Number(process.env.BENCH_INSTANCES ?? 20_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 45);
const FIRST_DAY = process.env.BENCH_FIRST_DAY ?? '2026-05-03';
const TARGET_S = 30;
process.env.TEST_DB = 'postgres';

const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
/** The JavaScript heap in use after a full collection (with --expose-gc; else as it is). */
const heap = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const clock = new ManualClock('2026-06-01T08:00:00Z');
  const config = loadConfig({ PORT: '3000', PUBLIC_DOMAIN: 'localhost', DATA_DIR: '/nonexistent-ecrin-bench', SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789', LOG_LEVEL: 'warn' });
  const container = await createContainer({ config, logger: createLogger('warn'), clock, database: database.target, workers: false });
  try {
    const seedStart = performance.now();
    // Periods ending on every day of the coming year, evenly.
    await seedFleet(container.database.db, N, { prefix: 'b', start: (i) => addDays('2025-06-01', i % 365), plan: (i) => (i % 3 === 0 ? 'emeraude' : 'opale'), now: clock.now() });
    const seeded = (performance.now() - seedStart) / 1000;
    const headers = ['day', 'instances looked at', 'renewals issued', 'reminders/grace/suspended', 'sweep s', 'same day again s', 'created again', 'PDFs rendered', 'rendering s', 'RSS after MiB', 'heap after GC MiB', 'load (1/5/15 min)'];
    process.stdout.write(`Lifecycle sweep, ${N} instances on PostgreSQL (seeded in ${seeded.toFixed(1)} s, RSS ${rss()} MiB, heap ${heap()} MiB, load ${load()}) — ${machine()}\n`);
    const rows: { day: string; seconds: number; cells: (string | number)[] }[] = [];
    let peak = rss();
    let createdAgain = 0;
    let pdfTotal = 0;
    let pdfSeconds = 0;
    for (let i = 0, day = FIRST_DAY; i < DAYS; i++, day = addDays(day, 1)) {
      clock.set(`${day}T08:00:00Z`);
      const t0 = performance.now();
      const first = await runLifecycleDay(container.deps, day);
      const s1 = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const second = await runLifecycleDay(container.deps, day);
      const s2 = (performance.now() - t1) / 1000;
      // The day's PDFs (renewal quotes), as the every-minute job renders them after the sweep.
      const t2 = performance.now();
      const pdfs = await container.services.billing.ledger.renderPending();
      const s3 = (performance.now() - t2) / 1000;
      if (pdfs.failed.length > 0) throw new Error(`PDF rendering failed: ${JSON.stringify(pdfs.failed.slice(0, 3))}`);
      const created = second.renewalsIssued + second.reminders + second.grace + second.suspended + second.ended + second.retentionOver + second.extended + second.requoted;
      createdAgain += created;
      pdfTotal += pdfs.rendered;
      pdfSeconds += s3;
      const now = rss();
      peak = Math.max(peak, now);
      const cells = [day, first.instances, first.renewalsIssued, first.reminders + first.grace + first.suspended, s1.toFixed(2), s2.toFixed(2), created, pdfs.rendered, s3.toFixed(2), now, heap(), load()];
      rows.push({ day, seconds: s1, cells });
      process.stdout.write(`  ${cells.join('  ')}\n`);
      if (created !== 0) throw new Error(`the second sweep of ${day} created ${created} things`);
    }
    const sorted = [...rows].sort((a, b) => a.seconds - b.seconds);
    const median = sorted[Math.floor(sorted.length / 2)]!.seconds;
    const slowest = sorted[sorted.length - 1]!;
    const shown = rows.filter((r, i) => i < 2 || r === slowest || i === rows.length - 1 || r.day.endsWith('-01') || r.day.endsWith('-15'));
    process.stdout.write(`\n${table(headers, shown.map((r) => (r === slowest ? [...r.cells.slice(0, 1).map((c) => `${c} (slowest)`), ...r.cells.slice(1)] : r.cells)))}\n`);
    process.stdout.write(`${rows.length} days swept: median ${median.toFixed(2)} s, slowest ${slowest.seconds.toFixed(2)} s on ${slowest.day} — ${(slowest.seconds / TARGET_S).toFixed(2)} of the ${TARGET_S} s target (${slowest.seconds <= TARGET_S ? 'met' : 'NOT MET'}); created by the same day's second sweep: ${createdAgain}; ${pdfTotal} PDFs rendered after the sweeps in ${pdfSeconds.toFixed(1)} s (${pdfTotal ? ((pdfSeconds / pdfTotal) * 1000).toFixed(0) : '-'} ms each); RSS peak ${peak} MiB, heap after GC ${heap()} MiB; load at the end ${load()}\n`);
  } finally {
    await container.close();
    await database.drop();
  }
}

await main();
