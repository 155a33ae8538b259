import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContainer, type Container } from '../../src/container.ts';
import type { PaypalConfig } from '../../src/modules/payments/paypal/paypal.client.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { InstanceDriver } from '../../src/hosting/driver.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { createTestDatabase } from './database.ts';

export interface RunningServer {
  /** the portal, e.g. http://portail.localhost:41234 (Chromium resolves *.localhost to loopback) */
  baseUrl: string;
  port: number;
  app: FastifyInstance;
  container: Container;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** where the application sends its mail, e.g. a test SMTP sink's url */
  smtpUrl?: string;
  /** PayPal settings, e.g. a fake PayPal's `fake.config()`: turned into the PAYPAL_* variables */
  paypal?: PaypalConfig;
  /** further environment variables (they win over the ones above) */
  env?: Record<string, string>;
  /** where instances run (default: the local driver with the stand-in) */
  driver?: InstanceDriver;
  /** the application's time (default: the system's), e.g. an `OffsetClock` a journey moves */
  clock?: Clock;
}

/**
 * A clock that runs like the system's, shifted by an offset a journey moves (to a day of the hosting
 * year): time keeps passing, so whatever waits a few seconds still sees them pass.
 */
export class OffsetClock implements Clock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  /** From now on, the clock reads `at` (and runs on from there). */
  set(at: Date | string): void {
    this.#offsetMs = new Date(at).getTime() - Date.now();
  }
}

/** The PAYPAL_* environment variables for a PayPal configuration (e.g. the fake's). */
export function paypalEnv(paypal: PaypalConfig): Record<string, string> {
  return {
    PAYPAL_BASE_URL: paypal.baseUrl,
    PAYPAL_CLIENT_ID: paypal.clientId,
    PAYPAL_CLIENT_SECRET: paypal.clientSecret,
    PAYPAL_WEBHOOK_ID: paypal.webhookId,
    PAYPAL_CERT_HOSTS: paypal.certHosts.join(','),
  };
}

/**
 * A real ecrin listening on a loopback port, with its job workers running (mail goes out through
 * pg-boss and nodemailer), on a database of its own: what a browser journey talks to.
 */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ecrin-e2e-'));
  const database = await createTestDatabase();
  let container: Container | undefined;
  let app: FastifyInstance | undefined;
  try {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_DOMAIN: 'localhost',
      DATA_DIR: dataDir,
      SECRET_KEY: 'e2e-secret-key-e2e-secret-key-0123456789',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...(opts.smtpUrl ? { SMTP_URL: opts.smtpUrl } : {}),
      ...(opts.paypal ? paypalEnv(opts.paypal) : {}),
      ...opts.env,
    });
    container = await createContainer({
      config,
      logger: createLogger(config.logLevel),
      database: database.target,
      workers: true,
      pollingIntervalSeconds: 0.5,
      backstopSeconds: 0.5,
      ...(opts.driver ? { driver: opts.driver } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    app = await buildApp(container);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    container.urls.setPublicPort(port);
    const baseUrl = container.urls.portal();
    const c = container;
    const a = app;
    return {
      baseUrl,
      port,
      app: a,
      container: c,
      async close() {
        try {
          await a.close();
          await c.close();
        } finally {
          await database.drop();
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await app?.close().catch(() => {});
    await container?.close().catch(() => {});
    await database.drop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
