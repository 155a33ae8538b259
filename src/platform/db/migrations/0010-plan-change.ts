import { sql, type Kysely } from 'kysely';

/**
 * Plan changes during the hosting year: an order of kind "upgrade" names the instance it changes and
 * the plan it leaves; it reserves no instance name (the name is the instance's), and an instance has
 * at most one plan change awaiting payment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop constraint orders_kind_check`.execute(db);
  await sql`alter table orders add constraint orders_kind_check check (kind in ('hosting', 'upgrade'))`.execute(db);
  await sql`alter table orders add column instance_id bigint references instances(id)`.execute(db);
  await sql`alter table orders add column from_plan_code text references plans(code)`.execute(db);
  await sql`alter table orders add constraint orders_upgrade_check check ((kind = 'upgrade') = (instance_id is not null and from_plan_code is not null))`.execute(db);
  await sql`drop index orders_live_name_key`.execute(db);
  await sql`create unique index orders_live_name_key on orders (lower(instance_name)) where status in ('validated', 'paid') and kind = 'hosting'`.execute(db);
  await sql`create unique index orders_one_open_upgrade on orders (instance_id) where kind = 'upgrade' and status = 'validated'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index orders_one_open_upgrade`.execute(db);
  await sql`drop index orders_live_name_key`.execute(db);
  await sql`create unique index orders_live_name_key on orders (lower(instance_name)) where status in ('validated', 'paid')`.execute(db);
  await sql`alter table orders drop constraint orders_upgrade_check`.execute(db);
  await sql`alter table orders drop column from_plan_code`.execute(db);
  await sql`alter table orders drop column instance_id`.execute(db);
  await sql`alter table orders drop constraint orders_kind_check`.execute(db);
  await sql`alter table orders add constraint orders_kind_check check (kind in ('hosting'))`.execute(db);
}
