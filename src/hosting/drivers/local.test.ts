import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../platform/logger.ts';
import { LocalDriver } from './local.ts';

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

describe('the local driver', () => {
  it('starts an instance whose first port was taken meanwhile, on another one', async () => {
    const config = loadConfig({ DATA_DIR: dir, SECRET_KEY: 'x'.repeat(32) });
    let calls = 0;
    const driver = new LocalDriver({
      instancesDir: path.join(dir, 'instances'),
      adminTool: config.lucteriosAdmin,
      serveTemplate: config.instanceServeCommand,
      logger: createLogger('silent'),
      childEnv: config.instanceEnv,
      // The port handed out first is already in use by someone else.
      freePort: async () => (calls++ === 0 ? busyPort : freePort()),
    });
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

  it('refuses to start an instance that does not exist, with a clear error', async () => {
    const config = loadConfig({ DATA_DIR: dir, SECRET_KEY: 'x'.repeat(32) });
    const driver = new LocalDriver({ instancesDir: path.join(dir, 'instances'), adminTool: config.lucteriosAdmin, serveTemplate: config.instanceServeCommand, logger: createLogger('silent'), childEnv: config.instanceEnv });
    await assert.rejects(() => driver.start('absente'), /no instance absente/);
  });
});
