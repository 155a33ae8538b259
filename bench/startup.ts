/**
 * Start-up time: `node src/main.ts serve` spawned as a child, timed from spawn to the first 200 on
 * GET /readyz (polled every 50 ms).
 *   - cold: fresh empty DATA_DIR (and, on PostgreSQL, a fresh empty database): PGlite initdb,
 *     migrations, seed, job-queue install;
 *   - warm: the same DATA_DIR / database started again, 3 times, median reported.
 * On PGlite and on PostgreSQL.   Run: node_modules/.bin/node bench/startup.ts
 */
import { BACKENDS, isMain, machine, median, prepareBackend, startEcrin, table, type Backend } from './support/lib.ts';

export interface StartupResult {
  backend: Backend;
  coldS: number;
  warmS: number[];
  warmMedianS: number;
  /** what the server itself printed ("ecrin is ready in X s") on the cold and the last warm start */
  selfReported: { cold: string | null; warm: string | null };
}

const WARM_RUNS = 3;

function selfReported(output: string): string | null {
  return /ecrin is ready in ([\d.]+) s/.exec(output)?.[1] ?? null;
}

async function measure(backend: Backend): Promise<StartupResult> {
  const prepared = await prepareBackend(backend);
  try {
    const cold = await startEcrin(prepared.env);
    const coldOut = cold.child.output();
    await cold.child.stop();
    const warm: number[] = [];
    let warmOut = '';
    for (let i = 0; i < WARM_RUNS; i++) {
      const run = await startEcrin(prepared.env);
      warmOut = run.child.output();
      await run.child.stop();
      warm.push(run.readyMs / 1000);
    }
    return {
      backend,
      coldS: cold.readyMs / 1000,
      warmS: warm,
      warmMedianS: median(warm),
      selfReported: { cold: selfReported(coldOut), warm: selfReported(warmOut) },
    };
  } finally {
    await prepared.release();
  }
}

export async function runStartup(backends: Backend[] = BACKENDS): Promise<StartupResult[]> {
  const results: StartupResult[] = [];
  for (const backend of backends) results.push(await measure(backend));
  return results;
}

export function formatStartup(results: StartupResult[]): string {
  return table(
    ['backend', 'cold start → ready', `warm restart (median of ${WARM_RUNS})`, 'warm runs', 'self-reported cold / warm'],
    results.map((r) => [
      r.backend,
      `${r.coldS.toFixed(2)} s`,
      `${r.warmMedianS.toFixed(2)} s`,
      r.warmS.map((s) => s.toFixed(2)).join(', '),
      `${r.selfReported.cold ?? '?'} s / ${r.selfReported.warm ?? '?'} s`,
    ]),
  );
}

if (isMain(import.meta.url)) {
  console.log(`Start-up (spawn → first 200 on /readyz) — ${machine()}\n`);
  const results = await runStartup();
  console.log(formatStartup(results));
  console.log('\n"self-reported" is the figure ecrin prints itself (from its own start, without Node boot and module loading).');
}
