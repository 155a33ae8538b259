import { sql, type Kysely } from 'kysely';

/**
 * Trust boundaries:
 * - sign-in throttling per (account, address), and when the holder was last told of failed sign-ins;
 * - links that confirm a new e-mail address (the person's or the organisation's) before it is used;
 * - e-mails holding a single-use link, whose stored copy loses the link once delivered;
 * - PayPal webhooks that fail verification, counted per day and reason instead of stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column signin_alert_at timestamptz`.execute(db);
  await sql`create index signin_attempts_key_ip_idx on signin_attempts (account_key, ip, at)`.execute(db);

  await sql`alter table user_tokens drop constraint user_tokens_purpose_check`.execute(db);
  await sql`alter table user_tokens add constraint user_tokens_purpose_check
    check (purpose in ('set_password', 'reset_password', 'operator_setup', 'confirm_email', 'confirm_org_email'))`.execute(db);
  // The address a confirmation link makes the account's (null for the other links).
  await sql`alter table user_tokens add column email text`.execute(db);
  await sql`alter table user_tokens add constraint user_tokens_email_check check ((purpose in ('confirm_email', 'confirm_org_email')) = (email is not null))`.execute(db);

  await sql`alter table mail_messages add column holds_link boolean not null default false`.execute(db);
  await sql`alter table mail_messages add column link_masked_at timestamptz`.execute(db);

  await sql`create table paypal_webhook_rejections (
    day date not null,
    reason text not null,
    count integer not null check (count > 0),
    last_at timestamptz not null,
    primary key (day, reason)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table paypal_webhook_rejections`.execute(db);
  await sql`alter table mail_messages drop column link_masked_at`.execute(db);
  await sql`alter table mail_messages drop column holds_link`.execute(db);
  await sql`alter table user_tokens drop constraint user_tokens_email_check`.execute(db);
  await sql`alter table user_tokens drop column email`.execute(db);
  await sql`alter table user_tokens drop constraint user_tokens_purpose_check`.execute(db);
  await sql`alter table user_tokens add constraint user_tokens_purpose_check check (purpose in ('set_password', 'reset_password', 'operator_setup'))`.execute(db);
  await sql`drop index signin_attempts_key_ip_idx`.execute(db);
  await sql`alter table users drop column signin_alert_at`.execute(db);
}
