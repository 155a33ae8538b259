import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { ManualClock, type Clock } from '../../src/platform/clock.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { MailTransport } from '../../src/platform/mail/transport.ts';
import type { InstanceDriver } from '../../src/hosting/driver.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** The log level of test servers: silent unless TEST_LOG_LEVEL says otherwise. */
export const TEST_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';

export interface TestApp {
  app: FastifyInstance;
  container: Container;
  config: Config;
  clock: Clock;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  clock?: Clock;
  mailTransport?: MailTransport;
  /** run job workers (mail delivery) in this test */
  workers?: boolean;
  env?: Record<string, string>;
  /** where instances run (default: the local driver with the stand-in, in DATA_DIR/instances) */
  driver?: InstanceDriver;
  app?: AppOptions;
}

/** A whole ecrin (real database, real queue, real services) for one test file. */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    PORT: '3000',
    PUBLIC_DOMAIN: 'localhost',
    DATA_DIR: '/nonexistent-ecrin-test-dir',
    SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
    LOG_LEVEL: TEST_LOG_LEVEL,
    ...opts.env,
  });
  const clock = opts.clock ?? new ManualClock();
  const container = await createContainer({
    config,
    logger: createLogger(config.logLevel),
    clock,
    database: database.target,
    workers: opts.workers ?? false,
    pollingIntervalSeconds: 0.5,
    backstopSeconds: 0.5,
    ...(opts.mailTransport ? { mailTransport: opts.mailTransport } : {}),
    ...(opts.driver ? { driver: opts.driver } : {}),
  });
  const app = await buildApp(container, opts.app);
  await app.ready();
  return {
    app,
    container,
    config,
    clock,
    database,
    async close() {
      await app.close();
      await container.close();
      await database.drop();
    },
  };
}
