import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-money.ts';
import * as m0003 from './migrations/0003-instances.ts';
import * as m0004 from './migrations/0004-usage.ts';
import * as m0005 from './migrations/0005-one-provisioning.ts';
import * as m0006 from './migrations/0006-trust-boundaries.ts';
import * as m0007 from './migrations/0007-money-never-lost.ts';
import * as m0008 from './migrations/0008-archives.ts';
import * as m0009 from './migrations/0009-support.ts';
import * as m0010 from './migrations/0010-plan-change.ts';
import * as m0011 from './migrations/0011-support-sessions.ts';
import * as m0012 from './migrations/0012-renewal.ts';
import * as m0013 from './migrations/0013-diamant-and-closure.ts';
import * as m0014 from './migrations/0014-archives-end.ts';
import * as m0015 from './migrations/0015-support-invoicing.ts';

/** Every migration, in order. Listed here rather than read from disk: the list is type-checked. */
const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-money': m0002,
  '0003-instances': m0003,
  '0004-usage': m0004,
  '0005-one-provisioning': m0005,
  '0006-trust-boundaries': m0006,
  '0007-money-never-lost': m0007,
  '0008-archives': m0008,
  '0009-support': m0009,
  '0010-plan-change': m0010,
  '0011-support-sessions': m0011,
  '0012-renewal': m0012,
  '0013-diamant-and-closure': m0013,
  '0014-archives-end': m0014,
  '0015-support-invoicing': m0015,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'ecrin_migrations', migrationLockTableName: 'ecrin_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
