import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../app.ts';
import { loadConfig, type Config } from '../../config.ts';
import { createContainer } from '../../container.ts';
import { lucteriosName } from '../../hosting/apps/diacamma.ts';
import type { DriverEvent, Endpoint, InstanceDriver, InstanceSpec } from '../../hosting/driver.ts';
import { LocalDriver } from '../../hosting/drivers/local.ts';
import { ManualClock, MINUTE } from '../../platform/clock.ts';
import { createLogger, type Logger } from '../../platform/logger.ts';
import { TEST_LOG_LEVEL, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { createTestDatabase, testBackend, type TestDatabase } from '../../../test/support/database.ts';
import { InstanceClient } from '../../../test/support/instance-client.ts';
import { MAX_ATTEMPTS } from './instances.jobs.ts';
import { provisionInstance } from './use-cases/provision-instance.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';

/**
 * What happens when things go wrong while an instance is made: the admin tool failing at each step,
 * ecrin stopped in the middle, two provisionings of the same order at once.
 *
 * test/support/app.ts's createTestApp does not forward a `driver` to createContainer, so this file
 * builds its ecrin the same way, with a driver of its own.
 */

/** A driver the test can switch (failing → healthy, as an operator fixes a cause) and hold in start(). */
class TestDriver implements InstanceDriver {
  current: InstanceDriver;
  readonly #all: InstanceDriver[] = [];
  /** while set, start() waits for it: ecrin "stopped" in the middle of a provisioning */
  gate: Promise<void> | null = null;
  /** called when start() is entered */
  onStart: (() => void) | null = null;

  constructor(initial: InstanceDriver) {
    this.current = initial;
    this.#all.push(initial);
  }

  use(driver: InstanceDriver): void {
    this.current = driver;
    this.#all.push(driver);
  }

  create(spec: InstanceSpec) {
    return this.current.create(spec);
  }
  exists(name: string) {
    return this.current.exists(name);
  }
  setSecurity(name: string, s: { mode: 0 | 1 | 2; password?: string }) {
    return this.current.setSecurity(name, s);
  }
  async start(name: string): Promise<Endpoint> {
    this.onStart?.();
    if (this.gate) await this.gate;
    return this.current.start(name);
  }
  stop(name: string) {
    return this.current.stop(name);
  }
  archive(name: string, file: string) {
    return this.current.archive(name, file);
  }
  restore(name: string, file: string) {
    return this.current.restore(name, file);
  }
  destroy(name: string) {
    return this.current.destroy(name);
  }
  usage(name: string) {
    return this.current.usage(name);
  }
  health(name: string) {
    return this.current.health(name);
  }
  endpoint(name: string) {
    return this.current.endpoint(name);
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.#all.map((d) => d.stopAll()));
  }
  adopt(names: string[]) {
    return this.current.adopt(names);
  }
  startMany(names: string[]) {
    return this.current.startMany(names);
  }
  runtime(name: string) {
    return this.current.runtime(name);
  }
  logTail(name: string, lines: number) {
    return this.current.logTail(name, lines);
  }
  onEvent(listener: (e: DriverEvent) => void) {
    this.current.onEvent(listener);
  }
  isolation() {
    return this.current.isolation();
  }
  async release(): Promise<void> {
    await Promise.all(this.#all.map((d) => d.release()));
  }
  stopRecorded() {
    return this.current.stopRecorded();
  }
}

/** The default local driver of a config, with the stand-in failing at the given verbs. */
function localDriver(config: Config, logger: Logger, fail?: string, startTimeoutMs?: number): LocalDriver {
  return new LocalDriver({
    instancesDir: `${config.dataDir}/instances`,
    adminTool: config.lucteriosAdmin,
    serveTemplate: config.instanceServeCommand,
    logger,
    childEnv: fail ? { ...config.instanceEnv, LUCTERIOS_STANDIN_FAIL: fail } : config.instanceEnv,
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
  });
}

interface Ecrin extends TestApp {
  clock: ManualClock;
  port: number;
  /** closes this ecrin, leaving its database as it is */
  stop(): Promise<void>;
  driver: TestDriver;
  logger: Logger;
}

/**
 * An ecrin listening on a free port, as test/support/app.ts makes one, with a TestDriver. With
 * `shared`, it opens an existing database (a second ecrin on the same data) and does not drop it.
 */
async function startEcrin(dataDir: string, driver: (config: Config, logger: Logger) => InstanceDriver, shared?: TestDatabase): Promise<Ecrin> {
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig({
    PORT: '3000',
    PUBLIC_DOMAIN: 'localhost',
    DATA_DIR: dataDir,
    SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
    LOG_LEVEL: TEST_LOG_LEVEL,
  });
  const logger = createLogger(config.logLevel);
  const clock = new ManualClock();
  const testDriver = new TestDriver(driver(config, logger));
  try {
    const target = shared ? { kind: 'postgres' as const, url: shared.url!, poolSize: 5 } : database.target;
    const container = await createContainer({ config, logger, clock, database: target, workers: false, pollingIntervalSeconds: 0.5, backstopSeconds: 0.5, driver: testDriver });
    const app = await buildApp(container);
    await app.ready();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    container.urls.setPublicPort(port);
    const stop = async () => {
      await app.close();
      await container.close();
    };
    return {
      app,
      container,
      config,
      clock,
      database,
      port,
      driver: testDriver,
      logger,
      stop,
      async close() {
        await stop();
        if (!shared) await database.drop();
      },
    };
  } catch (err) {
    if (!shared) await database.drop();
    throw err;
  }
}

/** How many instance servers run for an instance, whoever started them (read from /proc). */
function serversOf(name: string): number {
  const marker = `DJANGO_SETTINGS_MODULE=${lucteriosName(name)}.settings`;
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) n++;
    } catch {
      // gone, or not ours
    }
  }
  return n;
}

/** A customer's order paid by transfer, recorded by the operator (its provisioning job is queued, not run). */
async function paidOrder(t: TestApp, operatorId: number, alias: string, name: string): Promise<number> {
  const agent = await signedInCustomer(t, alias);
  const { orderId, quoteNumber } = await orderAndValidate(t, agent, name);
  const quote = await t.container.services.billing.findDocument({ number: quoteNumber });
  const paid = await recordPayment(t.container.deps, operatorId, quoteNumber, { method: 'transfer', amountCents: quote!.gross_cents, receivedOn: t.container.services.billing.today(), reference: quoteNumber, bank: '' });
  assert.ok(paid.ok);
  return orderId;
}

async function operatorId(t: TestApp): Promise<number> {
  // signedInOperator sets the password: operators without one get no alert (operatorEmails()).
  await signedInOperator(t);
  return (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
}

const CHOSEN_PASSWORD = 'tournesol-geant-42'; // the one orderAndValidate types

describe('when the admin tool fails', () => {
  let dataDir: string;
  let t: Ecrin;
  let opId: number;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-failures-'));
    t = await startEcrin(dataDir, (config, logger) => localDriver(config, logger, 'add'));
    opId = await operatorId(t);
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a failed "add" leaves the action scheduled, the instance being created with its reason, nothing running; after the last attempt, failed and the operator told', async () => {
    const orderId = await paidOrder(t, opId, 'panne', 'panne-asso');
    const instances = t.container.services.instances;
    await assert.rejects(provisionInstance(t.container.deps, orderId), /simulated failure/);
    const instance = (await instances.findByName('panne-asso'))!;
    assert.equal(instance.state, 'creating');
    assert.match(instance.failure_reason ?? '', /^create : .*simulated failure/);
    const [action] = await instances.actionsForInstance(instance.id);
    assert.equal(action?.kind, 'provision');
    assert.equal(action?.state, 'scheduled', 'another attempt will come');
    assert.equal(action?.attempts, 1);
    assert.match(action?.last_error ?? '', /simulated failure/);
    assert.equal(t.driver.endpoint('panne-asso'), null);
    assert.equal(await t.driver.exists('panne-asso'), false);
    assert.equal(serversOf('panne-asso'), 0);
    // While it is being made, its address says so (and not "no such instance").
    const pending = await new InstanceClient(t.port, `panne-asso.localhost:${t.port}`).request('GET', '/');
    assert.equal(pending.status, 503);

    for (let i = 2; i <= MAX_ATTEMPTS; i++) await assert.rejects(provisionInstance(t.container.deps, orderId), /simulated failure/);
    const failed = (await instances.find(instance.id))!;
    assert.equal(failed.state, 'failed');
    assert.match(failed.failure_reason ?? '', /simulated failure/);
    const final = (await instances.findAction(action!.id))!;
    assert.equal(final.state, 'failed');
    assert.equal(final.attempts, MAX_ATTEMPTS);
    assert.ok(final.finished_at);
    assert.equal((await instances.actionsForInstance(instance.id)).length, 1, 'every attempt is the same action');
    const alert = await lastMailTo(t, 'ops@example.org', 'instances.action_failed');
    assert.match(alert.text_body, /panne-asso/);
    assert.match(alert.text_body, /simulated failure/);
    const alerts = await t.container.database.db.selectFrom('mail_messages').select('id').where('template', '=', 'instances.action_failed').execute();
    assert.equal(alerts.length, 1, 'told once, at the last attempt');
    assert.equal(serversOf('panne-asso'), 0);

    // The cause fixed (a working admin tool), "Relancer", and the same order makes its instance.
    t.driver.use(localDriver(t.config, t.logger));
    const jobs = async () => (await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'instance.provision' and data->>'orderId' = ${String(orderId)}`.execute(t.container.database.db)).rows[0]!.n;
    const queued = await jobs();
    assert.equal(await instances.retryAction(action!.id), true);
    assert.equal(await jobs(), queued + 1);
    assert.equal((await instances.find(instance.id))?.state, 'creating');
    await provisionInstance(t.container.deps, orderId); // what the queued job does
    const active = (await instances.find(instance.id))!;
    assert.equal(active.state, 'active');
    assert.equal(active.failure_reason, null);
    assert.equal((await instances.findAction(action!.id))?.state, 'done');
    const client = new InstanceClient(t.port, `panne-asso.localhost:${t.port}`);
    assert.equal(await client.signIn('admin', CHOSEN_PASSWORD), true);
    assert.equal(serversOf('panne-asso'), 1);
    await lastMailTo(t, 'panne@example.org', 'instances.ready');
  });

  it('a failed "security" names its step, keeps the files made, runs no server, and the next attempt resumes', async () => {
    t.driver.use(localDriver(t.config, t.logger, 'security'));
    const orderId = await paidOrder(t, opId, 'secu', 'secu-asso');
    const instances = t.container.services.instances;
    await assert.rejects(provisionInstance(t.container.deps, orderId), /simulated failure/);
    const instance = (await instances.findByName('secu-asso'))!;
    assert.equal(instance.state, 'creating');
    assert.match(instance.failure_reason ?? '', /^security : .*simulated failure/);
    assert.equal(await t.driver.exists('secu-asso'), true, 'the files made by "add" stay');
    assert.equal(t.driver.endpoint('secu-asso'), null);
    assert.equal(serversOf('secu-asso'), 0);
    // Never left open with admin/admin: the server was not started without the chosen password.
    t.driver.use(localDriver(t.config, t.logger));
    await provisionInstance(t.container.deps, orderId);
    assert.equal((await instances.find(instance.id))?.state, 'active');
    const [action] = await instances.actionsForInstance(instance.id);
    assert.equal(action?.state, 'done');
    assert.equal(action?.attempts, 2);
    const client = new InstanceClient(t.port, `secu-asso.localhost:${t.port}`);
    assert.equal(await client.signIn('admin', 'admin'), false);
    assert.equal(await client.signIn('admin', CHOSEN_PASSWORD), true);
  });

  it('a server that does not start is stopped, not left restarting', async () => {
    t.driver.use(localDriver(t.config, t.logger, 'serve', 2000));
    const orderId = await paidOrder(t, opId, 'muet', 'muet-asso');
    const instances = t.container.services.instances;
    await assert.rejects(provisionInstance(t.container.deps, orderId), /did not answer/);
    const instance = (await instances.findByName('muet-asso'))!;
    assert.match(instance.failure_reason ?? '', /^start : /);
    assert.equal(t.driver.endpoint('muet-asso'), null);
    // The supervisor would restart a dying server after 1 s, 2 s…: nothing comes back.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(serversOf('muet-asso'), 0);
    t.driver.use(localDriver(t.config, t.logger));
    await provisionInstance(t.container.deps, orderId);
    assert.equal((await instances.find(instance.id))?.state, 'active');
    assert.equal(serversOf('muet-asso'), 1);
  });
});

describe('the same order provisioned twice at once', () => {
  let dataDir: string;
  let t: Ecrin;
  let opId: number;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-twice-'));
    t = await startEcrin(dataDir, (config, logger) => localDriver(config, logger));
    opId = await operatorId(t);
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends with one instance, one provisioning action, one running server', async () => {
    const orderId = await paidOrder(t, opId, 'double', 'double-asso');
    const instances = t.container.services.instances;
    const results = await Promise.allSettled([provisionInstance(t.container.deps, orderId), provisionInstance(t.container.deps, orderId)]);
    const rows = await t.container.database.db.selectFrom('instances').selectAll().where('order_id', '=', orderId).execute();
    assert.equal(rows.length, 1);
    const actions = await t.container.database.db.selectFrom('hosting_actions').selectAll().where('instance_id', '=', rows[0]!.id).where('kind', '=', 'provision').execute();
    assert.equal(actions.length, 1, 'one provisioning action');
    assert.ok(results.some((r) => r.status === 'fulfilled'), 'one of them makes the instance');
    assert.equal(rows[0]!.state, 'active');
    assert.equal(serversOf('double-asso'), 1);
    assert.equal(await new InstanceClient(t.port, `double-asso.localhost:${t.port}`).signIn('admin', CHOSEN_PASSWORD), true);
  });
});

describe('ecrin stopped in the middle of a provisioning, then started again', { skip: testBackend() === 'pglite' ? 'two ecrins on one database need PostgreSQL (PGlite is in memory, in one process)' : false }, () => {
  let dataDir: string;
  let a: Ecrin;
  let aStopped = false;
  let b: Ecrin | null = null;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-restart-'));
    a = await startEcrin(dataDir, (config, logger) => localDriver(config, logger));
  });
  after(async () => {
    await b?.close();
    if (!aStopped) await a.stop();
    await a.database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the second ecrin finishes the same instance, once, and serves it', async () => {
    const opId = await operatorId(a);
    const orderId = await paidOrder(a, opId, 'reprise', 'reprise-asso');
    // ecrin A gets as far as starting the server, and stops there.
    let release!: (v?: unknown) => void;
    a.driver.gate = new Promise<void>((_resolve, reject) => {
      release = () => reject(new Error('ecrin A is gone'));
    });
    const started = new Promise<void>((resolve) => {
      a.driver.onStart = resolve;
    });
    const inFlight = provisionInstance(a.container.deps, orderId).catch(() => 'stopped');
    await started;
    const db = a.container.database.db;
    const row = (await db.selectFrom('instances').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow());
    assert.equal(row.state, 'creating');
    const running = await db.selectFrom('hosting_actions').selectAll().where('instance_id', '=', row.id).execute();
    assert.deepEqual(running.map((r) => [r.kind, r.state, r.attempts]), [['provision', 'running', 1]]);
    await a.stop(); // the database stays: it is ecrin B's too
    aStopped = true;
    release();
    assert.equal(await inFlight, 'stopped');

    b = await startEcrin(dataDir, (config, logger) => localDriver(config, logger), a.database);
    // B comes back later than the job's lease (pg-boss expires an active job after 900 s).
    b.clock.advance(16 * MINUTE);
    await provisionInstance(b.container.deps, orderId);
    const rows = await b.container.database.db.selectFrom('instances').selectAll().where('order_id', '=', orderId).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.state, 'active');
    const actions = await b.container.database.db.selectFrom('hosting_actions').selectAll().where('instance_id', '=', rows[0]!.id).execute();
    assert.deepEqual(actions.map((r) => [r.kind, r.state]), [['provision', 'done']]);
    assert.equal(actions[0]!.attempts, 2);
    assert.equal(serversOf('reprise-asso'), 1);
    const client = new InstanceClient(b.port, `reprise-asso.localhost:${b.port}`);
    assert.equal(await client.signIn('admin', CHOSEN_PASSWORD), true, 'through the front door of ecrin B');
  });
});
