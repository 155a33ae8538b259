/**
 * Where does the time of GET /compte go? Not part of bench/all.ts (it is a diagnosis, not a figure).
 *
 * 1. A ladder of requests on the same server, same connections, each a few seconds:
 *      /healthz without cookie   → Fastify + our plugins and hooks, no page, no database
 *      /  (public home), no cookie → + page context (CSRF token) and HTML rendering, no database
 *      /healthz with the session → + the session lookup (one database query)
 *      /compte with the session  → the whole page (session + account queries + rendering)
 * 2. A V8 CPU profile of the server (--cpu-prof) under the /compte load, self time grouped by
 *    where the code lives (PGlite/WASM, pg driver, Kysely, Fastify and plugins, ecrin, GC, ...).
 *
 *   Run: node_modules/.bin/node bench/profile-account.ts          (BENCH_BACKENDS, BENCH_STEP=5)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createOperator, request, signIn } from './support/session.ts';
import { BACKENDS, isMain, load, machine, prepareBackend, ROOT, startEcrin, table, tempDir, type Backend } from './support/lib.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const STEP_S = Number(process.env.BENCH_STEP ?? 5);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function category(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.startsWith('wasm://') || url.includes('@electric-sql/pglite')) return 'PGlite (WASM + glue)';
  if (url.includes('node_modules/pg-protocol') || url.includes('node_modules/pg/') || url.includes('node_modules/pg-pool')) return 'pg driver';
  if (url.includes('node_modules/kysely')) return 'Kysely';
  if (url.includes('node_modules/@fastify/csrf') || url.includes('node_modules/@fastify/csrf-protection')) return '@fastify/csrf';
  if (url.includes('node_modules/@fastify/helmet') || url.includes('node_modules/helmet')) return 'helmet';
  if (url.includes('node_modules/@fastify/cookie') || url.includes('node_modules/cookie')) return 'cookies';
  if (url.includes('node_modules/fastify') || url.includes('node_modules/find-my-way') || url.includes('node_modules/avvio') || url.includes('node_modules/light-my-request') || url.includes('node_modules/@fastify/')) return 'Fastify core + plugins';
  if (url.includes('node_modules/pg-boss')) return 'pg-boss';
  if (url.includes('node_modules/')) return `other: ${url.split('node_modules/').pop()!.split('/').slice(0, url.includes('node_modules/@') ? 2 : 1).join('/')}`;
  if (url.includes('/src/web/')) return 'ecrin src/web (layout, html, i18n)';
  if (url.includes('/src/modules/') && url.includes('.views.')) return 'ecrin views';
  if (url.includes('/src/')) return 'ecrin other src';
  if (url.startsWith('node:') || url === '') return functionName ? 'Node core / native' : 'V8/native (program)';
  return 'other';
}

/** Node's socket writes and file calls: who called them? */
const NATIVE_OF_INTEREST = new Set(['writev', 'writeUtf8String', 'writeBuffer', 'fstat']);

function summarise(profile: CpuProfile): { byCategory: [string, number][]; topFunctions: [string, number][]; callers: Map<string, [string, number][]>; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** the nearest caller that is library or application code (not Node internals) */
  const libraryCaller = (id: number): string => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const f = byId.get(p)!.callFrame;
      if (f.url.includes('node_modules/') || f.url.includes('/src/')) {
        const lib = f.url.includes('node_modules/') ? f.url.split('node_modules/').pop()! : f.url.slice(f.url.indexOf('/src/') + 1);
        return `${f.functionName || '(anonymous)'} (${lib})`;
      }
    }
    return '(no library caller)';
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  const callerTimes = new Map<string, Map<string, number>>();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    total += us;
    const c = category(node.callFrame);
    cats.set(c, (cats.get(c) ?? 0) + us);
    const where = node.callFrame.url ? path.basename(node.callFrame.url.replace(/^file:\/\//, '')) : '';
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    if (NATIVE_OF_INTEREST.has(node.callFrame.functionName)) {
      const m = callerTimes.get(node.callFrame.functionName) ?? new Map<string, number>();
      const c = libraryCaller(id);
      m.set(c, (m.get(c) ?? 0) + us);
      callerTimes.set(node.callFrame.functionName, m);
    }
  }
  const sort = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000] as [string, number]);
  const callers = new Map([...callerTimes].map(([k, m]) => [k, sort(m).slice(0, 3)]));
  return { byCategory: sort(cats), topFunctions: sort(fns).slice(0, 20), callers, totalMs: total / 1000 };
}

export async function profileAccount(backend: Backend): Promise<string> {
  const prepared = await prepareBackend(backend);
  const profDir = tempDir('ecrin-prof-');
  const out: string[] = [`## ${backend}`];
  try {
    const linkPath = await createOperator(prepared.env);
    let signedIn: Record<string, string>;
    // 1. the ladder, on a server without the profiler
    {
      const { child } = await startEcrin(prepared.env);
      try {
        const host = `portail.localhost:${child.port}`;
        const jar = await signIn(child.port, linkPath);
        signedIn = { host, cookie: jar.header() };
        const check = await request(child.port, 'GET', '/compte', signedIn);
        if (check.status !== 200 || !check.body.includes('Votre compte')) throw new Error(`GET /compte → ${check.status}`);
        const base = `http://127.0.0.1:${child.port}`;
        const ladder: [string, string, Record<string, string>][] = [
          ['GET /healthz, no cookie', '/healthz', { host }],
          ['GET / (public page), no cookie', '/', { host }],
          ['GET /healthz, signed in (session query)', '/healthz', signedIn],
          ['GET /compte, signed in (whole page)', '/compte', signedIn],
        ];
        const rows: (string | number)[][] = [];
        for (const [label, p, headers] of ladder) {
          await load({ url: base + p, headers, connections: CONNECTIONS, duration: 1 });
          const r = await load({ url: base + p, headers, connections: CONNECTIONS, duration: STEP_S }, child.pid);
          rows.push([label, Math.round(r.rps), Math.round(r.serverCpuUsPerRequest ?? 0), `${Math.round(r.serverCpuPercent ?? 0)} %`, `${r.latencyP50} / ${r.latencyP99}`, r.non2xx]);
        }
        out.push('', `Ladder (${CONNECTIONS} connections, ${STEP_S} s each; server CPU = user+system time of the ecrin process):`, '');
        out.push(table(['request', 'req/s', 'server CPU µs/req', 'server CPU', 'latency p50 / p99 ms', 'non-2xx'], rows));
      } finally {
        await child.stop();
      }
    }
    // 2. a second server on the same data, under the profiler, /compte only (the session stays valid)
    {
      const { child } = await startEcrin(prepared.env, ['--cpu-prof', `--cpu-prof-dir=${profDir.dir}`]);
      try {
        const headers = { ...signedIn, host: `portail.localhost:${child.port}` };
        const check = await request(child.port, 'GET', '/compte', headers);
        if (check.status !== 200) throw new Error(`GET /compte (profiled) → ${check.status}`);
        await load({ url: `http://127.0.0.1:${child.port}/compte`, headers, connections: CONNECTIONS, duration: 8 });
      } finally {
        await child.stop();
      }
    }
    const file = readdirSync(profDir.dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      out.push('', '(no CPU profile written)');
      return out.join('\n');
    }
    const { byCategory, topFunctions, callers, totalMs } = summarise(JSON.parse(readFileSync(path.join(profDir.dir, file), 'utf8')) as CpuProfile);
    const busy = byCategory.filter(([k]) => k !== 'idle').reduce((s, [, v]) => s + v, 0);
    out.push('', `CPU profile of a second server process (start-up + 8 s of GET /compte only; ${(totalMs / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy); self time by category, % of busy time:`, '');
    out.push(table(['category', 'self ms', '% busy'], byCategory.filter(([k]) => k !== 'idle').map(([k, v]) => [k, Math.round(v), `${((v / busy) * 100).toFixed(1)} %`])));
    out.push('', 'Top functions by self time:', '');
    out.push(table(['function', 'self ms', '% busy'], topFunctions.filter(([k]) => !k.startsWith('(idle)')).slice(0, 15).map(([k, v]) => [k.replace(ROOT, ''), Math.round(v), `${((v / busy) * 100).toFixed(1)} %`])));
    out.push('', 'Socket writes and file calls, by nearest library caller:', '');
    const callerRows: (string | number)[][] = [];
    for (const [fn, list] of callers) for (const [caller, ms] of list) callerRows.push([fn, caller, Math.round(ms)]);
    out.push(table(['native', 'called from', 'self ms'], callerRows));
    return out.join('\n');
  } finally {
    profDir.remove();
    await prepared.release();
  }
}

if (isMain(import.meta.url)) {
  console.log(`Profile of GET /compte — ${machine()}\n`);
  for (const backend of BACKENDS) console.log((await profileAccount(backend)) + '\n');
}
