import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/platform/db/database.ts';

/**
 * The suite runs twice: on PGlite (TEST_DB=pglite, the default) and on a PostgreSQL server
 * (TEST_DB=postgres, TEST_DATABASE_URL). Each test file gets a database of its own, new and empty.
 */
export type Backend = 'pglite' | 'postgres';

export function testBackend(): Backend {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export function adminUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  target: DatabaseTarget;
  /** a postgres:// URL for the database, when on PostgreSQL (for child processes) */
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testBackend() === 'pglite') {
    return { target: { kind: 'pglite', dataDir: null }, url: null, drop: async () => {} };
  }
  const name = `ecrin_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    target: { kind: 'postgres', url: url.toString(), poolSize: 5 },
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
