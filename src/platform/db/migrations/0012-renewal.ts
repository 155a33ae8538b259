import { sql, type Kysely } from 'kysely';

/**
 * The hosting year runs by itself: an order of kind "renewal" names the instance and the period it
 * pays for (`renews_from`, `renews_to`); at most one live renewal per instance and period, so two
 * sweeps racing cannot issue two. Instances keep when they were suspended and when the retention
 * delay ran out (to be ended). The lifecycle module records each day's sweep and each notice sent
 * (one per instance, period and kind: a rerun never sends twice).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop constraint orders_kind_check`.execute(db);
  await sql`alter table orders add constraint orders_kind_check check (kind in ('hosting', 'upgrade', 'renewal'))`.execute(db);
  await sql`alter table orders drop constraint orders_upgrade_check`.execute(db);
  await sql`alter table orders add column renews_from date`.execute(db);
  await sql`alter table orders add column renews_to date`.execute(db);
  await sql`alter table orders add constraint orders_instance_check check ((kind = 'hosting') = (instance_id is null) and (kind = 'hosting') = (from_plan_code is null))`.execute(db);
  await sql`alter table orders add constraint orders_renewal_check check ((kind = 'renewal') = (renews_from is not null and renews_to is not null) and (renews_to is null or renews_to > renews_from))`.execute(db);
  await sql`create unique index orders_one_live_renewal on orders (instance_id, renews_from) where kind = 'renewal' and status in ('validated', 'paid')`.execute(db);
  await sql`create index orders_renewal_idx on orders (instance_id, renews_from, id) where kind = 'renewal'`.execute(db);

  await sql`alter table instances add column suspended_at timestamptz`.execute(db);
  await sql`alter table instances add column retention_over_at timestamptz`.execute(db);
  await sql`create index instances_period_end_idx on instances (period_end) where state <> 'deleted'`.execute(db);

  await db.schema
    .createTable('lifecycle_runs')
    .addColumn('day', 'date', (c) => c.primaryKey())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('summary', 'jsonb')
    .execute();
  await db.schema
    .createTable('lifecycle_notices')
    .addColumn('instance_id', 'bigint', (c) => c.notNull().references('instances.id'))
    .addColumn('period_end', 'date', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind ~ '^(renewal_issued|reminder_[0-9]{1,3}|grace|suspended|ended|retention_over)$'`))
    .addColumn('order_id', 'bigint', (c) => c.references('orders.id'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('lifecycle_notices_pkey', ['instance_id', 'period_end', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lifecycle_notices').execute();
  await db.schema.dropTable('lifecycle_runs').execute();
  await sql`drop index instances_period_end_idx`.execute(db);
  await sql`alter table instances drop column retention_over_at`.execute(db);
  await sql`alter table instances drop column suspended_at`.execute(db);
  await sql`drop index orders_renewal_idx`.execute(db);
  await sql`drop index orders_one_live_renewal`.execute(db);
  await sql`alter table orders drop constraint orders_renewal_check`.execute(db);
  await sql`alter table orders drop constraint orders_instance_check`.execute(db);
  await sql`alter table orders drop column renews_to`.execute(db);
  await sql`alter table orders drop column renews_from`.execute(db);
  await sql`alter table orders add constraint orders_upgrade_check check ((kind = 'upgrade') = (instance_id is not null and from_plan_code is not null))`.execute(db);
  await sql`alter table orders drop constraint orders_kind_check`.execute(db);
  await sql`alter table orders add constraint orders_kind_check check (kind in ('hosting', 'upgrade'))`.execute(db);
}
