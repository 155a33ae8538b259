import { sql, type Kysely } from 'kysely';

/**
 * Diamant, the plan sold on a custom quote: an order is first a request "à chiffrer" (status
 * `requested`, the customer's needs in words, the name already held), then the operator's quote
 * fixes its custom terms (limits and lines, kept with the order so that the renewal reuses them);
 * the instance made from it carries the custom limits, which override its plan's.
 *
 * Closing an account: the person's row stays (documents name it, the law keeps them ten years),
 * marked closed, its personal data replaced.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (status in ('draft', 'requested', 'validated', 'paid', 'expired', 'cancelled'))`.execute(db);
  await sql`alter table orders add column needs text check (needs is null or length(needs) <= 5000)`.execute(db);
  await sql`alter table orders add column custom_terms jsonb`.execute(db);
  await sql`alter table orders add column requested_at timestamptz`.execute(db);
  // A request holds its name while the operator writes its quote.
  await sql`drop index orders_live_name_key`.execute(db);
  await sql`create unique index orders_live_name_key on orders (lower(instance_name)) where status in ('requested', 'validated', 'paid') and kind = 'hosting'`.execute(db);
  await sql`alter table instances add column custom_limits jsonb`.execute(db);
  await sql`alter table users add column closed_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column closed_at`.execute(db);
  await sql`alter table instances drop column custom_limits`.execute(db);
  await sql`drop index orders_live_name_key`.execute(db);
  await sql`create unique index orders_live_name_key on orders (lower(instance_name)) where status in ('validated', 'paid') and kind = 'hosting'`.execute(db);
  await sql`alter table orders drop column requested_at`.execute(db);
  await sql`alter table orders drop column custom_terms`.execute(db);
  await sql`alter table orders drop column needs`.execute(db);
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (status in ('draft', 'validated', 'paid', 'expired', 'cancelled'))`.execute(db);
}
