import { sql, type Kysely } from 'kysely';

/**
 * Money never lost:
 * - a payment carried from a quote that was replaced keeps the quote it was received against;
 * - a recorded payment can be cancelled with a reason (kept, never deleted) — the same transfer can
 *   then be recorded again, so the "same payment twice" index counts only payments in force;
 * - what a quote has received is computed in one place, the `quote_paid_totals` view;
 * - an order lapsed while partly paid is not expired: the operator is told once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table payments add column carried_from_quote_id bigint references documents(id)`.execute(db);
  await sql`alter table payments add column cancelled_at timestamptz`.execute(db);
  await sql`alter table payments add column cancelled_by bigint references users(id)`.execute(db);
  await sql`alter table payments add column cancel_reason text`.execute(db);
  await sql`alter table payments add constraint payments_cancel_check check ((cancelled_at is null) = (cancel_reason is null))`.execute(db);
  await sql`create index payments_carried_idx on payments (carried_from_quote_id) where carried_from_quote_id is not null`.execute(db);
  await sql`drop index payments_same_key`.execute(db);
  await sql`create unique index payments_same_key on payments (quote_id, method, received_on, amount_cents, lower(reference)) where method <> 'paypal' and cancelled_at is null`.execute(db);
  await sql`create view quote_paid_totals as
    select quote_id, sum(amount_cents)::bigint as paid_cents
    from payments where cancelled_at is null and currency = 'EUR'
    group by quote_id`.execute(db);
  await sql`alter table orders add column partly_paid_alert_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table orders drop column partly_paid_alert_at`.execute(db);
  await sql`drop view quote_paid_totals`.execute(db);
  await sql`drop index payments_same_key`.execute(db);
  await sql`create unique index payments_same_key on payments (quote_id, method, received_on, amount_cents, lower(reference)) where method <> 'paypal'`.execute(db);
  await sql`drop index payments_carried_idx`.execute(db);
  await sql`alter table payments drop constraint payments_cancel_check`.execute(db);
  await sql`alter table payments drop column cancel_reason`.execute(db);
  await sql`alter table payments drop column cancelled_by`.execute(db);
  await sql`alter table payments drop column cancelled_at`.execute(db);
  await sql`alter table payments drop column carried_from_quote_id`.execute(db);
}
