import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { instanceUrl, portalBaseUrl } from './config.ts';
import { ClientAddress } from './platform/net/client-address.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { openDatabase, type Database, type DatabaseTarget } from './platform/db/database.ts';
import type { DB } from './platform/db/schema.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { EventBus } from './platform/events/event-bus.ts';
import type { Logger } from './platform/logger.ts';
import { createMailTransport, type MailTransport } from './platform/mail/transport.ts';
import { Queue } from './platform/queue/queue.ts';
import { AccountsRepository } from './modules/accounts/accounts.repository.ts';
import { AccountsService } from './modules/accounts/accounts.service.ts';
import { AuditRepository } from './modules/audit/audit.repository.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { sendMailJob } from './modules/notifications/mail.jobs.ts';
import { MailRepository } from './modules/notifications/mail.repository.ts';
import { MailService } from './modules/notifications/mail.service.ts';
import { SettingsRepository } from './modules/settings/settings.repository.ts';
import { SettingsService } from './modules/settings/settings.service.ts';
import { BillingService } from './modules/billing/billing.service.ts';
import { Ledger, type DocumentRenderer } from './modules/billing/ledger.ts';
import { renderPendingPdfsJob } from './modules/billing/billing.jobs.ts';
import { renderDocumentPdf } from './modules/billing/pdf/document-pdf.ts';
import { archiveActionJob, monitorInstancesJob, provisionInstanceJob, runActionJob } from './modules/instances/instances.jobs.ts';
import { LocalArchiveStore } from './modules/archives/archive-store.ts';
import { endInstanceJob, nightlyArchivesJob } from './modules/archives/archives.jobs.ts';
import { ArchivesRepository } from './modules/archives/archives.repository.ts';
import { ArchivesService } from './modules/archives/archives.service.ts';
import { InstancesRepository } from './modules/instances/instances.repository.ts';
import { InstancesService } from './modules/instances/instances.service.ts';
import { subscribeInstances } from './modules/instances/instances.subscriptions.ts';
import { InstancesMonitor } from './modules/instances/monitor.ts';
import type { InstanceDriver } from './hosting/driver.ts';
import { LocalDriver } from './hosting/drivers/local.ts';
import { detectIsolation } from './hosting/sandbox/isolation.ts';
import { FrontDoor, probeThroughFrontDoor } from './gateway/proxy.ts';
import { watchServers } from './modules/instances/server-health.ts';
import { OrdersRepository } from './modules/orders/orders.repository.ts';
import { OrdersService } from './modules/orders/orders.service.ts';
import { expireOrdersJob, forgetAdminPasswordJob } from './modules/orders/orders.jobs.ts';
import { expireLapsedOrders } from './modules/orders/use-cases/expire-lapsed-orders.ts';
import { subscribeOrders } from './modules/orders/orders.subscriptions.ts';
import { settleQuoteJob } from './modules/payments/payments.jobs.ts';
import { PaymentsService } from './modules/payments/payments.service.ts';
import { PaypalPayments } from './modules/payments/paypal-payments.service.ts';
import { DEFAULT_PAYPAL_CERT_HOSTS, PaypalClient } from './modules/payments/paypal/paypal.client.ts';
import { settleQuote } from './modules/payments/use-cases/settle-quote.ts';
import { SupportRepository } from './modules/support/support.repository.ts';
import { SupportService } from './modules/support/support.service.ts';
import { SupportSessionsRepository } from './modules/support/support-sessions.repository.ts';
import { SupportSessionsService } from './modules/support/support-sessions.service.ts';
import { sessionRemindersJob } from './modules/support/support.jobs.ts';
import { sendSessionReminders } from './modules/support/use-cases/send-session-reminders.ts';
import { endInstance } from './modules/archives/use-cases/end-instance.ts';
import { runNightlyArchives } from './modules/archives/use-cases/run-nightly-archives.ts';
import { lifecycleSweepJob } from './modules/lifecycle/lifecycle.jobs.ts';
import { LifecycleRepository } from './modules/lifecycle/lifecycle.repository.ts';
import { LifecycleService } from './modules/lifecycle/lifecycle.service.ts';
import { runLifecycleCatchUp } from './modules/lifecycle/use-cases/run-lifecycle.ts';

/** Every job the application knows; queues are created for each at start. */
export const jobDefinitions = [sendMailJob, settleQuoteJob, provisionInstanceJob, runActionJob, archiveActionJob, nightlyArchivesJob, endInstanceJob, expireOrdersJob, monitorInstancesJob, forgetAdminPasswordJob, lifecycleSweepJob, sessionRemindersJob, renderPendingPdfsJob] as const;

export interface Services {
  settings: SettingsService;
  accounts: AccountsService;
  audit: AuditService;
  mail: MailService;
  billing: BillingService;
  orders: OrdersService;
  payments: PaymentsService;
  paypal: PaypalPayments;
  instances: InstancesService;
  support: SupportService;
  supportSessions: SupportSessionsService;
  archives: ArchivesService;
  lifecycle: LifecycleService;
}

/**
 * What use cases are given: every service, and the adapters they share. Each use case names the
 * part it needs in its own `…Deps` interface; this object has all of them.
 */
export interface AppDeps extends Services {
  db: Kysely<DB>;
  events: EventBus;
  /** for a use case that sends another module's job in its transaction (the lifecycle → end-instance) */
  queue: Queue;
  clock: Clock;
  logger: Logger;
  driver: InstanceDriver;
  /** instances are NAME.<instanceDomain> */
  instanceDomain: string;
  portalUrl: () => string;
  instanceUrl: (name: string) => string;
  /** a request through the front door, as a customer's browser makes it: true when it answers */
  probe: (name: string) => Promise<boolean>;
}

export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: Database;
  queue: Queue;
  events: EventBus;
  services: Services;
  /** for use cases: a page, a job, the CLI call them with this */
  deps: AppDeps;
  /** the public base URL of the portal; the listening port may be known only after listen() */
  urls: { portal: () => string; instance: (name: string) => string; setPublicPort(port: number): void; publicPort: () => number };
  driver: InstanceDriver;
  frontDoor: FrontDoor;
  monitor: InstancesMonitor;
  /** who the client of a request is (TRUST_PROXY), for the portal and the front door */
  clientAddress: ClientAddress;
  /** `leaveInstancesRunning`: ecrin stops, its instances keep serving (serve); otherwise they stop too */
  close(opts?: { leaveInstancesRunning?: boolean }): Promise<void>;
}

export interface ContainerOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** defaults to DATABASE_URL, or PGlite in DATA_DIR/pglite */
  database?: DatabaseTarget;
  mailTransport?: MailTransport;
  pollingIntervalSeconds?: number;
  /** with LISTEN/NOTIFY, how often idle workers still poll (tests: as often as they can) */
  backstopSeconds?: number;
  /** start job workers in this process (serve does; tests may not) */
  workers?: boolean;
  /** the PDF renderer of documents (tests may count calls) */
  renderer?: DocumentRenderer;
  /** where instances run; default: the local driver in DATA_DIR/instances */
  driver?: InstanceDriver;
}

/** The embedded driver, sandboxing instances as far as this machine allows (found out here, once). */
export async function localDriver(config: Config, logger: Logger): Promise<LocalDriver> {
  const isolation = await detectIsolation({
    mode: config.hosting.isolation,
    uid: process.getuid?.() ?? -1,
    probeUid: config.hosting.uids.first,
    pathVar: config.instanceEnv.PATH,
    cgroup: config.hosting.cgroup,
  });
  return new LocalDriver({ instancesDir: `${config.dataDir}/instances`, dataDir: config.dataDir, adminTool: config.lucteriosAdmin, serveTemplate: config.instanceServeCommand, logger, childEnv: config.instanceEnv, isolation, hosting: config.hosting, publicDomain: config.instanceDomain });
}

export function databaseTargetFor(config: Config): DatabaseTarget {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: `${config.dataDir}/pglite` };
}

/**
 * Opens the database, migrates it, seeds the defaults, wires the services and their subscriptions
 * to each other's events, and starts the queue: the one place where adapters are chosen and
 * injected. It only wires: every dependency goes one way (constructor arguments, built in order),
 * and what a module does after another's event is declared by that module (`*.subscriptions.ts`).
 */
export async function createContainer(opts: ContainerOptions): Promise<Container> {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const database = await openDatabase(opts.database ?? databaseTargetFor(config));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    const db = database.db;
    const queue = new Queue({ pool: database.pool, listen: database.listen, logger, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, ...(opts.backstopSeconds !== undefined ? { backstopSeconds: opts.backstopSeconds } : {}) });
    const events = new EventBus(queue, logger);

    let publicPort = config.port;
    let listening = false;
    const urls = {
      portal: () => portalBaseUrl(config, publicPort),
      instance: (name: string) => instanceUrl(config, name, publicPort),
      setPublicPort(port: number) {
        publicPort = port;
        listening = true;
      },
      publicPort: () => publicPort,
    };
    // One decision of who the client is, for the portal and the front door alike.
    const clientAddress = new ClientAddress(config.trustProxy);
    const settings = new SettingsService(new SettingsRepository(db), clock);
    await settings.seedDefaults();
    const audit = new AuditService(new AuditRepository(db));
    const billing = new BillingService({ db, ledger: new Ledger(db, opts.renderer ?? renderDocumentPdf, settings, { clock }), settings, clock, portalUrl: urls.portal, paypalEnabled: config.paypal !== null });
    const transport = opts.mailTransport ?? createMailTransport(config.smtpUrl);
    // Attached PDFs are billing's: mail asks billing for their bytes at delivery.
    const mail = new MailService({ repo: new MailRepository(db), queue, transport, clock, from: config.mailFrom, logger, audit, attachments: (ref) => billing.attachment(ref) });
    const accounts = new AccountsService({ repo: new AccountsRepository(db), audit, mail, settings, clock, portalUrl: urls.portal });
    const orders = new OrdersService({ repo: new OrdersRepository(db), settings, events, clock, secretKey: config.secretKey, instanceDomain: config.instanceDomain, paypalEnabled: config.paypal !== null, instanceUrl: urls.instance });
    const support = new SupportService({ repo: new SupportRepository(db), clock, secretKey: config.secretKey });
    const payments = new PaymentsService({ db, billing, support, queue, clock });

    const driver = opts.driver ?? (await localDriver(config, logger));
    const instances = new InstancesService({ repo: new InstancesRepository(db), orders, driver, accounts, settings, mail, audit, queue, clock, logger, secretKey: config.secretKey, portalUrl: urls.portal, instanceUrl: urls.instance });
    // Through the front door, as the customer's browser will come (once the server listens).
    const probe = async (name: string) => (listening ? probeThroughFrontDoor(publicPort, `${name}.${config.instanceDomain}`) : driver.health(name));
    const supportSessions = new SupportSessionsService({ repo: new SupportSessionsRepository(db), clock });
    const core = { db, events, queue, clock, logger, driver, probe, instanceDomain: config.instanceDomain, portalUrl: urls.portal, instanceUrl: urls.instance, settings, accounts, audit, mail, billing, orders, payments, instances, support, supportSessions };
    const paypalClient = config.paypal
      ? new PaypalClient({ ...config.paypal, certHosts: config.paypal.certHosts ?? [...DEFAULT_PAYPAL_CERT_HOSTS] }, { brandName: (await settings.operatorIdentity()).tradeName })
      : null;
    const paypal = new PaypalPayments({ ...core, client: paypalClient });
    // Archives: files under DATA_DIR/archives; temporary files a dead process left are removed.
    const archiveStore = new LocalArchiveStore(`${config.dataDir}/archives`);
    const swept = await archiveStore.sweep();
    if (swept > 0) logger.warn({ swept }, 'unfinished archive files removed');
    const archives = new ArchivesService({ repo: new ArchivesRepository(db), store: archiveStore, queue, instances, driver, settings, accounts, mail, audit, clock, logger, probe, instanceUrl: urls.instance, portalUrl: urls.portal });
    const lifecycle = new LifecycleService({ repo: new LifecycleRepository(db), clock });
    const deps: AppDeps = { ...core, paypal, archives, lifecycle };

    subscribeInstances(events, deps);
    // A server in a crash loop puts its instance "en échec" and tells the operators, once.
    watchServers(deps);
    subscribeOrders(events, deps);
    await queue.start([...jobDefinitions, ...events.jobDefinitions()]);

    await instances.loadRoutes();
    const frontDoor = new FrontDoor({
      publicDomain: config.publicDomain,
      instanceDomain: config.instanceDomain,
      scheme: config.scheme,
      route: (name) => instances.route(name),
      driver,
      logger,
      clientAddress: (req) => clientAddress.of(req),
      portalUrl: urls.portal,
      bounds: config.frontDoor,
      spoolDir: `${config.dataDir}/hosting/spool`,
      // Behind a trusted proxy every client comes through its address: the proxy bounds them.
      unboundedAddresses: config.trustProxy.kind === 'none' ? [] : (address) => clientAddress.trust(address, 0),
    });
    const monitor = new InstancesMonitor({
      repo: new InstancesRepository(db),
      driver,
      frontDoor,
      settings,
      accounts,
      mail,
      clock,
      logger,
      probe,
      portalUrl: urls.portal,
      instanceUrl: urls.instance,
    });

    if (opts.workers !== false) {
      await events.work();
      // Actions of different customers run side by side; one customer's run a few at a time.
      await queue.work(runActionJob, (data) => instances.runAction(data.actionId), { jobs: config.actions.concurrency, perGroup: config.actions.perCustomer });
      await queue.work(archiveActionJob, (data) => archives.runAction(data.actionId), { jobs: config.actions.concurrency, perGroup: config.actions.perCustomer });
      // Every hour: the instances whose quiet hour it is get their automatic archive; expired ones go.
      await queue.work(nightlyArchivesJob, async () => {
        await runNightlyArchives(deps);
      });
      await queue.schedule(nightlyArchivesJob, '5 * * * *', {});
      // Ending an instance: a final archive that fails verification destroys nothing (operators alerted).
      await queue.work(endInstanceJob, async (data) => {
        const r = await endInstance(deps, data);
        if (!r.ok && r.error === 'instance_destroy_failed') throw new Error(r.detail);
        // A restore runs on the instance: the end waits for it (sent again for later), never collides.
        if (!r.ok && r.error === 'restore_running') await archives.deferEnd(data);
      });
      await queue.work(sendMailJob, (data) => mail.deliver(data.messageId));
      // The PDFs of the documents issued since the last run (a reader that comes first renders one).
      await queue.work(renderPendingPdfsJob, async () => {
        const r = await billing.ledger.renderPending();
        if (r.failed.length > 0) logger.error({ failed: r.failed }, 'document PDFs not rendered');
      });
      await queue.schedule(renderPendingPdfsJob, '* * * * *', {});
      await queue.send(renderPendingPdfsJob, {}, { singletonKey: 'render-pdfs-at-start' });
      await queue.work(settleQuoteJob, async (data) => {
        await settleQuote(deps, data.quoteId);
      });
      await queue.work(expireOrdersJob, async () => {
        await expireLapsedOrders(deps);
      });
      await queue.schedule(expireOrdersJob, '10 0 * * *', {});
      // The hosting year: every day since the last sweep that finished, up to today (a restart
      // after an outage catches up at once). One schedule for the cluster, one run at a time.
      await queue.work(lifecycleSweepJob, async () => {
        await runLifecycleCatchUp(deps);
      });
      await queue.schedule(lifecycleSweepJob, '20 0 * * *', {});
      await queue.send(lifecycleSweepJob, {}, { singletonKey: 'lifecycle-at-start' });
      // Every hour: tomorrow's sessions get their reminder, once each.
      await queue.work(sessionRemindersJob, async () => {
        await sendSessionReminders(deps);
      });
      await queue.schedule(sessionRemindersJob, '20 * * * *', {});
      await queue.work(monitorInstancesJob, () => monitor.run());
      await queue.schedule(monitorInstancesJob, '* * * * *', {});
    }

    return {
      config,
      logger,
      clock,
      database,
      queue,
      events,
      services: { settings, accounts, audit, mail, billing, orders, payments, paypal, instances, support, supportSessions, archives, lifecycle },
      deps,
      driver,
      frontDoor,
      monitor,
      urls,
      clientAddress,
      async close(closeOpts = {}) {
        await queue.stop();
        await frontDoor.close();
        if (closeOpts.leaveInstancesRunning) await driver.release();
        else await driver.stopAll();
        if (transport.kind === 'smtp') transport.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
