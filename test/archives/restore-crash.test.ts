import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { TEST_LOG_LEVEL } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ROOT, runEcrin } from '../support/ecrin-process.ts';
import { InstanceClient } from '../support/instance-client.ts';
import { activeInstances } from '../support/instances.ts';
import { DEFAULT_ADMIN_PASSWORD } from '../support/paid-order.ts';

/**
 * The worker SIGKILLed during "Restaurer", 20 times, at points spread over the whole restore (the
 * safety archive, maintenance, the admin tool's restore, the password, the server's start, the
 * health check): right after the kill the instance's data is either what it was or the archive's,
 * never a mix; the retry (the job handed out again once expired) finishes the restore — the
 * archive's data, the password given, online — and no temporary file is left. Each run restores
 * the other of two archives, so every run changes the data.
 */
const NAME = 'reprise-asso';
const RUNS = 20;
let dataDir: string;
let database: TestDatabase;
let env: Record<string, string>;
const archiveIds: number[] = [];
const MEMBERS = ['Alpha', 'Beta'];

const dbFile = () => path.join(dataDir, 'instances', NAME, 'reprise_asso', 'db.json');
const membersOnDisk = (): string[] => (JSON.parse(readFileSync(dbFile(), 'utf8')) as { members: { last_name: string }[] }).members.map((m) => m.last_name).sort();
const instancePort = (): number => (JSON.parse(readFileSync(path.join(dataDir, 'hosting', 'run', `${NAME}.json`), 'utf8')) as { port: number }).port;

async function signIn(password: string): Promise<boolean> {
  return new InstanceClient(instancePort(), `${NAME}.localhost`).signIn('admin', password);
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-restore-crash-'));
  database = await createTestDatabase();
  env = { DATA_DIR: dataDir, PUBLIC_DOMAIN: 'localhost', SECRET_KEY: 'restore-crash-key-restore-crash-key-012345', ...(database.url ? { DATABASE_URL: database.url } : {}) };
  const config = loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: TEST_LOG_LEVEL, PATH: process.env.PATH ?? '/usr/bin:/bin' });
  const container = await createContainer({ config, logger: createLogger(config.logLevel), database: database.url ? { kind: 'postgres', url: database.url } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') }, workers: false });
  const app = await buildApp(container);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    container.urls.setPublicPort((app.server.address() as AddressInfo).port);
    await activeInstances({ app, container }, 'reprise', [NAME], { plan: 'emeraude' });
    const instance = (await container.services.instances.findByName(NAME))!;
    const c = new InstanceClient(instancePort(), `${NAME}.localhost`);
    assert.ok(await c.signIn('admin', DEFAULT_ADMIN_PASSWORD));
    // Two archives: one with the member Alpha, one with Beta; the instance holds Beta.
    for (const last of MEMBERS) {
      await c.request('GET', '/members');
      for (const m of (JSON.parse(readFileSync(dbFile(), 'utf8')) as { members: { id: number }[] }).members) {
        assert.equal((await c.request('POST', `/members/${m.id}/delete`, { csrfmiddlewaretoken: c.cookies.get('csrftoken') ?? '' })).status, 303);
      }
      assert.equal((await c.request('POST', '/members', { csrfmiddlewaretoken: c.cookies.get('csrftoken') ?? '', first_name: 'Membre', last_name: last, email: '' })).status, 303);
      assert.deepEqual(membersOnDisk(), [last]);
      archiveIds.push((await container.services.archives.createArchive(instance, `avec ${last}`, 'created', null)).id);
    }
  } finally {
    await app.close();
    await container.close({ leaveInstancesRunning: true });
  }
});

after(async () => {
  await runEcrin(['instances', 'stop-all'], env);
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function child(args: string[]): { lines: string[]; line: (prefix: string) => Promise<string>; kill: () => void; exited: Promise<number | string> } {
  const proc = spawn(path.join(ROOT, 'node_modules', '.bin', 'node'), [path.join(import.meta.dirname, 'restore-crash-child.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ECRIN_CHILD_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: { prefix: string; resolve: (l: string) => void }[] = [];
  let buf = '';
  proc.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      for (const w of waiting.filter((w) => l.startsWith(w.prefix))) w.resolve(l);
    }
  });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    lines,
    line: (prefix) => {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen) return Promise.resolve(seen);
      return Promise.race([new Promise<string>((resolve) => waiting.push({ prefix, resolve })), exited.then((e) => Promise.reject(new Error(`child exited (${e}) before "${prefix}": ${lines.join(' | ')}`)))]);
    },
    kill: () => proc.kill('SIGKILL'),
    exited,
  };
}

describe('the worker killed during a restore', () => {
  it('leaves the old data or the archive’s, and the retry finishes the restore', { timeout: 900_000 }, async () => {
    // A whole restore first, unkilled: how long it takes, to spread the kills over it.
    let current = 1;
    const t0 = child(['start', NAME, String(archiveIds[0]), 'premier-mot-2026']);
    await t0.line('action ');
    const started = Date.now();
    await t0.line('done');
    const duration = Date.now() - started;
    await t0.exited;
    current = 0;
    assert.deepEqual(membersOnDisk(), [MEMBERS[0]]);
    assert.ok(await signIn('premier-mot-2026'));

    const seen = { before: 0, restored: 0 };
    let previousPassword = 'premier-mot-2026';
    for (let run = 0; run < RUNS; run++) {
      const target = 1 - current;
      const password = `reprise-${run}-mot-2026`;
      const c = child(['start', NAME, String(archiveIds[target]), password]);
      const actionId = Number((await c.line('action ')).slice(7));
      // From the start of the action to a little past its usual end, evenly, with some jitter.
      const delay = Math.round((duration * 1.1 * (run + Math.random())) / RUNS);
      await new Promise((r) => setTimeout(r, delay));
      c.kill();
      await c.exited;

      const onDisk = membersOnDisk();
      assert.ok(onDisk.length === 1 && (onDisk[0] === MEMBERS[current] || onDisk[0] === MEMBERS[target]), `run ${run} (killed after ${delay} ms): the data is a mix: ${onDisk.join(', ')}`);
      seen[onDisk[0] === MEMBERS[current] ? 'before' : 'restored'] += 1;

      const r = child(['recover', String(actionId)]);
      await r.exited;
      const end = JSON.parse(r.lines.at(-1) ?? '{}') as { state?: string; error?: string | null; instance?: string };
      assert.equal(end.state, 'done', `run ${run} (killed after ${delay} ms): the retry did not finish: ${JSON.stringify(end)}`);
      assert.equal(end.instance, 'active');
      assert.deepEqual(membersOnDisk(), [MEMBERS[target]], `run ${run}: the archive's data`);
      assert.ok(await signIn(password), `run ${run}: the password given works`);
      assert.equal(await signIn(previousPassword), false, `run ${run}: the old password does not`);
      assert.deepEqual(readdirSync(path.join(dataDir, 'archives')).filter((f) => f.startsWith('.tmp-')), [], `run ${run}: no temporary archive file left`);
      previousPassword = password;
      current = target;
    }
    console.log(`# restore killed ${RUNS} times over ${duration} ms: data as before ${seen.before}, already restored ${seen.restored}`);
    assert.ok(seen.before > 0, 'some kills came before the data changed (the test is not vacuous)');
  });
});
