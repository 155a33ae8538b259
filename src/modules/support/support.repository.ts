import type { Insertable, Kysely } from 'kysely';
import type { DB, SupportRequest, SupportRequestsTable } from '../../platform/db/schema.ts';

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
}
