import { parseArgs } from 'node:util';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createContainer, databaseTargetFor, localDriver } from './container.ts';
import { describeIsolation } from './hosting/driver.ts';
import { IsolationError } from './hosting/sandbox/isolation.ts';
import { openDatabase } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { createLogger } from './platform/logger.ts';
import { isCalendarDate } from './platform/dates.ts';
import { runLifecycleCatchUp, runLifecycleDay } from './modules/lifecycle/use-cases/run-lifecycle.ts';

const USAGE = `ecrin — managed hosting of Diacamma

Usage:
  ecrin serve                        web portal, back office, front door and job worker (default)
  ecrin migrate                      apply database migrations and exit
  ecrin operator create --email E    create an operator account; prints a one-time link to set its password
  ecrin ledger verify [--rerender]   check the chain of issued documents, their numbering and stored PDFs
  ecrin instances stop-all           stop every instance server (they keep running when ecrin stops; stop ecrin first)
  ecrin lifecycle run [--as-of D]    run the hosting year's daily sweep (renewals, reminders, grace, suspension)
                                     for day D (YYYY-MM-DD, Paris time; default: every day missed up to today)
  ecrin help

Configuration is read from the environment (see README.md): PORT, PUBLIC_DOMAIN, DATA_DIR,
DATABASE_URL, SMTP_URL, SECRET_KEY, PUBLIC_URL_SCHEME.`;

async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const started = performance.now();
  const container = await createContainer({ config, logger });
  // Servers the previous ecrin left running answer as soon as the front door opens: no restart.
  const adopted = await container.services.instances.adoptLive();
  const app = await buildApp(container);
  const address = await app.listen({ port: config.port, host: config.host });
  const port = Number(new URL(address).port) || config.port;
  container.urls.setPublicPort(port);
  // The missing ones start in the background (a bounded number at once); the portal answers meanwhile.
  void container.services.instances.startLive();
  const isolation = container.driver.isolation();
  const portal = container.urls.portal();
  const firstLink = await container.services.accounts.firstOperatorLink();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `  ecrin is ready in ${seconds} s`,
    `  Portal:     ${portal}/`,
    `  Database:   ${container.database.kind === 'pglite' ? `PGlite (${config.dataDir}/pglite)` : 'PostgreSQL'}`,
    `  Mail:       ${config.smtpUrl ? 'SMTP' : 'outbox (read it in the back office)'}`,
    `  Instances:  ${describeIsolation(isolation)}`,
    `              ${adopted.length} still running from before, adopted; the others start now`,
  ];
  if (firstLink) lines.push('', '  No operator account yet. Create the first one with this one-time link:', `  ${firstLink}`);
  process.stdout.write(lines.join('\n') + '\n\n');
  logger.info({ portal, startupMs: Math.round(performance.now() - started), adopted: adopted.length }, 'ecrin ready');
  if (!isolation.sandboxed) logger.warn({ reason: isolation.reason, detail: isolation.detail }, 'instances are NOT isolated: they run as ecrin\'s own user');
  else if (!isolation.cgroup.available) logger.warn({ reason: isolation.cgroup.reason, detail: isolation.cgroup.detail }, 'cgroup v2 not used: instance memory is bounded by rlimits only');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
      // Stopping ecrin stops no instance: they keep serving, and the next ecrin adopts them.
      await container.close({ leaveInstancesRunning: true });
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function migrate(config: Config): Promise<void> {
  const database = await openDatabase(databaseTargetFor(config));
  try {
    const applied = await migrateToLatest(database.db);
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Database already up to date.\n');
  } finally {
    await database.close();
  }
}

async function operatorCreate(config: Config, email: string | undefined): Promise<number> {
  if (!email) {
    process.stderr.write('operator create needs --email E\n');
    return 2;
  }
  const logger = createLogger('warn');
  const container = await createContainer({ config, logger, workers: false });
  try {
    const result = await container.services.accounts.createOperator(email);
    if (!result.ok) {
      process.stderr.write(result.reason === 'email_taken' ? `An account already uses ${email}.\n` : `Not a valid e-mail address: ${email}\n`);
      return 1;
    }
    process.stdout.write(`Operator account "${result.alias}" created for ${email}.\nOne-time link to set its password (valid 7 days):\n${result.link}\n`);
    return 0;
  } finally {
    await container.close();
  }
}

async function ledgerVerify(config: Config, rerender: boolean): Promise<number> {
  const container = await createContainer({ config, logger: createLogger('warn'), workers: false });
  try {
    const { documents, problems, rendered } = await container.services.billing.ledger.verify({ rerender });
    if (problems.length === 0) {
      process.stdout.write(`Ledger OK: ${documents} documents, chain intact, numbering without gaps, PDFs intact${rerender ? ' and identical to a new rendering' : ''}${rendered > 0 ? ` (${rendered} not rendered yet: rendered and stored now)` : ''}.\n`);
      return 0;
    }
    process.stdout.write(`Ledger has ${problems.length} problem(s) in ${documents} documents:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  } finally {
    await container.close();
  }
}

/** The hosting year's sweep for one day (`--as-of`), or every day missed up to today; idempotent per day. */
async function lifecycleRun(config: Config, asOf: string | undefined): Promise<number> {
  if (asOf !== undefined && !isCalendarDate(asOf)) {
    process.stderr.write(`--as-of needs a date written YYYY-MM-DD (got "${asOf}").\n`);
    return 2;
  }
  const container = await createContainer({ config, logger: createLogger('warn'), workers: false });
  try {
    const days = asOf ? [await runLifecycleDay(container.deps, asOf)] : await runLifecycleCatchUp(container.deps);
    for (const s of days)
      process.stdout.write(`${s.day}: ${s.instances} instances looked at; ${s.renewalsIssued} renewal orders issued, ${s.reminders} reminders, ${s.grace} in grace, ${s.suspended} suspended, ${s.ended} ended as asked, ${s.retentionOver} retention over, ${s.extended} periods extended, ${s.requoted} renewal quotes replaced by one payable longer.\n`);
    if (days.length === 0) process.stdout.write('Nothing to run: today was swept already.\n');
    // Mail is recorded with each step; `ecrin serve` delivers it.
    return 0;
  } finally {
    await container.close({ leaveInstancesRunning: true });
  }
}

/** Stops every instance server recorded in DATA_DIR (refused while an ecrin supervises them). */
async function instancesStopAll(config: Config): Promise<number> {
  const driver = await localDriver(config, createLogger('warn'));
  try {
    const stopped = await driver.stopRecorded();
    process.stdout.write(stopped.length ? `Stopped: ${stopped.join(', ')}\n` : 'No instance server was running.\n');
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { email: { type: 'string' }, help: { type: 'boolean', short: 'h' }, rerender: { type: 'boolean' }, 'as-of': { type: 'string' } },
  });
  const [command = 'serve', sub] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await serve(config);
      return -1; // keeps running
    case 'migrate':
      await migrate(config);
      return 0;
    case 'operator':
      if (sub === 'create') return operatorCreate(config, typeof values.email === 'string' ? values.email : undefined);
      break;
    case 'ledger':
      if (sub === 'verify') return ledgerVerify(config, values.rerender === true);
      break;
    case 'instances':
      if (sub === 'stop-all') return instancesStopAll(config);
      break;
    case 'lifecycle':
      if (sub === 'run') return lifecycleRun(config, typeof values['as-of'] === 'string' ? values['as-of'] : undefined);
      break;
  }
  process.stderr.write(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof IsolationError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`ecrin failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
