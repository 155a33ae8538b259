/**
 * Shared plumbing for the benchmarks in bench/: free ports, child processes that are always
 * killed, temporary data directories, throw-away PostgreSQL databases, RSS readings, autocannon.
 * Nothing here asserts a timing: the scripts print what they measured and the ratios between
 * figures taken in the same run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The project's Node 24 (the system node is too old for type stripping). */
export const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type Backend = 'pglite' | 'postgres';
export const BACKENDS: Backend[] = (process.env.BENCH_BACKENDS ?? 'pglite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Backend => s === 'pglite' || s === 'postgres');

/** True when the module at `importMetaUrl` is the script node was asked to run. */
export function isMain(importMetaUrl: string): boolean {
  return !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(importMetaUrl);
}

// --- cleanup: every child and every temporary resource is released, also on error or Ctrl-C ----

const children = new Set<ChildProcess>();
/** releases still pending (temp dirs, bench databases), run if we are interrupted */
const pending = new Set<() => Promise<void>>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    const timer = setTimeout(() => process.exit(130), 5000);
    void Promise.allSettled([...pending].map((f) => f())).then(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'ecrin-bench-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database `ecrin_bench_<random>` on the PostgreSQL server. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `ecrin_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A data directory (always) and, on PostgreSQL, a fresh database; `release()` removes both. */
export async function prepareBackend(backend: Backend): Promise<{ env: NodeJS.ProcessEnv; release(): Promise<void> }> {
  const tmp = tempDir();
  let db: BenchDatabase | null = null;
  try {
    if (backend === 'postgres') db = await createBenchDatabase();
  } catch (err) {
    tmp.remove();
    throw err;
  }
  let released: Promise<void> | null = null;
  const release = () => {
    released ??= (async () => {
      try {
        if (db) await db.drop();
      } finally {
        tmp.remove();
        pending.delete(release);
      }
    })();
    return released;
  };
  pending.add(release);
  return { env: { DATA_DIR: tmp.dir, ...(db ? { DATABASE_URL: db.url } : {}) }, release };
}

/** The environment for an ecrin child: ours minus anything that would change its behaviour. */
export function ecrinEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['PORT', 'DATA_DIR', 'DATABASE_URL', 'SMTP_URL', 'SECRET_KEY', 'LOG_LEVEL', 'PUBLIC_DOMAIN', 'PUBLIC_URL_SCHEME', 'HOST', 'TRUST_PROXY', 'NODE_OPTIONS']) {
    delete env[k];
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

// --- child processes ----------------------------------------------------------------------------

export interface Child {
  proc: ChildProcess;
  pid: number;
  port: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnChild(args: string[], env: NodeJS.ProcessEnv, port: number): Child {
  const proc = spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  exited.then(() => children.delete(proc));
  return {
    proc,
    pid: proc.pid!,
    port,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One GET; resolves with the status code (0 when the connection failed). */
export function probe(port: number, urlPath: string, timeoutMs = 1000, host?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs, agent: false, ...(host ? { headers: { host } } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Polls GET /readyz every `everyMs` until a 200; returns the time of that answer (performance.now()). */
export async function waitReady(child: Child, { everyMs = 50, timeoutMs = 120_000 } = {}): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let exitCode: number | null = null;
  child.proc.once('exit', (code) => (exitCode = code ?? -1));
  while (performance.now() < deadline) {
    if (exitCode !== null) throw new Error(`server exited (${exitCode}) before it was ready:\n${child.output()}`);
    const status = await probe(child.port, '/readyz', 1000);
    if (status === 200) return performance.now();
    await sleep(everyMs);
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${child.output()}`);
}

/** `node src/main.ts serve` on a free port; resolves once /readyz answers 200. */
export async function startEcrin(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ child: Child; readyMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnChild([...nodeArgs, 'src/main.ts', 'serve'], ecrinEnv({ ...env, PORT: String(port) }), port);
  try {
    const t1 = await waitReady(child);
    return { child, readyMs: t1 - t0 };
  } catch (err) {
    await child.stop(2000);
    throw err;
  }
}

/** A bare Fastify hello-world in its own process (it must not share our event loop). */
export async function startHello(): Promise<Child> {
  const port = await freePort();
  const child = spawnChild([path.join(ROOT, 'bench', 'support', 'hello-fastify.ts')], { ...process.env, PORT: String(port) }, port);
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`hello-world exited:\n${child.output()}`);
    if ((await probe(port, '/', 500)) === 200) return child;
    await sleep(50);
  }
  await child.stop(2000);
  throw new Error(`hello-world not ready:\n${child.output()}`);
}

export function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      children.delete(proc);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

// --- measurements -------------------------------------------------------------------------------

/** Resident set size of a process, in MiB (VmRSS from /proc/PID/status). */
export function rssMiB(pid: number): number {
  return procStatusMiB(pid, 'VmRSS');
}

/** Peak resident set size since the process started, in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
  return procStatusMiB(pid, 'VmHWM');
}

function procStatusMiB(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** User + system CPU time consumed so far by a process, in seconds (/proc/PID/stat, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "(comm) ", field 3 is state; utime and stime are fields 14 and 15 of the whole line
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p99: number;
}
export interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonOptions {
  url: string;
  connections?: number;
  duration?: number;
  headers?: Record<string, string>;
  pipelining?: number;
}
const require = createRequire(import.meta.url);
// autocannon ships no types; the few fields used are declared above.
const autocannon = require('autocannon') as (opts: AutocannonOptions) => Promise<AutocannonResult>;

export interface LoadResult {
  /** which load generator made the load */
  generator: 'autocannon' | 'wrk';
  /** requests per second over the run (autocannon: the mean of its per-second counts) */
  rps: number;
  total: number;
  /** CPU used by the server process during the load: share of one core, and per request */
  serverCpuPercent: number | null;
  serverCpuUsPerRequest: number | null;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50: number;
  latencyP99: number;
  statusCodes: Record<string, number>;
  /** CPU time the load generator itself used per request (µs): it shares the machine */
  generatorCpuUsPerRequest: number | null;
}

/** One autocannon run; with `serverPid`, also the CPU time that process used meanwhile. */
export async function load(opts: AutocannonOptions, serverPid?: number): Promise<LoadResult> {
  const cpu0 = serverPid ? cpuSeconds(serverPid) : 0;
  // autocannon runs in this process: its CPU is ours (the bench does nothing else meanwhile)
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon(opts);
  const wall = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu = serverPid ? cpuSeconds(serverPid) - cpu0 : null;
  return {
    generator: 'autocannon',
    generatorCpuUsPerRequest: r.requests.total ? (own.user + own.system) / r.requests.total : null,
    rps: r.requests.average,
    total: r.requests.total,
    serverCpuPercent: cpu === null ? null : (cpu / wall) * 100,
    serverCpuUsPerRequest: cpu === null || !r.requests.total ? null : (cpu / r.requests.total) * 1e6,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)])),
  };
}

export const WRK = process.env.WRK ?? '/usr/bin/wrk';

// wrk's Lua hook: one JSON line with what it measured (latencies in µs).
const WRK_REPORT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"p50":%d,"p99":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
`;

/**
 * One wrk run (Debian's `wrk`, a C load generator: a tenth of autocannon's CPU per request, so that
 * on a small machine the load generator takes less of the CPU the servers under test need). Its own
 * CPU time is read from the shell that waited for it (`cutime`/`cstime` of /proc/self/stat).
 */
export async function wrkLoad(opts: AutocannonOptions, serverPid?: number): Promise<LoadResult> {
  const tmp = tempDir('ecrin-bench-wrk-');
  try {
    const script = path.join(tmp.dir, 'report.lua');
    writeFileSync(script, WRK_REPORT);
    const args = ['-t1', `-c${opts.connections ?? 50}`, `-d${opts.duration ?? 10}s`, '--timeout', '10s', '-s', script];
    // wrk adds its own `Host` unless one is given under exactly that name
    for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k.toLowerCase() === 'host' ? 'Host' : k}: ${v}`);
    args.push(opts.url);
    const cpu0 = serverPid ? cpuSeconds(serverPid) : 0;
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      // the shell runs wrk, then prints its own /proc stat, whose children's times are wrk's
      const child = spawn('sh', ['-c', `"$0" "$@" && cat /proc/$$/stat`, WRK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
      child.on('error', reject);
      child.on('exit', (code) => {
        children.delete(child);
        if (code === 0) resolve(text);
        else reject(new Error(`wrk failed (${code}):\n${text}`));
      });
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = serverPid ? cpuSeconds(serverPid) - cpu0 : null;
    const json = /WRK_JSON (\{.*\})/.exec(out);
    if (!json) throw new Error(`no report from wrk:\n${out}`);
    const r = JSON.parse(json[1]!) as { requests: number; duration_us: number; p50: number; p99: number; connect: number; read: number; write: number; status: number; timeout: number };
    const stat = out.trim().split('\n').at(-1)!;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // from the state (3rd field) on: cutime and cstime are the 16th and 17th fields (100 ticks/s, as cpuSeconds)
    const ticks = Number(fields[13]) + Number(fields[14]);
    const rps = r.requests / (r.duration_us / 1e6);
    return {
      generator: 'wrk',
      generatorCpuUsPerRequest: r.requests ? ((ticks / 100) * 1e6) / r.requests : null,
      rps,
      total: r.requests,
      serverCpuPercent: cpu === null ? null : (cpu / wall) * 100,
      serverCpuUsPerRequest: cpu === null || !r.requests ? null : (cpu / r.requests) * 1e6,
      ok: r.requests - r.status,
      non2xx: r.status,
      errors: r.connect + r.read + r.write,
      timeouts: r.timeout,
      latencyP50: Math.round(r.p50 / 100) / 10,
      latencyP99: Math.round(r.p99 / 100) / 10,
      statusCodes: {},
    };
  } finally {
    tmp.remove();
  }
}

// --- printing ---------------------------------------------------------------------------------------

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(cells[0]!), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

export function machine(): string {
  const cpus = os.cpus();
  return `Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`;
}
