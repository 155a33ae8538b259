import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, DocumentRow, QuoteDecisionsTable } from '../../platform/db/schema.ts';

/** Reads of documents with their derived state (documents themselves never change). */
export class BillingRepository {
  readonly db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  /** Documents with their state as of `today`; a quote is paid when an invoice settles it. */
  listDocuments(opts: { userId?: number; kind?: string; q?: string; limit: number; offset: number; today: string }) {
    let q = this.db
      .selectFrom('documents as d')
      .leftJoin('users as u', 'u.id', 'd.user_id')
      .select([
        'd.id',
        'd.kind',
        'd.number',
        'd.issue_date',
        'd.valid_until',
        'd.due_date',
        'd.gross_cents',
        'd.net_cents',
        'd.order_id',
        'd.user_id',
        'd.related_document_id',
        'd.payment_reference',
        'u.alias as user_alias',
        sql<string | null>`(select number from documents r where r.id = d.related_document_id)`.as('related_number'),
        sql<string | null>`(select i.number from documents i where i.related_document_id = d.id and i.kind = 'invoice' limit 1)`.as('invoice_number'),
        sql<number>`coalesce((select t.paid_cents from quote_paid_totals t where t.quote_id = d.id), 0)`.as('paid_cents'),
        sql<boolean>`exists (select 1 from quote_cancellations c where c.quote_id = d.id)`.as('cancelled'),
        sql<number | null>`case when d.kind = 'invoice' and d.content->>'paid' is null then d.gross_cents - coalesce((d.content->'deposit'->>'amountCents')::bigint, 0) end`.as('amount_due_cents'),
        sql<'deposit' | 'final' | null>`d.content->>'invoiceType'`.as('invoice_type'),
        sql<'accepted' | 'refused' | null>`(select qd.decision from quote_decisions qd where qd.quote_id = d.id)`.as('decision'),
        sql<number>`count(*) over ()`.as('total'),
      ])
      .orderBy('d.id', 'desc')
      .limit(opts.limit)
      .offset(opts.offset);
    if (opts.userId !== undefined) q = q.where('d.user_id', '=', opts.userId);
    if (opts.kind) q = q.where('d.kind', '=', opts.kind as 'quote');
    if (opts.q) {
      const like = `%${opts.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      q = q.where((eb) => eb.or([eb('d.number', 'ilike', like), eb('u.alias', 'ilike', like)]));
    }
    return q.execute();
  }

  findDocument(where: { id?: number; number?: string }) {
    let q = this.db.selectFrom('documents').selectAll();
    if (where.id !== undefined) q = q.where('id', '=', where.id);
    if (where.number !== undefined) q = q.where('number', '=', where.number);
    return q.executeTakeFirst();
  }

  /** A quote's invoice; an accompaniment quote can have two (deposit, then final): the first one. */
  invoiceForQuote(quoteId: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('documents').selectAll().where('related_document_id', '=', quoteId).where('kind', '=', 'invoice').orderBy('id').limit(1).executeTakeFirst();
  }

  /** What a document has received (payments in force), in cents. */
  async paidTotal(documentId: number, db: Kysely<DB> = this.db): Promise<number> {
    const row = await db.selectFrom('quote_paid_totals').select('paid_cents').where('quote_id', '=', documentId).executeTakeFirst();
    return Number(row?.paid_cents ?? 0);
  }

  creditNotesFor(invoiceId: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('documents').selectAll().where('related_document_id', '=', invoiceId).where('kind', '=', 'credit_note').orderBy('id').execute();
  }

  decisionOf(quoteId: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('quote_decisions').selectAll().where('quote_id', '=', quoteId).executeTakeFirst();
  }

  /** False when the quote already has its answer (the first one stands). */
  async insertDecision(db: Kysely<DB>, row: Insertable<QuoteDecisionsTable>): Promise<boolean> {
    const r = await db.insertInto('quote_decisions').values(row).onConflict((oc) => oc.doNothing()).returning('quote_id').executeTakeFirst();
    return r !== undefined;
  }

  async isCancelled(quoteId: number, db: Kysely<DB> = this.db): Promise<boolean> {
    return (await db.selectFrom('quote_cancellations').select('quote_id').where('quote_id', '=', quoteId).executeTakeFirst()) !== undefined;
  }

  async cancelQuote(db: Kysely<DB>, quoteId: number, by: number | null, reason: string, now: Date): Promise<void> {
    await db.insertInto('quote_cancellations').values({ quote_id: quoteId, cancelled_at: now, cancelled_by: by, reason }).onConflict((oc) => oc.doNothing()).execute();
  }

  /** For each of these orders, the number of its latest quote (reissues make several). */
  async latestQuoteNumbers(orderIds: readonly number[]): Promise<Map<number, string>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('documents')
      .select(['order_id', 'number'])
      .where('kind', '=', 'quote')
      .where('id', 'in', (eb) => eb.selectFrom('documents as l').select((e) => e.fn.max('l.id').as('m')).where('l.kind', '=', 'quote').where('l.order_id', 'in', [...new Set(orderIds)]).groupBy('l.order_id'))
      .execute();
    return new Map(rows.flatMap((r) => (r.order_id === null ? [] : [[r.order_id, r.number] as const])));
  }

  /** The latest quote of each order given, in one query. */
  async latestQuotesForOrders(orderIds: readonly number[], db: Kysely<DB> = this.db): Promise<Map<number, DocumentRow>> {
    if (orderIds.length === 0) return new Map();
    const rows = await db.selectFrom('documents').selectAll().distinctOn('order_id').where('order_id', 'in', [...new Set(orderIds)]).where('kind', '=', 'quote').orderBy('order_id').orderBy('id', 'desc').execute();
    return new Map(rows.map((r) => [Number(r.order_id), r]));
  }

  async latestQuoteValidities(orderIds: readonly number[]): Promise<Map<number, string>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('documents').select(['order_id', 'valid_until']).distinctOn('order_id').where('order_id', 'in', [...new Set(orderIds)]).where('kind', '=', 'quote').orderBy('order_id').orderBy('id', 'desc').execute();
    return new Map(rows.filter((r) => r.valid_until !== null).map((r) => [Number(r.order_id), String(r.valid_until)]));
  }

  latestQuoteForOrder(orderId: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('documents').selectAll().where('order_id', '=', orderId).where('kind', '=', 'quote').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** The issue date of an order's first quote: no money for the order can have been received before it. */
  async firstQuoteDate(orderId: number, db: Kysely<DB> = this.db): Promise<string | null> {
    const row = await db.selectFrom('documents').select('issue_date').where('order_id', '=', orderId).where('kind', '=', 'quote').orderBy('id').limit(1).executeTakeFirst();
    return row ? String(row.issue_date) : null;
  }
}
