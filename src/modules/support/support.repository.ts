import type { Insertable, Kysely } from 'kysely';
import type { DB, SupportInvoicesTable, SupportQuote, SupportQuotesTable, SupportRequest, SupportRequestsTable } from '../../platform/db/schema.ts';

/** The SQL of accompaniment requests; private to the support module. */
export class SupportRepository {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async insert(trx: Kysely<DB>, row: Insertable<SupportRequestsTable>): Promise<number> {
    const r = await trx.insertInto('support_requests').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  list(opts: { limit: number; offset: number }): Promise<SupportRequest[]> {
    return this.#db.selectFrom('support_requests').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute();
  }

  async count(): Promise<number> {
    const r = await this.#db.selectFrom('support_requests').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  get(id: number, db: Kysely<DB> = this.#db): Promise<SupportRequest | undefined> {
    return db.selectFrom('support_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForUser(userId: number): Promise<SupportRequest[]> {
    return this.#db.selectFrom('support_requests').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  }

  /** A closed account's requests: who wrote them is erased, what was asked stays (quotes refer to it). */
  async eraseContactOf(trx: Kysely<DB>, userId: number): Promise<void> {
    await trx.updateTable('support_requests').set({ organisation: 'Organisation (compte clôturé)', contact: 'Compte clôturé', email: '', phone: '', ip: null }).where('user_id', '=', userId).execute();
  }

  async insertQuote(trx: Kysely<DB>, row: Insertable<SupportQuotesTable>): Promise<void> {
    await trx.insertInto('support_quotes').values(row).execute();
  }

  /** The quotes of a request, newest first, with their numbers and whether a later one replaced them. */
  quotesOf(requestId: number, db: Kysely<DB> = this.#db) {
    return db
      .selectFrom('support_quotes as q')
      .innerJoin('documents as d', 'd.id', 'q.document_id')
      .leftJoin('support_quotes as r', 'r.replaces_document_id', 'q.document_id')
      .leftJoin('documents as rd', 'rd.id', 'r.document_id')
      .select(['q.document_id', 'q.request_id', 'q.replaces_document_id', 'q.hours', 'q.invoicing', 'q.deposit_percent', 'd.number', 'd.gross_cents', 'd.valid_until', 'd.issue_date', 'rd.number as replaced_by_number'])
      .where('q.request_id', '=', requestId)
      .orderBy('q.document_id', 'desc')
      .execute();
  }

  quote(documentId: number, db: Kysely<DB> = this.#db): Promise<SupportQuote | undefined> {
    return db.selectFrom('support_quotes').selectAll().where('document_id', '=', documentId).executeTakeFirst();
  }

  /** Whether a customer has had an accompaniment quote (then "Vos séances" is on their menu). */
  async hasQuotes(userId: number): Promise<boolean> {
    const r = await this.#db.selectFrom('support_quotes as q').innerJoin('documents as d', 'd.id', 'q.document_id').select('q.document_id').where('d.user_id', '=', userId).limit(1).executeTakeFirst();
    return r !== undefined;
  }

  /** A customer's accompaniment quotes, newest first. */
  quotesOfUser(userId: number) {
    return this.#db
      .selectFrom('support_quotes as q')
      .innerJoin('documents as d', 'd.id', 'q.document_id')
      .select(['q.document_id', 'q.request_id', 'q.hours', 'd.number'])
      .where('d.user_id', '=', userId)
      .orderBy('q.document_id', 'desc')
      .execute();
  }

  /** The quote's row, locked until the caller's transaction ends: its invoicing happens once at a time. */
  lockQuote(trx: Kysely<DB>, documentId: number): Promise<SupportQuote | undefined> {
    return trx.selectFrom('support_quotes').selectAll().where('document_id', '=', documentId).forUpdate().executeTakeFirst();
  }

  async insertInvoice(trx: Kysely<DB>, row: Insertable<SupportInvoicesTable>): Promise<void> {
    await trx.insertInto('support_invoices').values(row).execute();
  }

  /** The invoices of accompaniment quotes (deposit, final), oldest first, with their documents' figures. */
  invoicesOf(quoteIds: readonly number[], db: Kysely<DB> = this.#db) {
    if (quoteIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('support_invoices as i')
      .innerJoin('documents as d', 'd.id', 'i.document_id')
      .select(['i.document_id', 'i.quote_id', 'i.kind', 'd.number', 'd.issue_date', 'd.gross_cents', 'd.due_date'])
      .where('i.quote_id', 'in', [...quoteIds])
      .orderBy('i.document_id')
      .execute();
  }

  /** The accompaniment invoice a document is, if it is one. */
  invoiceByDocument(documentId: number, db: Kysely<DB> = this.#db) {
    return db.selectFrom('support_invoices').selectAll().where('document_id', '=', documentId).executeTakeFirst();
  }
}
