/**
 * Restarting ecrin with BENCH_INSTANCES (50) instances, and starting them from cold, measured from
 * outside real `ecrin serve` processes (LOG_LEVEL=warn) on one DATA_DIR, in one run:
 *
 * 1. "Restart, adopting": ecrin A serves the 50 instances (adopted after the setup). A gets SIGTERM
 *    (it stops no instance); the moment it has exited, ecrin B starts on the same port and adopts
 *    them. From A's SIGTERM, GET /login through the front door (Host: NAME.localhost:PORT) is
 *    polled for every instance every POLL_MS until each answers 200 again.
 * 2. "Restart as before (sequential)": what a restart did before this runtime — ecrin stopped every
 *    instance on its way out (`ecrin instances stop-all` here, after B's SIGTERM), and the next
 *    one started them one after another (INSTANCE_START_CONCURRENCY=1). Same polling, from the
 *    SIGTERM.
 * 3. "Cold start, concurrent": all stopped again, ecrin D starts with the default bound
 *    (INSTANCE_START_CONCURRENCY, 4). Run 2's start phase is the sequential cold start.
 *
 * Printed per run, from the SIGTERM (cold: from the spawn): until the old ecrin is gone, until the new
 * one's /readyz answers (its start-up), until the first and the last instance answer again (requests
 * sent after the old ecrin is gone), and the longest any instance went unanswered through the front
 * door (its last answer before, to its first after).
 *
 *   Run: node_modules/.bin/node bench/instances-restart.ts
 *   Env: BENCH_BACKENDS=pglite,postgres  BENCH_INSTANCES=50  BENCH_POLL_MS=100
 */
import { spawn } from 'node:child_process';
import { isMain, BACKENDS, NODE, ROOT, ecrinEnv, freePort, machine, prepareBackend, probe, runNode, sleep, spawnChild, table, type Backend, type Child } from './support/lib.ts';
import { killOnExitProcessesIn } from './support/orphans.ts';

const COUNT = Number(process.env.BENCH_INSTANCES ?? 50);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);
const TIMEOUT_MS = 10 * 60_000;

export interface RestartRun {
  label: string;
  /** from the SIGTERM (or the spawn, cold) to the new ecrin's spawn, seconds (stopping the old one) */
  spawnS: number;
  /** to ecrin's /readyz 200, seconds */
  readyS: number;
  firstS: number;
  lastS: number;
  /** the longest an instance answered nothing but errors through the front door, seconds */
  longestGapS: number;
}

export interface RestartBench {
  backend: Backend;
  instances: number;
  setupS: number;
  runs: RestartRun[];
}

function startServe(env: NodeJS.ProcessEnv, port: number): Child {
  return spawnChild(['src/main.ts', 'serve'], ecrinEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }), port);
}

/**
 * Polls every instance through the front door from `t0` (the old ecrin's SIGTERM) while `during`
 * stops it and starts the new one; an answer counts as "again" only for a request sent after the
 * old ecrin is gone (`gone()`), and the gap of an instance runs from its last answer before that.
 */
async function watch(port: number, names: string[], t0: number, during: (gone: () => void) => Promise<{ spawned: number; ready: number }>): Promise<Omit<RestartRun, 'label'>> {
  const lastBefore = new Map<string, number>(names.map((n) => [n, t0]));
  const again = new Map<string, number>();
  let goneAt: number | null = null;
  let stop = false;
  const poller = (async () => {
    while (!stop && again.size < names.length && performance.now() - t0 < TIMEOUT_MS) {
      const round = performance.now();
      await Promise.all(
        names.map(async (n) => {
          if (again.has(n)) return;
          const sent = performance.now();
          const s = await probe(port, '/login', 2000, `${n}.localhost:${port}`);
          if (s !== 200) return;
          if (goneAt !== null && sent >= goneAt) again.set(n, performance.now());
          else lastBefore.set(n, performance.now());
        }),
      );
      await sleep(Math.max(0, POLL_MS - (performance.now() - round)));
    }
  })();
  const { spawned, ready } = await during(() => (goneAt = performance.now()));
  goneAt ??= spawned;
  await poller.catch(() => {});
  stop = true;
  if (again.size < names.length) throw new Error(`${names.length - again.size} instances did not answer within ${TIMEOUT_MS / 1000} s`);
  const times = [...again.values()].map((t) => (t - t0) / 1000);
  const gaps = names.map((n) => (again.get(n)! - lastBefore.get(n)!) / 1000);
  return { spawnS: (spawned - t0) / 1000, readyS: (ready - t0) / 1000, firstS: Math.min(...times), lastS: Math.max(...times), longestGapS: Math.max(...gaps) };
}

async function waitReadyAt(child: Child): Promise<number> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`ecrin exited:\n${child.output()}`);
    if ((await probe(child.port, '/readyz', 1000)) === 200) return performance.now();
    await sleep(20);
  }
  throw new Error(`ecrin not ready:\n${child.output()}`);
}

async function stopAll(env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runNode(['src/main.ts', 'instances', 'stop-all'], ecrinEnv(env));
  if (r.code !== 0) throw new Error(`stop-all: ${r.stderr}`);
}

export async function runRestartBench(backend: Backend): Promise<RestartBench> {
  const prepared = await prepareBackend(backend);
  const env: NodeJS.ProcessEnv = { ...prepared.env, SECRET_KEY: 'bench-restart-key-bench-restart-key-0123456789', PUBLIC_DOMAIN: 'localhost' };
  const cancelKill = killOnExitProcessesIn(String(env.DATA_DIR));
  const children: Child[] = [];
  try {
    const t = performance.now();
    const setup = await new Promise<{ names: string[] }>((resolve, reject) => {
      const proc = spawn(NODE, ['bench/support/many-instances.ts'], { cwd: ROOT, env: ecrinEnv({ ...env, BENCH_INSTANCES: String(COUNT) }), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`setup exited ${code}:\n${out}`))));
    });
    const setupS = (performance.now() - t) / 1000;
    const names = setup.names;
    const port = await freePort();
    const runs: RestartRun[] = [];

    // 1. restart, adopting
    let a = startServe(env, port);
    children.push(a);
    await waitReadyAt(a);
    for (const n of names) if ((await probe(port, '/login', 2000, `${n}.localhost:${port}`)) !== 200) throw new Error(`${n} does not serve before the restart`);
    let t0 = performance.now();
    runs.push({
      label: 'restart, adopting (this runtime)',
      ...(await watch(port, names, t0, async (gone) => {
        await a.stop();
        gone();
        const spawned = performance.now();
        const b = startServe(env, port);
        children.push(b);
        a = b;
        return { spawned, ready: await waitReadyAt(b) };
      })),
    });

    // 2. restart as before: every instance stopped with ecrin, then started one after another
    t0 = performance.now();
    runs.push({
      label: 'restart as before (stop all, start one by one)',
      ...(await watch(port, names, t0, async (gone) => {
        await a.stop();
        gone();
        await stopAll(env);
        const spawned = performance.now();
        const c = startServe({ ...env, INSTANCE_START_CONCURRENCY: '1' }, port);
        children.push(c);
        a = c;
        return { spawned, ready: await waitReadyAt(c) };
      })),
    });

    // 3. cold start, concurrent (the default bound)
    await a.stop();
    await stopAll(env);
    t0 = performance.now();
    runs.push({
      label: 'cold start, concurrent (INSTANCE_START_CONCURRENCY=4)',
      ...(await watch(port, names, t0, async (gone) => {
        gone();
        const spawned = performance.now();
        const d = startServe(env, port);
        children.push(d);
        a = d;
        return { spawned, ready: await waitReadyAt(d) };
      })),
    });
    await a.stop();
    await stopAll(env);
    return { backend, instances: names.length, setupS, runs };
  } finally {
    for (const c of children) await c.stop(2000);
    await stopAll(env).catch(() => {});
    await prepared.release();
    cancelKill();
  }
}

export function formatRestart(results: RestartBench[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    for (const run of r.runs) rows.push([r.backend, run.label, run.spawnS.toFixed(2), run.readyS.toFixed(2), run.firstS.toFixed(2), run.lastS.toFixed(2), run.longestGapS.toFixed(2)]);
  }
  return table(['backend', 'run', 'old ecrin gone (s)', 'new ecrin ready (s)', 'first instance answers (s)', 'all instances answer (s)', 'longest gap (s)'], rows);
}

/** The two ratios asked for: restart (until all answer) before/now, and cold start sequential/concurrent (from the spawn). */
export function restartRatios(r: RestartBench): { restart: number; coldStart: number; coldSequentialS: number; coldConcurrentS: number } {
  const [adopt, before, cold] = r.runs as [RestartRun, RestartRun, RestartRun];
  const coldSequentialS = before.lastS - before.spawnS;
  const coldConcurrentS = cold.lastS - cold.spawnS;
  return { restart: before.lastS / adopt.lastS, coldStart: coldSequentialS / coldConcurrentS, coldSequentialS, coldConcurrentS };
}

if (isMain(import.meta.url)) {
  console.log(`ecrin restart and cold start with ${COUNT} instances, polled every ${POLL_MS} ms through the front door — ${machine()}\n`);
  const results: RestartBench[] = [];
  for (const backend of BACKENDS) {
    results.push(await runRestartBench(backend));
    console.log(`(${backend}: setup of ${COUNT} instances took ${results.at(-1)!.setupS.toFixed(0)} s)`);
  }
  console.log(formatRestart(results));
  for (const r of results) {
    const q = restartRatios(r);
    const adopt = r.runs[0]!;
    console.log(
      `\n- ${r.backend}: restart with ${r.instances} instances — all answer again ${adopt.lastS.toFixed(2)} s after the SIGTERM (ecrin itself ready at ${adopt.readyS.toFixed(2)} s, ` +
        `longest gap ${adopt.longestGapS.toFixed(2)} s), ${q.restart.toFixed(1)}× sooner than before (${r.runs[1]!.lastS.toFixed(2)} s); ` +
        `cold start ${q.coldConcurrentS.toFixed(2)} s concurrent vs ${q.coldSequentialS.toFixed(2)} s sequential (${q.coldStart.toFixed(1)}×)`,
    );
  }
}
