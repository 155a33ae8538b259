import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config.ts';
import { localDriver } from '../../container.ts';
import { createLogger } from '../../platform/logger.ts';
import type { DriverEvent } from '../driver.ts';
import { groupMembers, isRunning, processUid } from '../sandbox/proc.ts';
import type { LocalDriver } from './local.ts';
import { HOST_PATH } from '../../../test/support/env.ts';

/**
 * The sandboxed path, for real: as root with bubblewrap (this machine), each instance runs as a uid
 * of its own in a sandbox. What an instance can reach is tried by running programs inside its
 * sandbox, exactly as its server and admin tool run (LocalDriver.runInInstance).
 */
const root = process.getuid?.() === 0;
let dir: string;
let driver: LocalDriver;
const events: DriverEvent[] = [];

async function makeDriver(env: Record<string, string> = {}): Promise<LocalDriver> {
  const config = loadConfig({
    DATA_DIR: dir,
    SECRET_KEY: 'x'.repeat(32),
    PATH: HOST_PATH,
    LUCTERIOS_STANDIN_FAULTS: '1',
    INSTANCE_PROBE_INTERVAL_S: '0.3',
    INSTANCE_PROBE_TIMEOUT_S: '1',
    INSTANCE_PROBE_FAILURES: '3',
    ...env,
  });
  return localDriver(config, createLogger('silent'));
}

const get = async (port: number, p: string) => {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err) };
  }
};

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

/** The server processes of an instance (its sandbox's, running as its uid). */
function serverPids(name: string): number[] {
  const rt = driver.runtime(name);
  if (rt.pid === null) return [];
  return groupMembers(rt.pid).filter((p) => processUid(p) === rt.uid);
}

before(async () => {
  if (!root) return;
  dir = mkdtempSync(path.join(tmpdir(), 'ecrin-sandbox-driver-'));
  writeFileSync(path.join(dir, 'secret.key'), 'the-secret-key-of-ecrin-0123456789abcdef\n', { mode: 0o600 });
  driver = await makeDriver({ INSTANCE_MEMORY_MB: '2048', INSTANCE_CRASH_LOOP_RESTARTS: '3', INSTANCE_CRASH_LOOP_WINDOW_S: '120' });
  driver.onEvent((e) => events.push(e));
  for (const name of ['amis', 'voisins']) await driver.create({ name, flavour: 'diacamma.asso', host: `${name}.localhost` });
});
after(async () => {
  if (!root) return;
  await driver.stopRecorded();
  rmSync(dir, { recursive: true, force: true });
});

describe('a sandboxed instance', { skip: root ? false : 'not root: the sandbox cannot run here' }, () => {
  it('runs as a uid of its own, and its files belong to it alone', async () => {
    assert.equal(driver.isolation().sandboxed, true);
    await driver.start('amis');
    const rt = driver.runtime('amis');
    assert.ok(rt.uid !== null && rt.uid >= 200000, `uid ${rt.uid}`);
    const pids = serverPids('amis');
    assert.ok(pids.length >= 1, 'the server runs as the instance’s uid');
    const folder = statSync(path.join(dir, 'instances', 'amis'));
    assert.equal(folder.uid, rt.uid);
    assert.equal(folder.mode & 0o777, 0o700);
    assert.notEqual(statSync(path.join(dir, 'instances', 'voisins')).uid, rt.uid, 'another instance has another uid');
  });

  it('cannot read ecrin’s environment, its secret key, nor another instance’s folder', async () => {
    // As root, this process's environment is readable: the check below is a real one.
    assert.match(readFileSync(`/proc/${process.pid}/environ`, 'utf8'), /PATH=/);
    const tries: [string, string][] = [
      ['environ', `cat /proc/${process.pid}/environ`],
      ['secret', `cat ${dir}/secret.key`],
      ['other', `ls ${dir}/instances/voisins`],
      ['otherdb', `cat ${dir}/instances/voisins/voisins/db.json`],
      ['system', 'touch /etc/ecrin-was-here'],
      ['pglite', `ls ${dir}/hosting`],
    ];
    for (const [what, cmd] of tries) {
      const r = await driver.runInInstance('amis', 'test', ['/bin/sh', '-c', cmd]).then(
        (ok) => ({ ok: true, out: ok.stdout }),
        (err: { stdout?: string }) => ({ ok: false, out: err.stdout ?? '' }),
      );
      assert.equal(r.ok, false, `${what}: "${cmd}" should be denied, got ${r.out.slice(0, 200)}`);
      assert.doesNotMatch(r.out, /PATH=|the-secret-key|admin/, what);
    }
    // What it may do: write in its own folder, see only its own processes.
    const own = await driver.runInInstance('amis', 'test', ['/bin/sh', '-c', `echo ok > ${dir}/instances/amis/note && cat ${dir}/instances/amis/note && ls /proc | grep -c '^[0-9]'`]);
    const [ok, count] = own.stdout.trim().split('\n');
    assert.equal(ok, 'ok');
    assert.ok(Number(count) < 6, `${count} processes visible: only the sandbox's own`);
    assert.equal(statSync(path.join(dir, 'instances', 'amis', 'note')).uid, driver.runtime('amis').uid);
  });

  it('past its memory limit, it alone is killed and restarted', async () => {
    await driver.start('voisins');
    const other = driver.runtime('voisins').pid!;
    const before = driver.runtime('amis');
    const port = driver.endpoint('amis')!.port;
    const hog = await get(port, '/hog?mb=3000');
    assert.equal(hog.status, 0, `the allocation past 2048 MiB must end the server (got ${hog.status} ${hog.body})`);
    await until('amis restarted and answering', () => driver.runtime('amis').state === 'running' && driver.runtime('amis').pid !== before.pid);
    assert.equal(driver.runtime('amis').restarts, before.restarts + 1);
    assert.equal((await get(driver.endpoint('amis')!.port, '/login')).status, 400, 'answers again (400: the Host is not an allowed one)');
    assert.equal(driver.runtime('voisins').pid, other, 'the other instance was not touched');
    assert.ok(isRunning({ pid: other, startTicks: readStartTicks(other) }));
    assert.equal((await get(driver.endpoint('voisins')!.port, '/')).status, 400);
    assert.match((await driver.logTail('amis', 40)).join('\n'), /the server exited \((exit code 134|signal SIG\w+)\)/);
  });

  it('a server that hangs is restarted after the probes fail, and says so in its log', async () => {
    const before = driver.runtime('amis');
    const port = driver.endpoint('amis')!.port;
    assert.equal((await get(port, '/hang')).status, 200);
    await until('amis restarted after hanging', () => driver.runtime('amis').state === 'running' && driver.runtime('amis').pid !== before.pid);
    assert.ok(events.some((e) => e.name === 'amis' && e.kind === 'restarting' && /no answer to 3 health probes/.test(e.reason)));
    const answered = await get(driver.endpoint('amis')!.port, '/');
    assert.equal(answered.status, 400);
    assert.match((await driver.logTail('amis', 40)).join('\n'), /no answer to the health probe \(3\/3\)/);
  });

  it('a crash loop puts it in "failed" once, until it is started again', async () => {
    const failedBefore = events.filter((e) => e.kind === 'failed').length;
    // Killed again and again (3 restarts in the window are allowed, the 4th death is one too many).
    for (let i = 0; i < 6 && driver.runtime('amis').state !== 'failed'; i++) {
      await until('amis running', () => driver.runtime('amis').state === 'running' || driver.runtime('amis').state === 'failed');
      if (driver.runtime('amis').state === 'failed') break;
      for (const pid of serverPids('amis')) process.kill(pid, 'SIGKILL');
      await until('amis noticed dead', () => driver.runtime('amis').state !== 'running');
    }
    await until('amis failed', () => driver.runtime('amis').state === 'failed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(events.filter((e) => e.kind === 'failed').length, failedBefore + 1, 'one alert, not one per death');
    assert.equal(driver.endpoint('amis'), null);
    assert.equal(serverPids('amis').length, 0);
    await driver.start('amis');
    assert.equal(driver.runtime('amis').state, 'running', 'started again by hand');
  });

  it('outlives the ecrin that started it, and the next one adopts it without restarting it', async () => {
    const pid = driver.runtime('voisins').pid!;
    const port = driver.endpoint('voisins')!.port;
    await driver.release();
    assert.equal((await get(port, '/')).status, 400, 'still serving with no ecrin');
    const next = await makeDriver();
    driver = next;
    assert.deepEqual(await next.adopt(['amis', 'voisins']), ['amis', 'voisins']);
    assert.equal(next.runtime('voisins').pid, pid);
    assert.equal(next.runtime('voisins').adopted, true);
    assert.equal(next.endpoint('voisins')!.port, port);
    const stopped = await next.stopRecorded();
    assert.deepEqual(stopped.sort(), ['amis', 'voisins']);
    await until('voisins gone', () => groupMembers(pid).length === 0);
  });

  it('keeps its log bounded', async () => {
    const small = await makeDriver({ INSTANCE_LOG_KB: '4' });
    driver = small;
    await small.start('voisins');
    const port = small.endpoint('voisins')!.port;
    for (let i = 0; i < 300; i++) await get(port, `/page-${i}`);
    await new Promise((r) => setTimeout(r, 500)); // a probe rotates it
    const log = path.join(dir, 'hosting', 'logs', 'voisins.log');
    assert.ok(statSync(log).size <= 4096 + 8192, `log ${statSync(log).size} bytes`);
    assert.ok(statSync(`${log}.1`).size > 4096, 'the old part is kept once');
    const tail = await small.logTail('voisins', 5);
    assert.equal(tail.length, 5);
  });
});

function readStartTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}
