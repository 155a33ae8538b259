/**
 * The front door's throughput and added latency: `GET /blob?size=16384` from one instance (the
 * Diacamma stand-in, a single Node process) measured directly on its loopback port, through ecrin's
 * front door (`Host: NAME.localhost:PORT`), and through nginx set up as a plain reverse proxy to the
 * same port, in the same run: 50 connections, 15 s warm-up + 8 s measured per path.
 * The instance is on Opale, whose 32 Mbps the front door enforces: it is measured once like that
 * (the cap at work), then with the plan's bandwidth set to unlimited, for the proxy's own cost. The
 * uncapped front door and nginx are then measured in alternation (5 rounds; after the first, a 3 s
 * settling load each): the ratio to nginx is the median of the rounds' ratios, so that a slow spell
 * of the (shared) machine falls on both.
 *
 * ecrin runs in a child process (bench/support/front-door-server.ts: a setup process orders and
 * provisions one instance, then a second one serves as `ecrin serve` does, its stand-in port read
 * from `container.driver.endpoint`). The load comes from wrk (Debian's package; BENCH_LOAD=autocannon
 * to use autocannon, in this process, instead), nginx runs in its own processes (1 worker by
 * default, BENCH_NGINX_WORKERS). Besides req/s and the load generator's latency: the latency of
 * 1,000 requests made one after the other on one kept-alive connection (unloaded), the CPU time the
 * proxy's processes, the stand-in and the load generator used per request (from /proc), and the TCP
 * connections accepted on the machine during the run (PassiveOpens).
 *
 *   Run: node_modules/.bin/node bench/front-door.ts
 *   Env: BENCH_CONNECTIONS=50  BENCH_DURATION=8  BENCH_WARMUP=15  BENCH_BLOB=16384  BENCH_NGINX_WORKERS=1
 *        BENCH_SEQUENTIAL=1000  NGINX=/usr/sbin/nginx  BENCH_LOAD=wrk|autocannon  WRK=/usr/bin/wrk
 *        BENCH_ROUNDS=5  BENCH_CAPPED=1
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cpuSeconds, freePort, isMain, load, machine, median, prepareBackend, probe, ROOT, runNode, sleep, spawnChild, table, tempDir, WRK, wrkLoad, type Child, type LoadResult } from './support/lib.ts';
import { killOnExit } from './support/orphans.ts';
import { request } from './support/session.ts';

export const TARGET_VS_NGINX = 0.8;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 15);
const BLOB = Number(process.env.BENCH_BLOB ?? 16_384);
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const NGINX_WORKERS = Number(process.env.BENCH_NGINX_WORKERS ?? 1);
/** requests of the unloaded latency measurement */
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
/** rounds of "front door, then nginx" */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * The load generator: wrk when it is installed (C, ~30 µs of CPU per request here), else autocannon
 * (Node, ~250 µs per request: on two cores it takes more CPU than the proxies it loads).
 */
export const GENERATOR: 'wrk' | 'autocannon' = process.env.BENCH_LOAD === 'autocannon' || (process.env.BENCH_LOAD !== 'wrk' && !existsSync(WRK)) ? 'autocannon' : 'wrk';
const loadWith = GENERATOR === 'wrk' ? wrkLoad : load;

/** One measured load on one path. */
export interface Round {
  load: LoadResult;
  proxyCpuUsPerRequest: number | null;
  standinCpuUsPerRequest: number | null;
  connectionsAccepted: number;
}

export interface PathResult {
  label: string;
  /** every measured load of this path, in order (the front door and nginx are measured in alternation) */
  rounds: Round[];
  /** the round of median req/s: what the table shows */
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
  generator: 'wrk' | 'autocannon';
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
  /** rounds of "ecrin front door, then nginx", one after the other (default BENCH_ROUNDS, 5) */
  rounds?: number;
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
  const script = path.join(ROOT, 'bench', 'support', 'front-door-server.ts');
  const env = { ...process.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir };
  // the customer's order, paid and provisioned, in a process of its own (see front-door-server.ts)
  const setup = await runNode([script, 'setup'], env);
  if (setup.code !== 0) throw new Error(`the front-door server's setup failed:\n${setup.stdout}${setup.stderr}`);
  const child = spawnChild([script], env, 0);
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

interface PathSpec {
  label: string;
  url: string;
  host: string;
  proxyPids: () => number[];
}

/** One measured load (after a warm-up of `warmupS`) on a path, with the CPU its processes used. */
async function measureRound(path: PathSpec, standinPid: number | null, o: Required<FrontDoorOptions>, warmupS: number): Promise<Round> {
  const headers = { host: path.host };
  if (warmupS > 0) await loadWith({ url: path.url, headers, connections: o.connections, duration: warmupS });
  await sleep(200);
  const opens0 = passiveOpens();
  const pids = path.proxyPids();
  const cpu0 = cpuOf(pids);
  const s0 = standinPid ? cpuSeconds(standinPid) : 0;
  const r = await loadWith({ url: path.url, headers, connections: o.connections, duration: o.durationS });
  const proxyCpu = pids.length ? cpuOf(pids) - cpu0 : null;
  const standinCpu = standinPid ? cpuSeconds(standinPid) - s0 : null;
  return {
    load: r,
    proxyCpuUsPerRequest: proxyCpu === null || !r.total ? null : (proxyCpu / r.total) * 1e6,
    standinCpuUsPerRequest: standinCpu === null || !r.total ? null : (standinCpu / r.total) * 1e6,
    connectionsAccepted: passiveOpens() - opens0,
  };
}

/** A path's first measurement: a sample request, the unloaded latency, then a warmed-up load. */
async function measureFirst(path: PathSpec, standinPid: number | null, o: Required<FrontDoorOptions>): Promise<PathResult> {
  const u = new URL(path.url);
  const check = await request(Number(u.port), 'GET', u.pathname + u.search, { host: path.host });
  if (check.status !== 200 || Buffer.byteLength(check.body, 'latin1') === 0) throw new Error(`${path.label}: sample GET → ${check.status}`);
  const { closes: closesClientConnection, ...unloaded } = await sequentialLatency(path.url, path.host, o.sequential);
  const round = await measureRound(path, standinPid, o, o.warmupS);
  return withRounds({ label: path.label, closesClientConnection, unloaded }, [round]);
}

/** The result with these rounds, its headline figures taken from the round of median req/s. */
function withRounds(path: Pick<PathResult, 'label' | 'closesClientConnection' | 'unloaded'>, rounds: Round[]): PathResult {
  const sorted = [...rounds].sort((a, b) => a.load.rps - b.load.rps);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { label: path.label, closesClientConnection: path.closesClientConnection, unloaded: path.unloaded, rounds, load: mid.load, proxyCpuUsPerRequest: mid.proxyCpuUsPerRequest, standinCpuUsPerRequest: mid.standinCpuUsPerRequest, connectionsAccepted: mid.connectionsAccepted };
}

export async function runFrontDoor(options: FrontDoorOptions = {}): Promise<FrontDoorRun> {
  const o: Required<FrontDoorOptions> = {
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    connections: CONNECTIONS,
    sequential: SEQUENTIAL,
    capped: process.env.BENCH_CAPPED !== '0',
    nginxWithoutKeepalive: true,
    rounds: ROUNDS,
    ...options,
  };
  // a data directory (with the PGlite database) that is removed even if the run is interrupted
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
    results.push(await measureFirst({ label: 'direct (stand-in port)', url: `http://127.0.0.1:${ecrin.standinPort}${blob}`, host: ecrin.host, proxyPids: () => [] }, standinPid, o));
    const viaEcrin = (label: string): PathSpec => ({ label, url: `http://127.0.0.1:${ecrin.port}${blob}`, host: `${ecrin.host}:${ecrin.port}`, proxyPids: () => [ecrin.child.pid] });
    if (o.capped && ecrin.plan.bandwidthMbps !== null) results.push(await measureFirst(viaEcrin(`ecrin front door, Opale (${ecrin.plan.bandwidthMbps} Mbps cap)`), standinPid, o));
    await ecrin.uncap();
    // The front door and nginx in alternation, so that a slower or faster spell of the machine
    // (it is shared) falls on both: each round's ratio compares neighbours.
    const nginx = await startNginx(ecrin.standinPort, true);
    try {
      const ecrinPath = viaEcrin('ecrin front door');
      const nginxPath: PathSpec = { label: 'nginx (upstream keepalive)', url: `http://127.0.0.1:${nginx.port}${blob}`, host: `${ecrin.host}:${nginx.port}`, proxyPids: nginx.pids };
      let fd = await measureFirst(ecrinPath, standinPid, o);
      let ng = await measureFirst(nginxPath, standinPid, o);
      // later rounds: both already warm, a short settling load after the switch
      const settleS = Math.min(o.warmupS, 3);
      for (let i = 1; i < o.rounds; i++) {
        fd = withRounds(fd, [...fd.rounds, await measureRound(ecrinPath, standinPid, o, settleS)]);
        ng = withRounds(ng, [...ng.rounds, await measureRound(nginxPath, standinPid, o, settleS)]);
      }
      results.push(fd, ng);
    } finally {
      await nginx.stop();
    }
    if (o.nginxWithoutKeepalive) {
      const plain = await startNginx(ecrin.standinPort, false);
      try {
        results.push(await measureFirst({ label: 'nginx (no upstream keepalive)', url: `http://127.0.0.1:${plain.port}${blob}`, host: `${ecrin.host}:${plain.port}`, proxyPids: plain.pids }, standinPid, o));
      } finally {
        await plain.stop();
      }
    }
    return { blobBytes: BLOB, generator: GENERATOR, opts: o, results };
  } finally {
    await ecrin.child.stop();
    cancelKill();
    await prepared.release();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (v: number | null) => (v === null ? '-' : `${Math.round(v)} µs`);

/**
 * The front door against direct (headline rounds) and against nginx: the median of the rounds'
 * ratios, each round comparing the front door with the nginx measurement that followed it.
 */
export function frontDoorRatios(run: FrontDoorRun): { vsDirect: number; vsNginx: number; vsNginxRounds: number[] } {
  const by = (label: string) => run.results.find((r) => r.label === label)!;
  const fd = by('ecrin front door');
  const ng = by('nginx (upstream keepalive)');
  const vsNginxRounds = fd.rounds.map((r, i) => r.load.rps / ng.rounds[i]!.load.rps);
  return { vsDirect: fd.load.rps / by('direct (stand-in port)').load.rps, vsNginx: median(vsNginxRounds), vsNginxRounds };
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
    us(r.load.generatorCpuUsPerRequest),
    `${fmt(r.connectionsAccepted)}${r.closesClientConnection ? ' (client conn. closed each response)' : ''}`,
    `${r.load.non2xx} / ${r.load.errors + r.load.timeouts}`,
  ]);
  const { vsDirect, vsNginx, vsNginxRounds } = frontDoorRatios(run);
  const spread = (label: string) => {
    const r = run.results.find((x) => x.label === label)!;
    return r.rounds.map((x) => fmt(x.load.rps)).join(', ');
  };
  return [
    table(['path', 'req/s (payload)', 'of direct', `mean latency (${run.opts.connections} ÷ req/s)`, `${run.generator} p50 / p99`, `unloaded p50 / p99 (1 client, ${run.opts.sequential} req)`, 'proxy CPU / req', 'stand-in CPU / req', `${run.generator} CPU / req`, 'TCP connections accepted', 'non-2xx / errors'], rows),
    '',
    ...(run.results.some((r) => r.closesClientConnection)
      ? ['Note: a proxy that answers `connection: close` makes the load generator reconnect after every response, and its latency histogram is then wrong (p50 of seconds at 1 connection and 1,000 req/s): the mean from Little\'s law and the unloaded figures are given instead.', '']
      : []),
    `Rounds (front door, then nginx, ${run.opts.rounds}×; the table shows each path's median round): ecrin front door ${spread('ecrin front door')} req/s; nginx ${spread('nginx (upstream keepalive)')} req/s; ratio per round ${vsNginxRounds.map((x) => `${(x * 100).toFixed(1)} %`).join(', ')}.`,
    '',
    `ecrin front door = ${(vsDirect * 100).toFixed(1)} % of direct, ${(vsNginx * 100).toFixed(1)} % of nginx with upstream keepalive (median of the rounds; target ≥ ${TARGET_VS_NGINX * 100} %: ${vsNginx >= TARGET_VS_NGINX ? 'met' : 'MISSED'})`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(`GET /blob?size=${BLOB}: direct vs ecrin front door vs nginx (${NGINX_WORKERS} worker), ${GENERATOR}, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s — ${machine()}\n`);
  console.log(formatFrontDoor(await runFrontDoor()));
}
