import { sql, type Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';

export class SettingsRepository {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async get(key: string, db: Kysely<DB> = this.#db): Promise<unknown> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  /** Writes a value unless one is already there; true when written. */
  async insertIfMissing(key: string, value: unknown, now: Date): Promise<boolean> {
    const res = await this.#db
      .insertInto('settings')
      .values({ key, value: JSON.stringify(value), updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async put(key: string, value: unknown, now: Date): Promise<void> {
    await this.#db
      .insertInto('settings')
      .values({ key, value: JSON.stringify(value), updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: now }))
      .execute();
  }

  async listPlans(db: Kysely<DB> = this.#db) {
    return db.selectFrom('plans').selectAll().orderBy('position').orderBy('code').execute();
  }

  async insertPlanIfMissing(plan: {
    code: string;
    name: string;
    price_cents: number | null;
    bandwidth_mbps: number | null;
    sla_percent: string | null;
    max_sessions: number | null;
    storage_bytes: number | null;
    custom_quote: boolean;
    position: number;
  }, now: Date): Promise<void> {
    await this.#db
      .insertInto('plans')
      .values({ ...plan, updated_at: now })
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  }

  async updatePlan(code: string, patch: { name: string; price_cents: number | null; bandwidth_mbps: number | null; sla_percent: string | null; max_sessions: number | null; storage_bytes: number | null }, now: Date): Promise<boolean> {
    const res = await this.#db.updateTable('plans').set({ ...patch, updated_at: now }).where('code', '=', code).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async currentTerms() {
    return this.#db.selectFrom('terms_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  async insertTermsVersion(title: string, body: string, now: Date): Promise<number> {
    const row = await sql<{ version: number }>`insert into terms_versions (version, title, body, published_at)
      select coalesce(max(version), 0) + 1, ${title}, ${body}, ${now} from terms_versions
      returning version`.execute(this.#db);
    return row.rows[0]!.version;
  }

  async listTerms() {
    return this.#db.selectFrom('terms_versions').select(['version', 'title', 'published_at']).orderBy('version', 'desc').execute();
  }

  /** A new version with `next`, only while the latest version's text is one of `previous` (one statement: two starts make one). */
  async supersedeTerms(previous: readonly string[], next: { title: string; body: string }, now: Date): Promise<void> {
    if (previous.length === 0) return;
    await sql`insert into terms_versions (version, title, body, published_at)
              select t.version + 1, ${next.title}, ${next.body}, ${now}
              from (select version, body from terms_versions order by version desc limit 1) t
              where t.body in (${sql.join(previous.map((b) => sql`${b}`))})
              on conflict (version) do nothing`.execute(this.#db);
  }

  async insertTermsIfNone(terms: { version: number; title: string; body: string }, now: Date): Promise<void> {
    await sql`insert into terms_versions (version, title, body, published_at)
              select ${terms.version}, ${terms.title}, ${terms.body}, ${now}
              where not exists (select 1 from terms_versions)
              on conflict (version) do nothing`.execute(this.#db);
  }
}
