import { sql, type Kysely } from 'kysely';

/** Usage of instances (traffic, sessions, disk) and their availability probes. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instance_usage_daily')
    .addColumn('instance_id', 'bigint', (c) => c.notNull().references('instances.id'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('bytes_in', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes_out', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('peak_sessions', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('instance_usage_daily_pkey', ['instance_id', 'day'])
    .execute();
  await db.schema
    .createTable('instance_probes')
    .addColumn('instance_id', 'bigint', (c) => c.notNull().references('instances.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('ok', 'boolean', (c) => c.notNull())
    .execute();
  await sql`create index instance_probes_idx on instance_probes (instance_id, at desc)`.execute(db);
  await db.schema
    .alterTable('instances')
    .addColumn('disk_bytes', 'bigint')
    .addColumn('disk_measured_at', 'timestamptz')
    .addColumn('storage_warned_at', 'timestamptz')
    .addColumn('failed_probes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('down_since', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('instance_probes').execute();
  await db.schema.dropTable('instance_usage_daily').execute();
  for (const c of ['disk_bytes', 'disk_measured_at', 'storage_warned_at', 'failed_probes', 'down_since']) {
    await db.schema.alterTable('instances').dropColumn(c).execute();
  }
}
