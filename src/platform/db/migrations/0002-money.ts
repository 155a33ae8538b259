import { sql, type Kysely } from 'kysely';

/** Orders, billing documents (quotes, invoices, credit notes) with their ledger, payments, PayPal. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table mail_messages add column attachments jsonb not null default '[]'::jsonb`.execute(db);

  await db.schema
    .createTable('orders')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('organisation_id', 'bigint', (c) => c.notNull().references('organisations.id'))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('hosting').check(sql`kind in ('hosting')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'validated', 'paid', 'expired', 'cancelled')`))
    .addColumn('instance_name', 'text', (c) => c.notNull())
    .addColumn('plan_code', 'text', (c) => c.notNull().references('plans.code'))
    .addColumn('flavour', 'text', (c) => c.notNull().check(sql`flavour in ('diacamma.asso', 'diacamma.syndic')`))
    .addColumn('admin_password_enc', 'bytea')
    .addColumn('payment_method', 'text', (c) => c.notNull().check(sql`payment_method in ('transfer', 'cheque', 'paypal')`))
    .addColumn('terms_version', 'integer', (c) => c.references('terms_versions.version'))
    .addColumn('terms_accepted_at', 'timestamptz')
    .addColumn('terms_accepted_ip', 'text')
    .addColumn('terms_accepted_by', 'bigint', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('validated_at', 'timestamptz')
    .addColumn('paid_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    .execute();
  // A name is held by an order from its validation until it lapses: the database settles races.
  await sql`create unique index orders_live_name_key on orders (lower(instance_name)) where status in ('validated', 'paid')`.execute(db);
  await sql`create index orders_user_idx on orders (user_id, id desc)`.execute(db);

  await db.schema
    .createTable('released_instance_names')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('released_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('document_counters')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last_number', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_counters_pkey', ['kind', 'year'])
    .execute();

  await db.schema
    .createTable('ledger_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('last_document_id', 'bigint')
    .addColumn('chain_sha256', 'bytea', (c) => c.notNull())
    .execute();
  await sql`insert into ledger_head (id, last_document_id, chain_sha256) values (1, null, decode(repeat('00', 32), 'hex'))`.execute(db);

  await db.schema
    .createTable('documents')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('quote', 'invoice', 'credit_note')`))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('order_id', 'bigint', (c) => c.references('orders.id'))
    .addColumn('user_id', 'bigint', (c) => c.references('users.id'))
    .addColumn('related_document_id', 'bigint', (c) => c.references('documents.id'))
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('issue_date', 'date', (c) => c.notNull())
    .addColumn('valid_until', 'date')
    .addColumn('due_date', 'date')
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('EUR'))
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addColumn('vat_cents', 'bigint', (c) => c.notNull())
    .addColumn('gross_cents', 'bigint', (c) => c.notNull())
    .addColumn('payment_reference', 'text', (c) => c.notNull())
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('content_sha256', 'bytea', (c) => c.notNull())
    .addColumn('prev_chain_sha256', 'bytea', (c) => c.notNull())
    .addColumn('chain_sha256', 'bytea', (c) => c.notNull().unique())
    .addUniqueConstraint('documents_kind_year_seq_key', ['kind', 'year', 'seq'])
    .execute();
  await sql`create index documents_user_idx on documents (user_id, id desc)`.execute(db);
  await sql`create index documents_order_idx on documents (order_id)`.execute(db);
  await sql`create index documents_related_idx on documents (related_document_id)`.execute(db);

  await db.schema
    .createTable('document_files')
    .addColumn('document_id', 'bigint', (c) => c.primaryKey().references('documents.id'))
    .addColumn('pdf', 'bytea', (c) => c.notNull())
    .addColumn('pdf_sha256', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Issued documents and their PDFs are never changed or deleted: a correction is a credit note.
  await sql`
    create function ecrin_issued_immutable() returns trigger language plpgsql as $$
    begin
      raise exception '% rows are immutable once issued', tg_table_name using errcode = 'P0001';
    end $$`.execute(db);
  for (const table of ['documents', 'document_files']) {
    await sql`create trigger ${sql.raw(`${table}_immutable`)} before update or delete on ${sql.table(table)}
              for each row execute function ecrin_issued_immutable()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
              for each statement execute function ecrin_issued_immutable()`.execute(db);
  }

  await db.schema
    .createTable('quote_cancellations')
    .addColumn('quote_id', 'bigint', (c) => c.primaryKey().references('documents.id'))
    .addColumn('cancelled_at', 'timestamptz', (c) => c.notNull())
    .addColumn('cancelled_by', 'bigint', (c) => c.references('users.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('quote_id', 'bigint', (c) => c.notNull().references('documents.id'))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('transfer', 'cheque', 'paypal')`))
    .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('EUR'))
    .addColumn('received_on', 'date', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('bank', 'text')
    .addColumn('paypal_capture_id', 'text', (c) => c.unique())
    .addColumn('recorded_by', 'bigint', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // The same transfer or cheque recorded twice is refused by the database.
  await sql`create unique index payments_same_key on payments (quote_id, method, received_on, amount_cents, lower(reference)) where method <> 'paypal'`.execute(db);
  await sql`create index payments_quote_idx on payments (quote_id)`.execute(db);

  await db.schema
    .createTable('paypal_orders')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('quote_id', 'bigint', (c) => c.notNull().references('documents.id'))
    .addColumn('paypal_order_id', 'text', (c) => c.notNull().unique())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('approve_url', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index paypal_orders_quote_idx on paypal_orders (quote_id)`.execute(db);

  await db.schema
    .createTable('paypal_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('event_type', 'text')
    .addColumn('raw_body', 'text', (c) => c.notNull())
    .addColumn('headers', 'jsonb', (c) => c.notNull())
    .addColumn('verified', 'boolean', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .execute();
  await sql`create index paypal_events_event_idx on paypal_events (event_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['paypal_events', 'paypal_orders', 'payments', 'quote_cancellations', 'document_files', 'documents', 'ledger_head', 'document_counters', 'released_instance_names', 'orders']) {
    await db.schema.dropTable(t).execute();
  }
  await sql`drop function if exists ecrin_issued_immutable()`.execute(db);
  await sql`alter table mail_messages drop column attachments`.execute(db);
}
