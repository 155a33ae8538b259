import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { postgresListen, type Listen } from './listen.ts';
import type { DB } from './schema.ts';

// int8 (bigint, count(*)) comes back as a string through pg; our counts and ids fit in a JS number.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));
// `date` columns are calendar dates (service periods in Europe/Paris): keep them as 'YYYY-MM-DD'.
pg.types.setTypeParser(1082, (value) => value);

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | null }
  | { kind: 'postgres'; url: string; poolSize?: number };

/**
 * One connection pool shared by Kysely and pg-boss. On PGlite the pool holds its single connection,
 * so a transaction held by Kysely and a job query from pg-boss can never interleave on it.
 * Rule that follows: inside a transaction, enqueue through the transaction (`fromKysely(trx)`),
 * never through the pool, or the call waits for the connection the transaction holds.
 */
export interface Database {
  readonly kind: DatabaseTarget['kind'];
  readonly db: Kysely<DB>;
  readonly pool: pg.Pool;
  /** LISTEN/NOTIFY, for the job queue to start jobs as soon as they are committed */
  readonly listen: Listen;
  close(): Promise<void>;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  switch (target.kind) {
    case 'pglite': {
      if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
      const pglite = await PGlite.create(target.dataDir ?? 'memory://');
      // A query waiting for the connection a transaction of the same flow holds would wait forever:
      // the timeout turns that programming error into a loud one.
      const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0, connectionTimeoutMillis: 30_000 });
      const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
      return {
        kind: 'pglite',
        db,
        pool,
        // In-process: the same PGlite that runs a NOTIFY (through the pool) calls its listeners.
        async listen(channel, onNotification, onReconnect) {
          const unsubscribe = await pglite.listen(channel, onNotification);
          onReconnect();
          return { close: () => unsubscribe() };
        },
        async close() {
          await db.destroy();
          await pglite.close();
        },
      };
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
      pool.on('error', () => {
        // An idle client lost its server (restart, network): the pool replaces it on the next query.
      });
      const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
      return {
        kind: 'postgres',
        db,
        pool,
        listen: postgresListen(target.url),
        async close() {
          await db.destroy();
        },
      };
    }
    default: {
      const never: never = target;
      throw new Error(`unknown database target ${String(never)}`);
    }
  }
}

/** Readiness: the database answers a trivial query. */
export function databaseReachable(db: Kysely<DB>): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}
