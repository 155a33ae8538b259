import { sql, type Kysely } from 'kysely';

/**
 * Accompaniment: the requests of the "Demande information" form (a visitor's or a signed-in
 * customer's, then linked to the account) and the quotes that answer them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table support_requests (
    id serial primary key,
    user_id integer references users (id),
    subject text not null check (subject in ('support', 'hosting', 'diamant', 'other')),
    organisation text not null,
    contact text not null,
    email text not null,
    phone text not null default '',
    instance_name text not null default '',
    difficulties text not null,
    expectations text not null,
    format text not null check (format in ('on_site', 'remote_presentation', 'remote_control')),
    availability text not null default '',
    ip text,
    created_at timestamptz not null
  )`.execute(db);
  await sql`create index support_requests_user_idx on support_requests (user_id, created_at)`.execute(db);
  await sql`create index support_requests_created_idx on support_requests (created_at)`.execute(db);
  // The quotes answering a request (documents of billing's ledger); a revision replaces the previous one.
  await sql`create table support_quotes (
    document_id integer primary key references documents (id),
    request_id integer not null references support_requests (id),
    replaces_document_id integer unique references support_quotes (document_id),
    hours numeric(8, 2) not null check (hours > 0),
    invoicing text not null check (invoicing in ('deposit', 'completion')),
    deposit_percent integer not null default 0 check (deposit_percent between 0 and 100),
    created_at timestamptz not null
  )`.execute(db);
  await sql`create index support_quotes_request_idx on support_quotes (request_id)`.execute(db);
  // Billing's: a customer's answer to a quote of no order ("Bon pour accord" or a refusal), once.
  await sql`create table quote_decisions (
    quote_id integer primary key references documents (id),
    decision text not null check (decision in ('accepted', 'refused')),
    user_id integer not null references users (id),
    signer_name text not null,
    message text not null default '',
    ip text,
    decided_at timestamptz not null
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table quote_decisions`.execute(db);
  await sql`drop table support_quotes`.execute(db);
  await sql`drop table support_requests`.execute(db);
}
