import { sql, type Kysely } from 'kysely';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { DB, DocumentRow } from '../../platform/db/schema.ts';
import { parisDate, parisYear } from '../../platform/dates.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import type { BillingDocument, DocumentKind } from './document.types.ts';

export type DocumentRenderer = (doc: BillingDocument) => Promise<Buffer>;

export interface IssueRequest {
  kind: DocumentKind;
  orderId: number | null;
  userId: number | null;
  relatedDocumentId: number | null;
  issuedAt: Date;
  /** builds the document once its number is known */
  build(number: string, issueDate: string): BillingDocument;
}

export interface LedgerOptions {
  /** the time a PDF is stored at */
  clock?: Clock;
}

export const GENESIS: Buffer = Buffer.alloc(32);

export function formatNumber(prefix: string, year: number, seq: number): string {
  return `${prefix}-${year}-${String(seq).padStart(4, '0')}`;
}

/**
 * The ledger of issued documents. Issuing happens inside the caller's transaction and holds the
 * ledger head's row lock until commit, so numbers are allocated in order with no gap (a rolled-back
 * transaction gives its number back), and each document's hash chains to the one before.
 *
 * What is fixed at issue is the content (`documents.content`, its hash, the chain). The PDF is a
 * deterministic rendering of that content (dates inside it come from the content), so it is not
 * rendered under the ledger's lock: the job `billing.render-pdfs` renders the documents issued since
 * its last run (`renderPending`, every minute), and any reader that comes first (download, mail
 * attachment, export) renders it then. It is stored once (`document_files`, immutable like the
 * documents): whoever stores it first, every later read returns those bytes.
 */
export class Ledger {
  readonly #db: Kysely<DB>;
  readonly #render: DocumentRenderer;
  readonly #settings: SettingsService;
  readonly #clock: Clock;
  /** first reads of a PDF under way in this process: one rendering each */
  readonly #rendering = new Map<number, Promise<Buffer | null>>();
  /** every document up to this id has its PDF stored (as far as this process knows) */
  #renderedUpTo = 0;

  constructor(db: Kysely<DB>, render: DocumentRenderer, settings: SettingsService, opts: LedgerOptions = {}) {
    this.#db = db;
    this.#render = render;
    this.#settings = settings;
    this.#clock = opts.clock ?? systemClock;
  }

  async issue(trx: Kysely<DB>, req: IssueRequest): Promise<DocumentRow> {
    const head = await sql<{ chain_sha256: Buffer }>`select chain_sha256 from ledger_head where id = 1 for update`.execute(trx);
    const prev = head.rows[0]!.chain_sha256;
    const year = parisYear(req.issuedAt);
    const counter = await sql<{ last_number: number }>`
      insert into document_counters (kind, year, last_number) values (${req.kind}, ${year}, 1)
      on conflict (kind, year) do update set last_number = document_counters.last_number + 1
      returning last_number`.execute(trx);
    const seq = counter.rows[0]!.last_number;
    const prefixes = (await this.#settings.billing(trx)).prefixes;
    const number = formatNumber(prefixes[req.kind], year, seq);
    const issueDate = parisDate(req.issuedAt);
    // A JSON round trip first: what is hashed is exactly what the jsonb column gives back.
    const doc = JSON.parse(JSON.stringify(req.build(number, issueDate))) as BillingDocument;
    if (doc.number !== number || doc.kind !== req.kind) throw new Error('document built with another number or kind');
    const contentHash = sha256(canonicalJson(doc));
    const chain = sha256(prev, contentHash);
    const row = await trx
      .insertInto('documents')
      .values({
        kind: req.kind,
        number,
        year,
        seq,
        order_id: req.orderId,
        user_id: req.userId,
        related_document_id: req.relatedDocumentId,
        issued_at: req.issuedAt,
        issue_date: issueDate,
        valid_until: doc.validUntil ?? null,
        due_date: doc.dueDate ?? null,
        net_cents: doc.totals.netCents,
        vat_cents: doc.totals.vatCents,
        gross_cents: doc.totals.grossCents,
        payment_reference: doc.paymentReference,
        content: JSON.stringify(doc),
        content_sha256: contentHash,
        prev_chain_sha256: prev,
        chain_sha256: chain,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.updateTable('ledger_head').set({ last_document_id: row.id, chain_sha256: chain }).where('id', '=', 1).execute();
    return row;
  }

  /**
   * The PDF of an issued document, as stored; rendered from its content and stored first when it
   * was not yet. Null when there is no such document (or it is not committed yet).
   */
  pdf(documentId: number): Promise<Buffer | null> {
    const running = this.#rendering.get(documentId);
    if (running) return running;
    const read = this.#readOrRender(documentId).finally(() => this.#rendering.delete(documentId));
    this.#rendering.set(documentId, read);
    return read;
  }

  async #stored(documentId: number): Promise<Buffer | null> {
    const row = await this.#db.selectFrom('document_files').select('pdf').where('document_id', '=', documentId).executeTakeFirst();
    return row?.pdf ?? null;
  }

  async #readOrRender(documentId: number): Promise<Buffer | null> {
    const stored = await this.#stored(documentId);
    if (stored) return stored;
    const doc = await this.#db.selectFrom('documents').select(['id', 'number', 'content', 'content_sha256']).where('id', '=', documentId).executeTakeFirst();
    if (!doc) return null;
    const content = doc.content as BillingDocument;
    // Only the content as issued is ever rendered: one altered behind the triggers' back is refused.
    if (!sha256(canonicalJson(content)).equals(doc.content_sha256)) throw new Error(`document ${doc.number}: content does not match its hash, no PDF rendered`);
    const pdf = await this.#render(content);
    // Another process may store it at the same moment: the first one stored is the PDF, for good.
    await this.#db
      .insertInto('document_files')
      .values({ document_id: doc.id, pdf, pdf_sha256: sha256(pdf), created_at: this.#clock.now() })
      .onConflict((oc) => oc.column('document_id').doNothing())
      .execute();
    return (await this.#stored(doc.id))!;
  }

  /**
   * Renders and stores every PDF not rendered yet, oldest first (the job `billing.render-pdfs`).
   * Documents are numbered under the ledger's lock, so every id up to the ledger head's is committed:
   * the scan starts after the last id this process found done, and a document that could not be
   * rendered is tried again at the next run.
   */
  async renderPending(): Promise<{ rendered: number; failed: { number: string; error: string }[] }> {
    const head = Number((await this.#db.selectFrom('ledger_head').select('last_document_id').where('id', '=', 1).executeTakeFirst())?.last_document_id ?? 0);
    const failed: { id: number; number: string; error: string }[] = [];
    let rendered = 0;
    for (let after = this.#renderedUpTo; after < head; ) {
      const rows = await this.#db
        .selectFrom('documents as d')
        .leftJoin('document_files as f', 'f.document_id', 'd.id')
        .select(['d.id', 'd.number'])
        .where('d.id', '>', after)
        .where('d.id', '<=', head)
        .where('f.document_id', 'is', null)
        .orderBy('d.id')
        .limit(100)
        .execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        try {
          await this.pdf(Number(r.id));
          rendered++;
        } catch (err) {
          failed.push({ id: Number(r.id), number: r.number, error: err instanceof Error ? err.message : String(err) });
        }
      }
      after = Number(rows[rows.length - 1]!.id);
    }
    this.#renderedUpTo = failed.length > 0 ? Math.max(this.#renderedUpTo, failed[0]!.id - 1) : Math.max(this.#renderedUpTo, head);
    return { rendered, failed: failed.map(({ number, error }) => ({ number, error })) };
  }

  /**
   * `ecrin ledger verify`: every document's hash, the chain from the first to the head, numbering
   * without gap per kind and year, each stored PDF against its hash and, re-rendered, against its bytes.
   * A PDF not rendered yet (the job's next run not come) is rendered and stored now (`rendered`), from its
   * verified content; one that cannot be is a problem.
   */
  async verify(opts: { rerender?: boolean } = {}): Promise<{ documents: number; problems: string[]; rendered: number }> {
    const problems: string[] = [];
    let prev: Buffer = GENESIS;
    let count = 0;
    let rendered = 0;
    let lastId: number | null = null;
    const seqs = new Map<string, number>();
    const pageSize = 500;
    for (let after = 0; ; ) {
      const rows = await this.#db
        .selectFrom('documents')
        .leftJoin('document_files', 'document_files.document_id', 'documents.id')
        .selectAll('documents')
        .select(['document_files.pdf', 'document_files.pdf_sha256'])
        .where('documents.id', '>', after)
        .orderBy('documents.id')
        .limit(pageSize)
        .execute();
      for (const r of rows) {
        count++;
        lastId = r.id;
        const doc = r.content as BillingDocument;
        const contentHash = sha256(canonicalJson(doc));
        if (!contentHash.equals(r.content_sha256)) problems.push(`${r.number}: content does not match its hash`);
        if (!r.prev_chain_sha256.equals(prev)) problems.push(`${r.number}: chain broken (previous hash differs)`);
        const chain = sha256(r.prev_chain_sha256, r.content_sha256);
        if (!chain.equals(r.chain_sha256)) problems.push(`${r.number}: chain hash wrong`);
        prev = r.chain_sha256;
        if (doc.number !== r.number || doc.kind !== r.kind) problems.push(`${r.number}: number or kind differs from its content`);
        const key = `${r.kind}/${r.year}`;
        const expected = (seqs.get(key) ?? 0) + 1;
        if (r.seq !== expected) problems.push(`${r.number}: number ${r.seq} where ${expected} was expected (${key})`);
        seqs.set(key, Math.max(expected, r.seq));
        if (!r.pdf || !r.pdf_sha256) {
          if (!contentHash.equals(r.content_sha256)) problems.push(`${r.number}: PDF not rendered (its content does not match its hash)`);
          else {
            try {
              await this.pdf(r.id);
              rendered++;
            } catch (err) {
              problems.push(`${r.number}: PDF not rendered (${err instanceof Error ? err.message : String(err)})`);
            }
          }
        } else {
          if (!sha256(r.pdf).equals(r.pdf_sha256)) problems.push(`${r.number}: PDF does not match its hash`);
          if (opts.rerender && !(await this.#render(doc)).equals(r.pdf)) problems.push(`${r.number}: PDF differs from a new rendering of its content`);
        }
      }
      if (rows.length < pageSize) break;
      after = rows[rows.length - 1]!.id;
    }
    const head = await this.#db.selectFrom('ledger_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    if (!head.chain_sha256.equals(prev) || head.last_document_id !== lastId) problems.push('ledger head does not point at the last document');
    return { documents: count, problems, rendered };
  }
}
