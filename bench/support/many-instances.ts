/**
 * Setup of bench/instances-restart.ts, in a process of its own: BENCH_INSTANCES active instances
 * (one customer, Opale orders made through the portal with app.inject, paid, provisioned four at a
 * time) in DATA_DIR (file-backed PGlite) or DATABASE_URL. It exits leaving them running, as an
 * `ecrin serve` stopped with SIGTERM does; prints one JSON line {"names":[…]}.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { activeInstances } from '../../test/support/instances.ts';

const count = Number(process.env.BENCH_INSTANCES ?? 50);
if (!process.env.DATA_DIR) {
  process.stderr.write('DATA_DIR is required\n');
  process.exit(2);
}
const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', PUBLIC_DOMAIN: 'localhost', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
const container = await createContainer({ config, logger: createLogger(config.logLevel), workers: false });
const app = await buildApp(container);
const names = Array.from({ length: count }, (_, i) => `banc-${String(i + 1).padStart(2, '0')}`);
try {
  await app.listen({ port: 0, host: '127.0.0.1' });
  container.urls.setPublicPort((app.server.address() as AddressInfo).port);
  await activeInstances({ app, container }, 'banc-redemarrage', names);
} finally {
  await app.close();
  await container.close({ leaveInstancesRunning: true });
}
process.stdout.write(JSON.stringify({ names }) + '\n');
process.exit(0);
