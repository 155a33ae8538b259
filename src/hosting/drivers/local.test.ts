import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../platform/logger.ts';
import { groupMembers, processUid } from '../sandbox/proc.ts';
import { Semaphore } from '../semaphore.ts';
import { LocalDriver } from './local.ts';
import { nextRestart } from './restart-policy.ts';

/** The local driver without a sandbox: what runs where ecrin lacks the privilege (as before). */
let dir: string;
let busy: Server;
let busyPort: number;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecrin-driver-'));
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as { port: number }).port;
});
after(async () => {
  await new Promise<void>((r) => busy.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function driverIn(dataDir: string, extra: Partial<ConstructorParameters<typeof LocalDriver>[0]> = {}): LocalDriver {
  const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'x'.repeat(32) });
  return new LocalDriver({ instancesDir: path.join(dataDir, 'instances'), adminTool: config.lucteriosAdmin, serveTemplate: config.instanceServeCommand, logger: createLogger('silent'), childEnv: config.instanceEnv, ...extra });
}

describe('the local driver, not sandboxed', () => {
  it('starts an instance whose first port was taken meanwhile, on another one', async () => {
    let calls = 0;
    // The port handed out first is already in use by someone else.
    const driver = driverIn(dir, { freePort: async () => (calls++ === 0 ? busyPort : freePort()) });
    try {
      await driver.create({ name: 'port-pris', flavour: 'diacamma.asso', host: 'port-pris.localhost' });
      const ep = await driver.start('port-pris');
      assert.notEqual(ep.port, busyPort);
      assert.equal(await driver.health('port-pris'), true);
      assert.ok(calls >= 2);
    } finally {
      await driver.stopAll();
    }
  });

  it('runs the server as ecrin’s own user, and says it is not isolated', async () => {
    const driver = driverIn(dir);
    try {
      await driver.start('port-pris');
      const pid = driver.runtime('port-pris').pid!;
      assert.deepEqual(groupMembers(pid).map(processUid), [process.getuid?.()]);
      assert.equal(driver.runtime('port-pris').uid, null);
      const iso = driver.isolation();
      assert.equal(iso.sandboxed, false);
      assert.ok(iso.reason);
    } finally {
      await driver.stopAll();
    }
  });

  it('refuses to start an instance that does not exist, with a clear error', async () => {
    await assert.rejects(() => driverIn(dir).start('absente'), /no instance absente/);
  });

  it('moves instances of the old shared layout into folders of their own, data intact', async () => {
    const old = mkdtempSync(path.join(tmpdir(), 'ecrin-layout-'));
    try {
      const first = driverIn(old);
      await first.create({ name: 'vieux-club', flavour: 'diacamma.asso', host: 'vieux-club.localhost' });
      // Put it back as it used to be: manage_X.py and X/ straight in instances/.
      const shared = path.join(old, 'instances');
      const db = readFileSync(path.join(shared, 'vieux-club', 'vieux_club', 'db.json'), 'utf8');
      const tmpRoot = path.join(old, 'moved-away');
      mkdirSync(tmpRoot);
      renameSync(path.join(shared, 'vieux-club'), path.join(tmpRoot, 'vieux-club'));
      renameSync(path.join(tmpRoot, 'vieux-club', 'manage_vieux_club.py'), path.join(shared, 'manage_vieux_club.py'));
      renameSync(path.join(tmpRoot, 'vieux-club', 'vieux_club'), path.join(shared, 'vieux_club'));
      const next = driverIn(old);
      assert.equal(await next.exists('vieux-club'), true);
      assert.equal(existsSync(path.join(shared, 'manage_vieux_club.py')), false);
      assert.equal(readFileSync(path.join(shared, 'vieux-club', 'vieux_club', 'db.json'), 'utf8'), db);
      await next.start('vieux-club');
      assert.equal(await next.health('vieux-club'), true);
      await next.stopAll();
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});

describe('the start bound', () => {
  it('lets at most N run at once, in order', async () => {
    const slots = new Semaphore(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        slots.run(async () => {
          running++;
          most = Math.max(most, running);
          order.push(n);
          await new Promise((r) => setTimeout(r, 20));
          running--;
        }),
      ),
    );
    assert.equal(most, 2);
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
  });
});

describe('the restart policy', () => {
  it('restarts at once, then backs off, and gives up after too many restarts in the window', () => {
    const policy = { restarts: 4, windowMs: 60_000 };
    let recent: number[] = [];
    const delays: (number | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const next = nextRestart(recent, 1000 + i, policy);
      recent = next.recent;
      delays.push(next.delayMs);
    }
    assert.deepEqual(delays, [100, 1000, 2000, 4000, null]);
    assert.equal(nextRestart(recent, 1000 + 120_000, policy).delayMs, 100, 'a quiet window starts afresh');
    assert.equal(nextRestart(Array.from({ length: 9 }, (_, i) => i), 10, { restarts: 100, windowMs: 60_000 }).delayMs, 30_000, 'at most 30 s');
  });
});
