// An ecrin worker running a restore ("Restaurer") on the data the parent test prepared, until it
// is SIGKILLed or done:
//   start <instance> <archiveId> <password>  schedules the restore action, prints "action ID", runs it, prints "done"
//   recover <actionId>                       the retry after a crash: pg-boss hands the job out again once it has
//                                            expired (the action's claim is as old), the action runs; prints its end
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { createLogger } from '../../src/platform/logger.ts';

const [mode, ...args] = process.argv.slice(2);
const env = JSON.parse(process.env.ECRIN_CHILD_ENV!) as Record<string, string>;
const config = loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'silent', PATH: process.env.PATH ?? '/usr/bin:/bin' });
const container = await createContainer({ config, logger: createLogger(config.logLevel), database: env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'pglite', dataDir: `${env.DATA_DIR}/pglite` }, workers: false });
await container.services.instances.adoptLive();
const { instances, archives } = container.services;
if (mode === 'start') {
  const [name, archiveId, password] = args as [string, string, string];
  const instance = (await instances.findByName(name))!;
  const details = JSON.stringify({ op: 'restore', archiveId: Number(archiveId), password });
  const actionId = await container.database.db.transaction().execute((trx) => instances.scheduleAction({ instanceId: instance.id, userId: instance.user_id, kind: 'restore', details, requestedBy: null }, trx));
  process.stdout.write(`action ${actionId}\n`);
  await archives.runAction(actionId);
  process.stdout.write('done\n');
} else {
  const actionId = Number(args[0]);
  const stale = new Date(container.clock.now().getTime() - 2 * 3600_000);
  await container.database.db.updateTable('hosting_actions').set({ started_at: stale }).where('id', '=', actionId).where('state', '=', 'running').execute();
  try {
    await archives.runAction(actionId);
  } catch {
    // a retryable failure: the action says so
  }
  const action = (await instances.findAction(actionId))!;
  const instance = (await instances.find(action.instance_id))!;
  process.stdout.write(`${JSON.stringify({ state: action.state, error: action.last_error, instance: instance.state })}\n`);
}
await container.close({ leaveInstancesRunning: true });
