/**
 * Resident memory (VmRSS from /proc/PID/status) of the ecrin server process: right after it is
 * ready, after ~5 s idle, and after the account-page load (2 s warm-up + 10 s at 50 connections on
 * GET /compte, signed in). On PGlite and PostgreSQL. On PGlite the database engine (WASM) lives in
 * the server process and is counted; on PostgreSQL the database server's own processes are not.
 * The peak (VmHWM) is printed too: on PGlite, start-up briefly needs about twice the idle figure.
 *
 *   Run: node_modules/.bin/node bench/memory.ts          (BENCH_BACKENDS, BENCH_DURATION, BENCH_IDLE=5)
 */
import { runAccountBench, type AccountRun } from './account-rps.ts';
import { BACKENDS, isMain, machine, table, type Backend } from './support/lib.ts';

export const IDLE_MS = Number(process.env.BENCH_IDLE ?? 5) * 1000;

export interface MemoryResult {
  backend: Backend;
  afterStartMiB: number;
  afterIdleMiB: number;
  afterLoadMiB: number;
  /** VmHWM: the peak since the process started, read before and after the load */
  peakBeforeLoadMiB: number;
  peakAfterLoadMiB: number;
  helloAfterStartMiB: number | null;
  helloAfterLoadMiB: number | null;
}

export function memoryOf(run: AccountRun): MemoryResult {
  return {
    backend: run.backend,
    afterStartMiB: run.memory.afterStartMiB,
    afterIdleMiB: run.memory.afterIdleMiB ?? Number.NaN,
    afterLoadMiB: run.memory.afterLoadMiB,
    peakBeforeLoadMiB: run.memory.peakBeforeLoadMiB,
    peakAfterLoadMiB: run.memory.peakAfterLoadMiB,
    helloAfterStartMiB: run.memory.helloAfterStartMiB,
    helloAfterLoadMiB: run.memory.helloAfterLoadMiB,
  };
}

export async function runMemory(backends: Backend[] = BACKENDS): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const backend of backends) results.push(memoryOf(await runAccountBench(backend, { hello: false, idleMs: IDLE_MS })));
  return results;
}

export function formatMemory(results: MemoryResult[]): string {
  const mib = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : `${n.toFixed(1)} MiB`);
  const withHello = results.some((r) => r.helloAfterStartMiB !== null);
  return table(
    ['backend', 'RSS at ready', `after ${IDLE_MS / 1000} s idle`, 'after the /compte load', 'peak (VmHWM) before / after load', ...(withHello ? ['bare Fastify: start / after load'] : [])],
    results.map((r) => [
      r.backend,
      mib(r.afterStartMiB),
      mib(r.afterIdleMiB),
      mib(r.afterLoadMiB),
      `${mib(r.peakBeforeLoadMiB)} / ${mib(r.peakAfterLoadMiB)}`,
      ...(withHello ? [`${mib(r.helloAfterStartMiB)} / ${mib(r.helloAfterLoadMiB)}`] : []),
    ]),
  );
}

if (isMain(import.meta.url)) {
  console.log(`Resident memory of the ecrin process — ${machine()}\n`);
  console.log(formatMemory(await runMemory()));
  console.log('\nOn PostgreSQL the database server runs in its own processes, not counted here.');
}
