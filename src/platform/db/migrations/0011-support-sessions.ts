import { sql, type Kysely } from 'kysely';

/**
 * Accompaniment sessions: the planning of an accepted support quote. A session keeps one stable
 * calendar UID for its whole life; each change the participants are told of raises its SEQUENCE.
 * Its start is kept as the local date-time in its time zone (what was agreed: "10:00 in Paris"),
 * with the instant derived from it for ordering, overlaps and reminders.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table support_sessions (
    id serial primary key,
    uid text not null unique,
    quote_id integer not null references support_quotes (document_id),
    sequence integer not null default 0 check (sequence >= 0),
    state text not null check (state in ('planned', 'done', 'cancelled')),
    topic text not null default '',
    starts_local text not null check (starts_local ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$'),
    tz text not null default 'Europe/Paris',
    starts_at timestamptz not null,
    duration_minutes integer not null check (duration_minutes between 30 and 720),
    format text not null check (format in ('on_site', 'remote_presentation', 'remote_control')),
    details text not null,
    participants text[] not null check (cardinality(participants) between 1 and 20),
    hours_done numeric(6, 2) check (hours_done is null or hours_done >= 0),
    reminder_sent_at timestamptz,
    created_by integer references users (id),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check ((state = 'done') = (hours_done is not null))
  )`.execute(db);
  await sql`create index support_sessions_quote_idx on support_sessions (quote_id, starts_at)`.execute(db);
  await sql`create index support_sessions_start_idx on support_sessions (starts_at) where state = 'planned'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table support_sessions`.execute(db);
}
