import { sql, type Kysely } from 'kysely';
import type { DB, MailAttachmentRef, MailStatus } from '../../platform/db/schema.ts';

export class MailRepository {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async insert(
    db: Kysely<DB>,
    m: { recipients: string[]; subject: string; text: string; html: string; template: string; userId: number | null; now: Date; attachments?: MailAttachmentRef[]; holdsLink?: boolean },
  ): Promise<number> {
    const row = await db
      .insertInto('mail_messages')
      .values({
        recipients: sql`${m.recipients}::text[]`,
        subject: m.subject,
        text_body: m.text,
        html_body: m.html,
        template: m.template,
        user_id: m.userId,
        attachments: JSON.stringify(m.attachments ?? []),
        status: 'pending',
        created_at: m.now,
        holds_link: m.holdsLink ?? false,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  find(id: number) {
    return this.#db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async markDelivered(id: number, status: Extract<MailStatus, 'sent' | 'outbox'>, now: Date): Promise<void> {
    await this.#db
      .updateTable('mail_messages')
      .set({ status, sent_at: now, last_error: null, attempts: sql`attempts + 1` })
      .where('id', '=', id)
      .execute();
  }

  /** Delivered over SMTP: the stored copy keeps the message, not its links. */
  async maskLinks(id: number, text: string, html: string, now: Date): Promise<void> {
    await this.#db.updateTable('mail_messages').set({ text_body: text, html_body: html, link_masked_at: now }).where('id', '=', id).execute();
  }

  async recordFailure(id: number, error: string, final: boolean): Promise<number> {
    const row = await this.#db
      .updateTable('mail_messages')
      .set({ attempts: sql`attempts + 1`, last_error: error.slice(0, 1000), ...(final ? { status: 'failed' as const } : {}) })
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    return row?.attempts ?? 0;
  }

  async requeue(id: number, db: Kysely<DB> = this.#db): Promise<boolean> {
    const res = await db
      .updateTable('mail_messages')
      .set({ status: 'pending', attempts: 0, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async list(opts: { limit: number; offset: number; userId?: number; q?: string }) {
    let query = this.#db
      .selectFrom('mail_messages')
      .select(['id', 'recipients', 'subject', 'template', 'status', 'attempts', 'last_error', 'created_at', 'sent_at', 'user_id'])
      .orderBy('id', 'desc')
      .limit(opts.limit)
      .offset(opts.offset);
    if (opts.userId !== undefined) query = query.where('user_id', '=', opts.userId);
    if (opts.q) {
      const like = `%${opts.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      query = query.where((eb) =>
        eb.or([eb('subject', 'ilike', like), eb(sql<string>`array_to_string(recipients, ' ')`, 'ilike', like)]),
      );
    }
    return query.execute();
  }

  async pendingAndFailed(): Promise<{ pending: number; failed: number }> {
    const row = await this.#db
      .selectFrom('mail_messages')
      .select([sql<number>`count(*) filter (where status = 'pending')`.as('pending'), sql<number>`count(*) filter (where status = 'failed')`.as('failed')])
      .executeTakeFirst();
    return { pending: Number(row?.pending ?? 0), failed: Number(row?.failed ?? 0) };
  }

  transaction<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(fn);
  }

  async count(): Promise<number> {
    const row = await this.#db.selectFrom('mail_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
