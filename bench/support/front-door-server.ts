/**
 * An ecrin with one active instance, in a process of its own (so that the load generator never
 * shares its event loop), for bench/front-door.ts: the whole application built in-process
 * (createContainer + buildApp, as test/support/server.ts does, on in-memory PGlite, no job workers),
 * a customer's paid Opale order provisioned directly, then one JSON line on stdout:
 *   {"ready":true,"port":…,"name":…,"host":…,"standinPort":…,"plan":{…}}
 * (`standinPort` read from `container.driver.endpoint(name)`). The instance is on Opale, so the
 * front door applies its limits (32 Mbps, 3 sessions). On SIGUSR2 the Opale plan's bandwidth is set
 * to unlimited (as the operator would in the back office: settings.updatePlan, then the front door's
 * limits refreshed), and `{"uncapped":true}` is printed. It serves until SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { customerAgent, paidOrder } from '../../test/support/paid-order.ts';

const NAME = process.env.BENCH_INSTANCE ?? 'banc-porte';

// DATA_DIR from the benchmark (which removes it, even when interrupted), else a folder of our own
const ownDir = !process.env.DATA_DIR;
const dataDir = process.env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'ecrin-bench-front-door-'));
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  PUBLIC_DOMAIN: 'localhost',
  DATA_DIR: dataDir,
  SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
});
const container = await createContainer({ config, logger: createLogger(config.logLevel), database: { kind: 'pglite', dataDir: null }, workers: false });
const app = await buildApp(container);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    try {
      await app.close();
      await container.close();
    } finally {
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }
  process.exit(code);
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  container.urls.setPublicPort(port);
  const t = { app, container };
  const agent = await customerAgent(t, 'banc-porte');
  const { orderId } = await paidOrder(t, agent, NAME);
  await container.services.instances.provision(orderId);
  const ep = container.driver.endpoint(NAME);
  if (!ep) throw new Error(`no endpoint for ${NAME} after provisioning`);
  const plan = (await container.services.settings.plan('opale'))!;
  process.on('SIGUSR2', () => {
    void (async () => {
      await container.services.settings.updatePlan('opale', { name: plan.name, priceCents: plan.priceCents, bandwidthMbps: null, slaPercent: plan.slaPercent, maxSessions: plan.maxSessions, storageBytes: plan.storageBytes });
      await container.services.instances.refreshLimits();
      process.stdout.write(JSON.stringify({ uncapped: true, limits: container.services.instances.route(NAME)?.limits }) + '\n');
    })();
  });
  process.stdout.write(JSON.stringify({ ready: true, port, name: NAME, host: `${NAME}.localhost`, standinPort: ep.port, plan: { bandwidthMbps: plan.bandwidthMbps, maxSessions: plan.maxSessions } }) + '\n');
} catch (err) {
  process.stderr.write(`front-door server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await stop(1);
}
