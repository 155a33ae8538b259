import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, SupportSession, SupportSessionsTable } from '../../platform/db/schema.ts';

type NewSession = Omit<Insertable<SupportSessionsTable>, 'participants'> & { participants: string[] };

/** The SQL of accompaniment sessions; private to the support module. */
export class SupportSessionsRepository {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async insert(trx: Kysely<DB>, row: NewSession): Promise<SupportSession> {
    return trx
      .insertInto('support_sessions')
      .values({ ...row, participants: sql<string[]>`${row.participants}::text[]` })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  get(id: number, db: Kysely<DB> = this.#db): Promise<SupportSession | undefined> {
    return db.selectFrom('support_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The session locked for a change (two operators' tabs do not both raise the same SEQUENCE). */
  lock(trx: Kysely<DB>, id: number): Promise<SupportSession | undefined> {
    return trx.selectFrom('support_sessions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Moved or edited: a higher SEQUENCE, and the reminder armed again for the new date. */
  async update(trx: Kysely<DB>, id: number, set: { topic: string; starts_local: string; starts_at: Date; duration_minutes: number; format: SupportSession['format']; details: string; participants: string[]; now: Date; rearm: boolean }): Promise<SupportSession> {
    return trx
      .updateTable('support_sessions')
      .set({
        topic: set.topic,
        starts_local: set.starts_local,
        starts_at: set.starts_at,
        duration_minutes: set.duration_minutes,
        format: set.format,
        details: set.details,
        participants: sql<string[]>`${set.participants}::text[]`,
        sequence: sql<number>`sequence + 1`,
        updated_at: set.now,
        ...(set.rearm ? { reminder_sent_at: null } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async cancel(trx: Kysely<DB>, id: number, now: Date): Promise<SupportSession> {
    return trx.updateTable('support_sessions').set({ state: 'cancelled', sequence: sql<number>`sequence + 1`, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async markDone(trx: Kysely<DB>, id: number, hours: number, now: Date): Promise<SupportSession> {
    return trx.updateTable('support_sessions').set({ state: 'done', hours_done: hours, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  forQuotes(quoteIds: readonly number[], db: Kysely<DB> = this.#db): Promise<SupportSession[]> {
    if (quoteIds.length === 0) return Promise.resolve([]);
    return db.selectFrom('support_sessions').selectAll().where('quote_id', 'in', quoteIds).orderBy('starts_at').orderBy('id').execute();
  }

  /** A customer's sessions (through the quotes made out to them), in time order. */
  forUser(userId: number): Promise<(SupportSession & { quote_number: string })[]> {
    return this.#db
      .selectFrom('support_sessions as s')
      .innerJoin('documents as d', 'd.id', 's.quote_id')
      .selectAll('s')
      .select('d.number as quote_number')
      .where('d.user_id', '=', userId)
      .orderBy('s.starts_at')
      .orderBy('s.id')
      .execute();
  }

  /** Every session with its request's organisation, for the operator's calendar feed. */
  all(): Promise<(SupportSession & { organisation: string; request_id: number })[]> {
    return this.#db
      .selectFrom('support_sessions as s')
      .innerJoin('support_quotes as q', 'q.document_id', 's.quote_id')
      .innerJoin('support_requests as r', 'r.id', 'q.request_id')
      .selectAll('s')
      .select(['r.organisation', 'r.id as request_id'])
      .orderBy('s.starts_at')
      .orderBy('s.id')
      .execute();
  }

  /** Planned sessions of the operator that overlap [start, end), but the one being changed. */
  overlapping(start: Date, end: Date, exceptId: number | null, db: Kysely<DB> = this.#db): Promise<SupportSession[]> {
    let q = db
      .selectFrom('support_sessions')
      .selectAll()
      .where('state', '=', 'planned')
      .where('starts_at', '<', end)
      .where(sql<boolean>`starts_at + make_interval(mins => duration_minutes) > ${start}`);
    if (exceptId !== null) q = q.where('id', '<>', exceptId);
    return q.orderBy('starts_at').execute();
  }

  /** Planned sessions starting in [from, to) whose reminder is not sent yet. */
  remindable(from: Date, to: Date): Promise<SupportSession[]> {
    return this.#db.selectFrom('support_sessions').selectAll().where('state', '=', 'planned').where('reminder_sent_at', 'is', null).where('starts_at', '>=', from).where('starts_at', '<', to).orderBy('starts_at').execute();
  }

  /** Claims a session's reminder: true for the one transaction that records it. */
  async claimReminder(trx: Kysely<DB>, id: number, startsAt: Date, now: Date): Promise<boolean> {
    const r = await trx.updateTable('support_sessions').set({ reminder_sent_at: now }).where('id', '=', id).where('state', '=', 'planned').where('reminder_sent_at', 'is', null).where('starts_at', '=', startsAt).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
