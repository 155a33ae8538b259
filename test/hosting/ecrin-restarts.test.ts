import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { isRunning } from '../../src/hosting/sandbox/proc.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { TEST_LOG_LEVEL } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { runEcrin, serveEcrin, status } from '../support/ecrin-process.ts';
import { activeInstances } from '../support/instances.ts';

/**
 * Instances outlive ecrin: five instances serve, the `ecrin serve` supervising them is SIGKILLed,
 * they keep answering; the next `ecrin serve` adopts all five without restarting them (same pids);
 * a SIGTERM stops ecrin and no instance; `ecrin instances stop-all` stops them. Real processes all
 * along (the setup in this process, then `node src/main.ts …` children on the same data).
 */
const NAMES = ['survie-1', 'survie-2', 'survie-3', 'survie-4', 'survie-5'];
let dataDir: string;
let database: TestDatabase;
let env: Record<string, string>;
let pids: Map<string, { pid: number; startTicks: number; port: number }>;

const runRecord = (name: string) => JSON.parse(readFileSync(path.join(dataDir, 'hosting', 'run', `${name}.json`), 'utf8')) as { pid: number; startTicks: number; port: number };

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-restarts-'));
  database = await createTestDatabase();
  env = {
    DATA_DIR: dataDir,
    PUBLIC_DOMAIN: 'localhost',
    SECRET_KEY: 'restart-secret-key-restart-secret-key-0123',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  const config = loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: TEST_LOG_LEVEL, PATH: process.env.PATH ?? '/usr/bin:/bin' });
  // The embedded database on file (the children open it after this process closes it), or the server's.
  const container = await createContainer({ config, logger: createLogger(config.logLevel), database: database.url ? { kind: 'postgres', url: database.url } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') }, workers: false });
  const app = await buildApp(container);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    container.urls.setPublicPort((app.server.address() as AddressInfo).port);
    await activeInstances({ app, container }, 'survie', NAMES);
  } finally {
    await app.close();
    await container.close({ leaveInstancesRunning: true });
  }
  pids = new Map(NAMES.map((n) => [n, runRecord(n)]));
});

after(async () => {
  await runEcrin(['instances', 'stop-all'], env);
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function allAnswerThrough(port: number): Promise<number[]> {
  return Promise.all(NAMES.map((n) => status(port, `${n}.localhost:${port}`, '/login')));
}

describe('instances outlive ecrin', () => {
  it('keep serving when ecrin is SIGKILLed, and the next ecrin adopts all of them without a restart', async () => {
    for (const [name, r] of pids) assert.ok(isRunning(r), `${name} runs after the setup's ecrin stopped`);
    const first = await serveEcrin(env);
    try {
      assert.match(first.output(), /Instances: {2}sandboxed|Instances: {2}NOT isolated/);
      assert.match(first.output(), /5 still running from before, adopted/);
      assert.deepEqual(await allAnswerThrough(first.port), [200, 200, 200, 200, 200]);
      first.proc.kill('SIGKILL');
      await first.exited;
      // No ecrin at all: each instance still answers on its own port.
      for (const [name, r] of pids) assert.notEqual(await status(r.port, `${name}.localhost`, '/login'), 0, `${name} answers with ecrin dead`);
      const second = await serveEcrin(env);
      try {
        assert.match(second.output(), /5 still running from before, adopted/);
        assert.deepEqual(await allAnswerThrough(second.port), [200, 200, 200, 200, 200]);
        for (const name of NAMES) assert.deepEqual(runRecord(name), pids.get(name), `${name}: same process, same port`);
        for (const [name, r] of pids) assert.ok(isRunning(r), `${name} was not restarted`);
      } finally {
        second.proc.kill('SIGTERM');
        assert.equal(await second.exited, 0, 'ecrin stops cleanly on SIGTERM');
      }
      for (const [name, r] of pids) assert.ok(isRunning(r), `stopping ecrin on purpose stopped ${name}`);
    } finally {
      first.proc.kill('SIGKILL');
    }
  });

  it('`ecrin instances stop-all` stops them, and refuses while an ecrin supervises them', async () => {
    const serving = await serveEcrin(env);
    try {
      const refused = await runEcrin(['instances', 'stop-all'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /supervises these instances and would start them again: stop it first/);
    } finally {
      serving.proc.kill('SIGTERM');
      await serving.exited;
    }
    const done = await runEcrin(['instances', 'stop-all'], env);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Stopped: .*survie-1/);
    for (const [name, r] of pids) assert.equal(isRunning(r), false, `${name} still runs`);
    for (const [name, r] of pids) assert.equal(await status(r.port, `${name}.localhost`, '/login', 500), 0);
  });
});
