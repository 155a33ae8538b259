/**
 * The front door's throughput and added latency: `GET /blob?size=16384` from one instance (the
 * Diacamma stand-in, a single Node process) measured directly on its loopback port, through ecrin's
 * front door (`Host: NAME.localhost:PORT`), and through nginx set up as a plain reverse proxy to the
 * same port — one after the other, in the same run, 50 connections, 2 s warm-up + 8 s measured.
 * The instance is on Opale, whose 32 Mbps the front door enforces: it is measured once like that
 * (the cap at work), then with the plan's bandwidth set to unlimited, for the proxy's own cost.
 *
 * ecrin runs in a child process (bench/support/front-door-server.ts: createContainer + buildApp
 * in-process, one instance provisioned, its stand-in port read from `container.driver.endpoint`);
 * autocannon runs here, nginx in its own processes (1 worker by default, BENCH_NGINX_WORKERS).
 * Besides req/s and autocannon's latency: the latency of 1,000 requests made one after the other on
 * one kept-alive connection (unloaded), the CPU time the proxy's processes and the stand-in used per
 * request (from /proc), and the TCP connections accepted on the machine during the run (PassiveOpens).
 *
 *   Run: node_modules/.bin/node bench/front-door.ts
 *   Env: BENCH_CONNECTIONS=50  BENCH_DURATION=8  BENCH_WARMUP=2  BENCH_BLOB=16384  BENCH_NGINX_WORKERS=1
 *        BENCH_SEQUENTIAL=1000  NGINX=/usr/sbin/nginx
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cpuSeconds, freePort, isMain, load, machine, prepareBackend, probe, ROOT, sleep, spawnChild, table, tempDir, type Child, type LoadResult } from './support/lib.ts';
import { killOnExit } from './support/orphans.ts';
import { request } from './support/session.ts';

export const TARGET_VS_NGINX = 0.8;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const BLOB = Number(process.env.BENCH_BLOB ?? 16_384);
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const NGINX_WORKERS = Number(process.env.BENCH_NGINX_WORKERS ?? 1);
/** requests of the unloaded latency measurement */
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);

export interface PathResult {
  label: string;
  load: LoadResult;
  /** CPU time of the proxy's processes per request (µs), null for "direct" */
  proxyCpuUsPerRequest: number | null;
  /** CPU of the stand-in per request (µs) */
  standinCpuUsPerRequest: number | null;
  /** TCP connections accepted on the machine during the measured run (client→proxy and proxy→stand-in) */
  connectionsAccepted: number;
  /** the proxy closes the client's connection after each response (`connection: close`) */
  closesClientConnection: boolean;
  /** one client, requests one after the other: p50 / p99 in ms */
  unloaded: { p50: number; p99: number };
}

export interface FrontDoorRun {
  blobBytes: number;
  opts: Required<FrontDoorOptions>;
  results: PathResult[];
}

export interface FrontDoorOptions {
  durationS?: number;
  warmupS?: number;
  connections?: number;
  /** requests of the unloaded latency measurement */
  sequential?: number;
  /** also measure through the front door with Opale's bandwidth cap (default true) */
  capped?: boolean;
  /** also measure nginx without upstream keepalive (default true) */
  nginxWithoutKeepalive?: boolean;
}

// --- processes ------------------------------------------------------------------------------------

interface EcrinWithInstance {
  child: Child;
  port: number;
  host: string;
  standinPort: number;
  plan: { bandwidthMbps: number | null; maxSessions: number | null };
  /** lifts the plan's bandwidth limit (SIGUSR2 to the server; resolves once applied) */
  uncap(): Promise<void>;
}

async function startEcrinWithInstance(dataDir: string): Promise<EcrinWithInstance> {
  const child = spawnChild([path.join(ROOT, 'bench', 'support', 'front-door-server.ts')], { ...process.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir }, 0);
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const line = child.output().split('\n').find((l) => l.startsWith('{"ready":true'));
    if (line) {
      const info = JSON.parse(line) as { port: number; host: string; standinPort: number; plan: EcrinWithInstance['plan'] };
      const uncap = async () => {
        child.proc.kill('SIGUSR2');
        const until = performance.now() + 10_000;
        while (performance.now() < until) {
          if (child.output().includes('{"uncapped":true')) return;
          await sleep(50);
        }
        throw new Error(`the plan's bandwidth was not lifted:\n${child.output()}`);
      };
      return { child, port: info.port, host: info.host, standinPort: info.standinPort, plan: info.plan, uncap };
    }
    if (child.proc.exitCode !== null) break;
    await sleep(100);
  }
  await child.stop(2000);
  throw new Error(`the front-door server did not come up:\n${child.output()}`);
}

/** The pid listening on a loopback port (the stand-in is a grandchild: found with ss). */
function pidListeningOn(port: number): number | null {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** TCP connections accepted so far on this machine (PassiveOpens, /proc/net/snmp). */
function passiveOpens(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('PassiveOpens')]);
}

/**
 * Latency without load: one client, one connection kept alive when the server allows it (else a new
 * one per request, as a browser would), requests one after the other; milliseconds.
 */
async function sequentialLatency(url: string, host: string, n: number): Promise<{ p50: number; p99: number; closes: boolean }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let closes: boolean | null = null;
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get(url, { agent, headers: { host } }, (res) => {
        // the first answer tells (nginx, for one, closes after keepalive_requests = 1,000 anyway)
        closes ??= /close/i.test(String(res.headers.connection ?? ''));
        res.on('data', () => {});
        res.on('end', () => resolve(performance.now() - t0));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  try {
    for (let i = 0; i < Math.min(100, n); i++) await once();
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(await once());
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(n * 0.5)]!, p99: times[Math.floor(n * 0.99)]!, closes: closes ?? false };
  } finally {
    agent.destroy();
  }
}

/** The pids of a process and its children (nginx: master + workers). */
function withChildren(pid: number): number[] {
  const pids = [pid];
  try {
    for (const task of execFileSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    }
  } catch {
    /* gone */
  }
  return pids;
}

const cpuOf = (pids: number[]) => pids.reduce((sum, p) => sum + (existsSync(`/proc/${p}`) ? cpuSeconds(p) : 0), 0);

interface Nginx {
  port: number;
  proc: ChildProcess;
  pids(): number[];
  stop(): Promise<void>;
}

/** nginx as a reverse proxy to the stand-in, in a temporary prefix (config, logs, temp files, pid). */
async function startNginx(upstreamPort: number, keepalive: boolean): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX} (apt-get install -y nginx, or NGINX=…)`);
  const tmp = tempDir('ecrin-bench-nginx-');
  // nginx started as root runs its workers as nobody: they must reach the temp folders
  chmodSync(tmp.dir, 0o755);
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(tmp.dir, d));
  const port = await freePort();
  const conf = `worker_processes ${NGINX_WORKERS};
error_log ${tmp.dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${tmp.dir}/client_body;
  proxy_temp_path ${tmp.dir}/proxy;
  fastcgi_temp_path ${tmp.dir}/fastcgi;
  uwsgi_temp_path ${tmp.dir}/uwsgi;
  scgi_temp_path ${tmp.dir}/scgi;
  upstream standin {
    server 127.0.0.1:${upstreamPort};
    ${keepalive ? 'keepalive 64;' : ''}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://standin;
      proxy_http_version 1.1;
      proxy_set_header Connection "${keepalive ? '' : 'close'}";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
  writeFileSync(path.join(tmp.dir, 'nginx.conf'), conf);
  const proc = spawn(NGINX, ['-p', tmp.dir, '-e', `${tmp.dir}/error.log`, '-c', `${tmp.dir}/nginx.conf`, '-g', `daemon off; pid ${tmp.dir}/nginx.pid;`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  };
  // interrupted: nginx stops (SIGTERM reaches its workers through the master) and its folder goes
  const onExit = () => {
    kill();
    tmp.remove();
  };
  process.on('exit', onExit);
  const stop = async () => {
    kill();
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    process.off('exit', onExit);
    tmp.remove();
  };
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) break;
    if ((await probe(port, '/health', 500)) !== 0) return { port, proc, pids: () => withChildren(proc.pid!), stop };
    await sleep(50);
  }
  const log = existsSync(path.join(tmp.dir, 'error.log')) ? readFileSync(path.join(tmp.dir, 'error.log'), 'utf8') : '';
  await stop();
  throw new Error(`nginx did not start:\n${out}\n${log}`);
}

// --- the measurement ------------------------------------------------------------------------------

async function measure(label: string, url: string, host: string, standinPid: number | null, proxyPids: () => number[], o: Required<FrontDoorOptions>): Promise<PathResult> {
  const headers = { host };
  const u = new URL(url);
  const check = await request(Number(u.port), 'GET', u.pathname + u.search, headers);
  if (check.status !== 200 || Buffer.byteLength(check.body, 'latin1') === 0) throw new Error(`${label}: sample GET → ${check.status}`);
  const { closes: closesClientConnection, ...unloaded } = await sequentialLatency(url, host, o.sequential);
  if (o.warmupS > 0) await load({ url, headers, connections: o.connections, duration: o.warmupS });
  await sleep(200);
  const opens0 = passiveOpens();
  const pids = proxyPids();
  const cpu0 = cpuOf(pids);
  const s0 = standinPid ? cpuSeconds(standinPid) : 0;
  const r = await load({ url, headers, connections: o.connections, duration: o.durationS });
  const proxyCpu = pids.length ? cpuOf(pids) - cpu0 : null;
  const standinCpu = standinPid ? cpuSeconds(standinPid) - s0 : null;
  return {
    label,
    load: r,
    proxyCpuUsPerRequest: proxyCpu === null || !r.total ? null : (proxyCpu / r.total) * 1e6,
    standinCpuUsPerRequest: standinCpu === null || !r.total ? null : (standinCpu / r.total) * 1e6,
    connectionsAccepted: passiveOpens() - opens0,
    closesClientConnection,
    unloaded,
  };
}

export async function runFrontDoor(options: FrontDoorOptions = {}): Promise<FrontDoorRun> {
  const o: Required<FrontDoorOptions> = {
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    connections: CONNECTIONS,
    sequential: SEQUENTIAL,
    capped: true,
    nginxWithoutKeepalive: true,
    ...options,
  };
  // a data directory that is removed even if the run is interrupted (no database: PGlite in memory)
  const prepared = await prepareBackend('pglite');
  let ecrin: EcrinWithInstance;
  try {
    ecrin = await startEcrinWithInstance(String(prepared.env.DATA_DIR));
  } catch (err) {
    await prepared.release();
    throw err;
  }
  let cancelKill = () => {};
  try {
    const standinPid = pidListeningOn(ecrin.standinPort);
    // the stand-in is ecrin's child: it must not outlive an interrupted run
    if (standinPid) cancelKill = killOnExit(standinPid);
    const blob = `/blob?size=${BLOB}`;
    const results: PathResult[] = [];
    results.push(await measure('direct (stand-in port)', `http://127.0.0.1:${ecrin.standinPort}${blob}`, `${ecrin.host}`, standinPid, () => [], o));
    const viaEcrin = (label: string) => measure(label, `http://127.0.0.1:${ecrin.port}${blob}`, `${ecrin.host}:${ecrin.port}`, standinPid, () => [ecrin.child.pid], o);
    if (o.capped && ecrin.plan.bandwidthMbps !== null) results.push(await viaEcrin(`ecrin front door, Opale (${ecrin.plan.bandwidthMbps} Mbps cap)`));
    await ecrin.uncap();
    results.push(await viaEcrin('ecrin front door'));
    for (const keepalive of o.nginxWithoutKeepalive ? [true, false] : [true]) {
      const nginx = await startNginx(ecrin.standinPort, keepalive);
      try {
        results.push(await measure(keepalive ? 'nginx (upstream keepalive)' : 'nginx (no upstream keepalive)', `http://127.0.0.1:${nginx.port}${blob}`, `${ecrin.host}:${nginx.port}`, standinPid, nginx.pids, o));
      } finally {
        await nginx.stop();
      }
    }
    return { blobBytes: BLOB, opts: o, results };
  } finally {
    await ecrin.child.stop();
    cancelKill();
    await prepared.release();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (v: number | null) => (v === null ? '-' : `${Math.round(v)} µs`);

export function frontDoorRatios(run: FrontDoorRun): { vsDirect: number; vsNginx: number } {
  const by = (label: string) => run.results.find((r) => r.label === label)!.load.rps;
  const fd = by('ecrin front door');
  return { vsDirect: fd / by('direct (stand-in port)'), vsNginx: fd / by('nginx (upstream keepalive)') };
}

export function formatFrontDoor(run: FrontDoorRun): string {
  const direct = run.results[0]!.load;
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
  const rows = run.results.map((r) => [
    r.label,
    `${fmt(r.load.rps)} (${((r.load.rps * run.blobBytes * 8) / 1e6).toFixed(0)} Mbps)`,
    `${((r.load.rps / direct.rps) * 100).toFixed(1)} %`,
    `${ms((run.opts.connections / r.load.rps) * 1000)} ms`,
    r.closesClientConnection ? 'n/a (see note)' : `${r.load.latencyP50} / ${r.load.latencyP99} ms`,
    `${ms(r.unloaded.p50)} / ${ms(r.unloaded.p99)} ms`,
    us(r.proxyCpuUsPerRequest),
    us(r.standinCpuUsPerRequest),
    `${fmt(r.connectionsAccepted)}${r.closesClientConnection ? ' (client conn. closed each response)' : ''}`,
    `${r.load.non2xx} / ${r.load.errors + r.load.timeouts}`,
  ]);
  const { vsDirect, vsNginx } = frontDoorRatios(run);
  return [
    table(['path', 'req/s (payload)', 'of direct', `mean latency (${run.opts.connections} ÷ req/s)`, 'autocannon p50 / p99', `unloaded p50 / p99 (1 client, ${run.opts.sequential} req)`, 'proxy CPU / req', 'stand-in CPU / req', 'TCP connections accepted', 'non-2xx / errors'], rows),
    '',
    ...(run.results.some((r) => r.closesClientConnection)
      ? ['Note: a proxy that answers `connection: close` makes autocannon reconnect after every response, and its latency histogram is then wrong (p50 of seconds at 1 connection and 1,000 req/s): the mean from Little\'s law and the unloaded figures are given instead.', '']
      : []),
    `ecrin front door = ${(vsDirect * 100).toFixed(1)} % of direct, ${(vsNginx * 100).toFixed(1)} % of nginx with upstream keepalive (target ≥ ${TARGET_VS_NGINX * 100} %: ${vsNginx >= TARGET_VS_NGINX ? 'met' : 'MISSED'})`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(`GET /blob?size=${BLOB}: direct vs ecrin front door vs nginx (${NGINX_WORKERS} worker), ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s — ${machine()}\n`);
  console.log(formatFrontDoor(await runFrontDoor()));
}
