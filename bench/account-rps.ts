/**
 * Requests per second of the signed-in "Votre compte" page (GET /compte with a session cookie),
 * 50 connections, 2 s warm-up then 10 s measured, compared with a bare Fastify hello-world
 * (its own process) measured in the same run on the same machine. On PGlite and PostgreSQL.
 *
 * The session: `ecrin operator create --email bench@example.org` before the server starts (it
 * prints a one-time link), then GET that link and POST /mot-de-passe/definir → ecrin_session.
 * (An operator has no "Personne morale" tab, so the page measured is GET /compte.)
 *
 *   Run: node_modules/.bin/node bench/account-rps.ts
 *   Env: BENCH_BACKENDS=pglite,postgres  BENCH_DURATION=10  BENCH_WARMUP=2  BENCH_CONNECTIONS=50
 */
import { createOperator, request, signIn } from './support/session.ts';
import {
  BACKENDS,
  isMain,
  load,
  machine,
  peakRssMiB,
  prepareBackend,
  rssMiB,
  sleep,
  startEcrin,
  startHello,
  table,
  type Backend,
  type LoadResult,
} from './support/lib.ts';

export const TARGET_RATIO = 0.1;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const PAGE = '/compte';

export interface AccountRun {
  backend: Backend;
  account: LoadResult;
  hello: LoadResult | null;
  ratio: number | null;
  /** the same comparison by server CPU time per request (hello µs ÷ page µs): less sensitive to a busy machine */
  cpuRatio: number | null;
  sampleBytes: number;
  memory: { afterStartMiB: number; afterIdleMiB: number | null; afterLoadMiB: number; peakBeforeLoadMiB: number; peakAfterLoadMiB: number; helloAfterStartMiB: number | null; helloAfterLoadMiB: number | null };
}

export interface AccountRunOptions {
  /** also measure the hello-world baseline (default true) */
  hello?: boolean;
  /** idle time between start and the load, RSS read before and after (default 0) */
  idleMs?: number;
  durationS?: number;
  warmupS?: number;
}

export async function runAccountBench(backend: Backend, opts: AccountRunOptions = {}): Promise<AccountRun> {
  const durationS = opts.durationS ?? DURATION_S;
  const warmupS = opts.warmupS ?? WARMUP_S;
  const prepared = await prepareBackend(backend);
  try {
    // 1. the operator account and its one-time link, before the server holds the database
    const linkPath = await createOperator(prepared.env);

    // 2. the server, outbox mode (SMTP_URL unset by ecrinEnv), LOG_LEVEL=warn
    const { child } = await startEcrin(prepared.env);
    try {
      const afterStartMiB = rssMiB(child.pid);
      const jar = await signIn(child.port, linkPath);
      const headers = { host: `portail.localhost:${child.port}`, cookie: jar.header(), accept: 'text/html' };
      const sample = await request(child.port, 'GET', PAGE, headers);
      if (sample.status !== 200 || !sample.body.includes('Votre compte')) {
        throw new Error(`sample GET ${PAGE} → ${sample.status}, "Votre compte" ${sample.body.includes('Votre compte') ? 'present' : 'absent'}`);
      }
      let afterIdleMiB: number | null = null;
      if (opts.idleMs) {
        await sleep(opts.idleMs);
        afterIdleMiB = rssMiB(child.pid);
      }
      const peakBeforeLoadMiB = peakRssMiB(child.pid);
      const url = `http://127.0.0.1:${child.port}${PAGE}`;
      if (warmupS > 0) await load({ url, headers, connections: CONNECTIONS, duration: warmupS });
      const account = await load({ url, headers, connections: CONNECTIONS, duration: durationS }, child.pid);
      const afterLoadMiB = rssMiB(child.pid);
      const peakAfterLoadMiB = peakRssMiB(child.pid);
      await child.stop();

      // 3. the baseline, after ecrin has stopped, so that the two never compete
      let hello: LoadResult | null = null;
      let helloAfterStartMiB: number | null = null;
      let helloAfterLoadMiB: number | null = null;
      if (opts.hello !== false) {
        const h = await startHello();
        try {
          helloAfterStartMiB = rssMiB(h.pid);
          const hurl = `http://127.0.0.1:${h.port}/`;
          if (warmupS > 0) await load({ url: hurl, connections: CONNECTIONS, duration: warmupS });
          hello = await load({ url: hurl, connections: CONNECTIONS, duration: durationS }, h.pid);
          helloAfterLoadMiB = rssMiB(h.pid);
        } finally {
          await h.stop();
        }
      }
      return {
        backend,
        account,
        hello,
        ratio: hello ? account.rps / hello.rps : null,
        cpuRatio: hello?.serverCpuUsPerRequest && account.serverCpuUsPerRequest ? hello.serverCpuUsPerRequest / account.serverCpuUsPerRequest : null,
        sampleBytes: Buffer.byteLength(sample.body),
        memory: { afterStartMiB, afterIdleMiB, afterLoadMiB, peakBeforeLoadMiB, peakAfterLoadMiB, helloAfterStartMiB, helloAfterLoadMiB },
      };
    } finally {
      await child.stop();
    }
  } finally {
    await prepared.release();
  }
}

export async function runAccountRps(backends: Backend[] = BACKENDS, opts: AccountRunOptions = {}): Promise<AccountRun[]> {
  const runs: AccountRun[] = [];
  for (const backend of backends) runs.push(await runAccountBench(backend, opts));
  return runs;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const cpu = (r: LoadResult) => (r.serverCpuPercent === null ? '-' : `${Math.round(r.serverCpuPercent)} % / ${Math.round(r.serverCpuUsPerRequest!)} µs`);

export function formatAccountRps(runs: AccountRun[]): string {
  return table(
    ['backend', 'GET /compte req/s', 'bare Fastify req/s', 'ratio', `target ≥ ${TARGET_RATIO * 100} %`, 'ratio by CPU/req', 'latency p50 / p99', 'ecrin CPU: core % / µs per req', 'bare Fastify CPU', 'non-2xx', 'errors'],
    runs.map((r) => [
      r.backend,
      fmt(r.account.rps),
      r.hello ? fmt(r.hello.rps) : '-',
      r.ratio === null ? '-' : `${(r.ratio * 100).toFixed(1)} %`,
      r.ratio === null ? '-' : r.ratio >= TARGET_RATIO ? 'met' : 'MISSED',
      r.cpuRatio === null ? '-' : `${(r.cpuRatio * 100).toFixed(1)} %`,
      `${r.account.latencyP50} / ${r.account.latencyP99} ms`,
      cpu(r.account),
      r.hello ? cpu(r.hello) : '-',
      `${r.account.non2xx}${r.hello ? ` (hello ${r.hello.non2xx})` : ''}`,
      `${r.account.errors + r.account.timeouts}${r.hello ? ` (hello ${r.hello.errors + r.hello.timeouts})` : ''}`,
    ]),
  );
}

if (isMain(import.meta.url)) {
  console.log(`GET ${PAGE} (signed in) vs bare Fastify, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s — ${machine()}\n`);
  const runs = await runAccountRps();
  console.log(formatAccountRps(runs));
  console.log(`\nPage size: ${runs.map((r) => `${r.backend} ${r.sampleBytes} B`).join(', ')}; hello-world body: 5 B.`);
}
