import { sql, type Kysely } from 'kysely';

/**
 * Ending an instance: its hosting order becomes "ended" (it no longer holds the name, which
 * released_instance_names keeps out of reach for the quarantine), and the instance, once
 * destroyed, says why it ended. Its final archive is an archive of origin "final" (0008).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (status in ('draft', 'requested', 'validated', 'paid', 'expired', 'cancelled', 'ended'))`.execute(db);
  await sql`alter table instances add column end_reason text check (end_reason in ('unpaid', 'customer', 'account_closed'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table instances drop column end_reason`.execute(db);
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (status in ('draft', 'requested', 'validated', 'paid', 'expired', 'cancelled'))`.execute(db);
}
