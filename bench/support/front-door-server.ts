/**
 * An ecrin with one active instance, in processes of its own (so that the load generator never
 * shares its event loop), for bench/front-door.ts. Two phases, on the same DATA_DIR (file-backed
 * PGlite) or DATABASE_URL:
 *
 *   setup   the whole application built in-process (createContainer + buildApp, as
 *           test/support/server.ts does): a customer's Opale order made through the portal
 *           (app.inject), paid, provisioned; then everything is closed and the process exits.
 *   serve   (default) what `ecrin serve` does — createContainer with its job workers, buildApp,
 *           listen, startLive (the instance comes back) — then one JSON line on stdout:
 *             {"ready":true,"port":…,"name":…,"host":…,"standinPort":…,"plan":{…}}
 *           (`standinPort` read from `container.driver.endpoint(name)`). The instance is on
 *           Opale, so the front door applies its limits (32 Mbps, 3 sessions). On SIGUSR2 the
 *           Opale plan's bandwidth is set to unlimited (as the operator would in the back office:
 *           settings.updatePlan, then the front door's limits refreshed), and `{"uncapped":true}`
 *           is printed. It serves until SIGTERM.
 *
 * Why two processes: app.inject's fake requests and responses (light-my-request) go through
 * node:http's classes with other shapes, and V8 keeps what it learnt from them: a server that
 * served them proxies ~15–20 % slower afterwards than one that never did. A real ecrin never
 * serves them, so the measured server does not either.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { customerAgent, paidOrder } from '../../test/support/paid-order.ts';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';

const NAME = process.env.BENCH_INSTANCE ?? 'banc-porte';
const phase = process.argv[2] === 'setup' ? 'setup' : 'serve';

if (!process.env.DATA_DIR) {
  process.stderr.write('DATA_DIR is required (the benchmark gives one and removes it)\n');
  process.exit(2);
}
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  PUBLIC_DOMAIN: 'localhost',
  DATA_DIR: process.env.DATA_DIR,
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  PATH: process.env.PATH,
  HOME: process.env.HOME,
});
const logger = createLogger(config.logLevel);

async function setup(): Promise<void> {
  const container = await createContainer({ config, logger, workers: false });
  const app = await buildApp(container);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    container.urls.setPublicPort((app.server.address() as AddressInfo).port);
    const t = { app, container };
    const agent = await customerAgent(t, 'banc-porte');
    const { orderId } = await paidOrder(t, agent, NAME);
    await provisionInstance(container.deps, orderId);
    if (!container.driver.endpoint(NAME)) throw new Error(`no endpoint for ${NAME} after provisioning`);
  } finally {
    await app.close();
    await container.close();
  }
  process.stdout.write(JSON.stringify({ setup: true }) + '\n');
}

async function serve(): Promise<void> {
  const container = await createContainer({ config, logger });
  const app = await buildApp(container);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      await app.close();
      await container.close();
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  container.urls.setPublicPort(port);
  await container.services.instances.startLive();
  const ep = container.driver.endpoint(NAME);
  if (!ep) throw new Error(`${NAME} did not come back (run the setup phase first)`);
  const plan = (await container.services.settings.plan('opale'))!;
  process.on('SIGUSR2', () => {
    void (async () => {
      await container.services.settings.updatePlan('opale', { name: plan.name, priceCents: plan.priceCents, bandwidthMbps: null, slaPercent: plan.slaPercent, maxSessions: plan.maxSessions, storageBytes: plan.storageBytes });
      await container.services.instances.refreshLimits();
      process.stdout.write(JSON.stringify({ uncapped: true, limits: container.services.instances.route(NAME)?.limits }) + '\n');
    })();
  });
  process.stdout.write(JSON.stringify({ ready: true, port, name: NAME, host: `${NAME}.localhost`, standinPort: ep.port, plan: { bandwidthMbps: plan.bandwidthMbps, maxSessions: plan.maxSessions } }) + '\n');
}

try {
  await (phase === 'setup' ? setup() : serve());
  if (phase === 'setup') process.exit(0);
} catch (err) {
  process.stderr.write(`front-door server (${phase}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
