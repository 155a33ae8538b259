import { sql, type Kysely } from 'kysely';

/**
 * Accompaniment invoicing: which invoices of the ledger belong to an accompaniment quote, and as
 * what — the deposit invoice ("facture d'acompte", issued when the deposit is received) or the
 * final invoice (issued when the operator closes the accompaniment). One of each per quote: the
 * unique key makes a double click or a retry issue nothing more.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table support_invoices (
    document_id integer primary key references documents (id),
    quote_id integer not null references support_quotes (document_id),
    kind text not null check (kind in ('deposit', 'final')),
    created_by integer references users (id),
    created_at timestamptz not null,
    unique (quote_id, kind)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table support_invoices`.execute(db);
}
