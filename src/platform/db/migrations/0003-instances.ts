import { sql, type Kysely } from 'kysely';

/** Hosting instances and the actions run on them (provisioning, admin password, archives…). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instances')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('order_id', 'bigint', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('plan_code', 'text', (c) => c.notNull().references('plans.code'))
    .addColumn('flavour', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('creating', 'active', 'suspended', 'maintenance', 'deleted', 'failed')`))
    .addColumn('failure_reason', 'text')
    .addColumn('period_start', 'date')
    .addColumn('period_end', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('activated_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  await sql`create unique index instances_live_name_key on instances (lower(name)) where state <> 'deleted'`.execute(db);
  await sql`create index instances_user_idx on instances (user_id)`.execute(db);

  await db.schema
    .createTable('hosting_actions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('instance_id', 'bigint', (c) => c.notNull().references('instances.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('provision', 'set_password', 'archive', 'restore', 'delete_archive', 'import')`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('scheduled', 'running', 'done', 'failed')`))
    /** secrets of the action (e.g. a new password), AES-256-GCM; erased once applied */
    .addColumn('payload_enc', 'bytea')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('requested_by', 'bigint', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index hosting_actions_instance_idx on hosting_actions (instance_id, id desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hosting_actions').execute();
  await db.schema.dropTable('instances').execute();
}
