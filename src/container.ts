import type { Config } from './config.ts';
import { portalBaseUrl, siteUrl } from './config.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { openDatabase, type Database, type DatabaseTarget } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import type { Logger } from './platform/logger.ts';
import { createMailTransport, type MailTransport } from './platform/mail/transport.ts';
import { Queue } from './platform/queue/queue.ts';
import { AccountsRepository } from './modules/accounts/accounts.repository.ts';
import { AccountsService } from './modules/accounts/accounts.service.ts';
import { AuditRepository } from './modules/audit/audit.repository.ts';
import { sendMailJob } from './modules/notifications/mail.jobs.ts';
import { MailRepository } from './modules/notifications/mail.repository.ts';
import { MailService } from './modules/notifications/mail.service.ts';
import { SettingsRepository } from './modules/settings/settings.repository.ts';
import { SettingsService } from './modules/settings/settings.service.ts';
import { BillingService } from './modules/billing/billing.service.ts';
import { Ledger, type DocumentRenderer } from './modules/billing/ledger.ts';
import { renderDocumentPdf } from './modules/billing/pdf/document-pdf.ts';
import { provisionInstanceJob, runActionJob } from './modules/instances/instances.jobs.ts';
import { InstancesRepository } from './modules/instances/instances.repository.ts';
import { InstancesService } from './modules/instances/instances.service.ts';
import type { InstanceDriver } from './hosting/driver.ts';
import { LocalDriver } from './hosting/drivers/local.ts';
import { FrontDoor, probeThroughFrontDoor } from './gateway/proxy.ts';
import { InstancesMonitor } from './modules/instances/monitor.ts';
import { monitorInstancesJob } from './modules/instances/instances.jobs.ts';
import { OrdersRepository } from './modules/orders/orders.repository.ts';
import { OrdersService } from './modules/orders/orders.service.ts';
import { expireOrdersJob } from './modules/orders/orders.jobs.ts';
import { settleQuoteJob } from './modules/payments/payments.jobs.ts';
import { PaymentsService } from './modules/payments/payments.service.ts';
import { PaypalPayments } from './modules/payments/paypal-payments.service.ts';
import { DEFAULT_PAYPAL_CERT_HOSTS, PaypalClient } from './modules/payments/paypal/paypal.client.ts';

/** Every job the application knows; queues are created for each at start. */
export const jobDefinitions = [sendMailJob, settleQuoteJob, provisionInstanceJob, runActionJob, expireOrdersJob, monitorInstancesJob] as const;

export interface Services {
  settings: SettingsService;
  accounts: AccountsService;
  audit: AuditRepository;
  mail: MailService;
  mailRepository: MailRepository;
  billing: BillingService;
  orders: OrdersService;
  payments: PaymentsService;
  paypal: PaypalPayments;
  instances: InstancesService;
}

export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: Database;
  queue: Queue;
  services: Services;
  /** the public base URL of the portal; the listening port may be known only after listen() */
  urls: { portal: () => string; instance: (name: string) => string; setPublicPort(port: number): void; publicPort: () => number };
  driver: InstanceDriver;
  frontDoor: FrontDoor;
  monitor: InstancesMonitor;
  close(): Promise<void>;
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

export function databaseTargetFor(config: Config): DatabaseTarget {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: `${config.dataDir}/pglite` };
}

/**
 * Opens the database, migrates it, seeds the defaults, starts the queue and wires the services:
 * the one place where adapters are chosen and injected.
 */
export async function createContainer(opts: ContainerOptions): Promise<Container> {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const database = await openDatabase(opts.database ?? databaseTargetFor(config));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    const queue = new Queue({ pool: database.pool, listen: database.listen, logger, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, ...(opts.backstopSeconds !== undefined ? { backstopSeconds: opts.backstopSeconds } : {}) });
    await queue.start(jobDefinitions);

    let publicPort = config.port;
    let listening = false;
    const urls = {
      portal: () => portalBaseUrl(config, publicPort),
      instance: (name: string) => siteUrl(config, name, publicPort),
      setPublicPort(port: number) {
        publicPort = port;
        listening = true;
      },
      publicPort: () => publicPort,
    };
    const settings = new SettingsService(new SettingsRepository(database.db), clock);
    await settings.seedDefaults();
    const audit = new AuditRepository(database.db);
    const mailRepository = new MailRepository(database.db);
    const transport = opts.mailTransport ?? createMailTransport(config.smtpUrl);
    const mail = new MailService({ repo: mailRepository, queue, transport, clock, from: config.mailFrom, logger });
    const accounts = new AccountsService({
      repo: new AccountsRepository(database.db),
      audit,
      mail,
      settings,
      clock,
      portalUrl: urls.portal,
    });

    const ledger = new Ledger(database.db, opts.renderer ?? renderDocumentPdf, settings);
    const billing = new BillingService({ db: database.db, ledger, settings, clock, portalUrl: urls.portal });
    mail.setAttachmentResolver(async (ref) => {
      const pdf = await ledger.pdf(ref.documentId);
      return pdf ? { filename: ref.filename, content: pdf, contentType: 'application/pdf' } : null;
    });
    const orders = new OrdersService({
      repo: new OrdersRepository(database.db),
      accounts,
      settings,
      billing,
      mail,
      audit,
      clock,
      secretKey: config.secretKey,
      publicDomain: config.publicDomain,
      portalUrl: urls.portal,
    });
    const payments = new PaymentsService({ db: database.db, billing, orders, accounts, settings, mail, audit, queue, clock, logger, portalUrl: urls.portal });
    const paypalClient = config.paypal
      ? new PaypalClient(
          { ...config.paypal, certHosts: config.paypal.certHosts ?? [...DEFAULT_PAYPAL_CERT_HOSTS] },
          { brandName: (await settings.operatorIdentity()).tradeName },
        )
      : null;
    const paypal = new PaypalPayments({ client: paypalClient, db: database.db, payments, billing, audit, clock, logger, portalUrl: urls.portal });

    const driver =
      opts.driver ??
      new LocalDriver({ instancesDir: `${config.dataDir}/instances`, adminTool: config.lucteriosAdmin, serveTemplate: config.instanceServeCommand, logger, childEnv: config.instanceEnv });
    const instances = new InstancesService({
      repo: new InstancesRepository(database.db),
      orders: orders.repo,
      driver,
      accounts,
      settings,
      billing,
      mail,
      audit,
      queue,
      clock,
      logger,
      secretKey: config.secretKey,
      publicDomain: config.publicDomain,
      scheme: config.scheme,
      portalUrl: urls.portal,
      instanceUrl: urls.instance,
      // Through the front door, as the customer's browser will come (once the server listens).
      probe: async (name) => (listening ? probeThroughFrontDoor(publicPort, `${name}.${config.publicDomain}`) : driver.health(name)),
    });

    await instances.loadRoutes();
    payments.setOnPaid((orderId) => instances.markCreating(orderId));
    const frontDoor = new FrontDoor({
      publicDomain: config.publicDomain,
      scheme: config.scheme,
      route: (name) => instances.route(name),
      driver,
      logger,
      trustProxy: config.trustProxy !== false,
      portalUrl: urls.portal,
    });
    const monitor = new InstancesMonitor({
      repo: instances.repo,
      driver,
      frontDoor,
      settings,
      accounts,
      mail,
      clock,
      logger,
      probe: (name) => (listening ? probeThroughFrontDoor(publicPort, `${name}.${config.publicDomain}`) : driver.health(name)),
      portalUrl: urls.portal,
      instanceUrl: urls.instance,
    });

    if (opts.workers !== false) {
      await queue.work(provisionInstanceJob, (data) => instances.provision(data.orderId));
      await queue.work(runActionJob, (data) => instances.runAction(data.actionId));
      await queue.work(sendMailJob, (data) => mail.deliver(data.messageId));
      await queue.work(settleQuoteJob, async (data) => {
        await payments.settle(data.quoteId);
      });
      await queue.work(expireOrdersJob, async () => {
        const n = await orders.expireLapsed();
        if (n > 0) logger.info({ expired: n }, 'orders expired');
      });
      await queue.schedule(expireOrdersJob, '10 0 * * *', {});
      await queue.work(monitorInstancesJob, () => monitor.run());
      await queue.schedule(monitorInstancesJob, '* * * * *', {});
    }

    return {
      config,
      logger,
      clock,
      database,
      queue,
      services: { settings, accounts, audit, mail, mailRepository, billing, orders, payments, paypal, instances },
      driver,
      frontDoor,
      monitor,
      urls,
      async close() {
        await queue.stop();
        await frontDoor.close();
        await driver.stopAll();
        if (transport.kind === 'smtp') transport.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
