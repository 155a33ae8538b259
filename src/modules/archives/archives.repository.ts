import { sql, type Kysely } from 'kysely';
import type { ArchiveOrigin, DB } from '../../platform/db/schema.ts';

/** The `archives` table, written here only (the archives module). */
export class ArchivesRepository {
  readonly db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  async insert(a: { instanceId: number; name: string; key: string; size: number; sha256: string; origin: ArchiveOrigin; version: string; migrations: number; createdBy: number | null; expiresAt: Date | null }, now: Date): Promise<number> {
    const row = await this.db
      .insertInto('archives')
      .values({ instance_id: a.instanceId, name: a.name, store_key: a.key, size_bytes: a.size, sha256: a.sha256, origin: a.origin, state: 'ready', diacamma_version: a.version, migrations: a.migrations, created_by: a.createdBy, created_at: now, expires_at: a.expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  find(id: number) {
    return this.db.selectFrom('archives').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForInstance(instanceId: number) {
    return this.db.selectFrom('archives').selectAll().where('instance_id', '=', instanceId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  }

  /** Bytes of an instance's archives that count toward its plan's storage (safety and final archives do not). */
  async countedBytes(instanceId: number): Promise<number> {
    const row = await this.db
      .selectFrom('archives')
      .select(sql<string>`coalesce(sum(size_bytes), 0)`.as('bytes'))
      .where('instance_id', '=', instanceId)
      .where('origin', 'not in', ['before_restore', 'final'])
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  /** The newest verified automatic archive of an instance (the customer cannot delete it). */
  async lastAutomatic(instanceId: number) {
    return this.db.selectFrom('archives').select(['id']).where('instance_id', '=', instanceId).where('origin', '=', 'automatic').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async lastAutomaticAt(instanceId: number): Promise<Date | string | null> {
    const row = await this.db.selectFrom('archives').select(['created_at']).where('instance_id', '=', instanceId).where('origin', '=', 'automatic').orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return row?.created_at ?? null;
  }

  /** The newest archive made from the instance itself (not imported): what Diacamma it runs. */
  async lastOwn(instanceId: number) {
    return this.db.selectFrom('archives').selectAll().where('instance_id', '=', instanceId).where('origin', '<>', 'imported').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** The safety archive an earlier attempt of a restore made (the newest since the action was asked). */
  safetySince(instanceId: number, since: Date) {
    return this.db.selectFrom('archives').selectAll().where('instance_id', '=', instanceId).where('origin', '=', 'before_restore').where('created_at', '>=', since).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** The final archive of an instance (made when it ends), if any. */
  finalOf(instanceId: number) {
    return this.db.selectFrom('archives').selectAll().where('instance_id', '=', instanceId).where('origin', '=', 'final').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** The final archives of a customer's instances, with the instance's name (the instance may be gone). */
  finalsForUser(userId: number) {
    return this.db
      .selectFrom('archives')
      .innerJoin('instances', 'instances.id', 'archives.instance_id')
      .selectAll('archives')
      .select(['instances.name as instance_name', 'instances.state as instance_state', 'instances.deleted_at as instance_ended_at'])
      .where('instances.user_id', '=', userId)
      .where('archives.origin', '=', 'final')
      .orderBy('archives.created_at', 'desc')
      .orderBy('archives.id', 'desc')
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('archives').where('id', '=', id).execute();
  }

  expired(now: Date) {
    return this.db.selectFrom('archives').selectAll().where('expires_at', '<', now).execute();
  }

  async setState(id: number, state: 'ready' | 'restoring'): Promise<void> {
    await this.db.updateTable('archives').set({ state }).where('id', '=', id).execute();
  }

  /** The back office: the newest archives of every instance. */
  listAll(limit: number) {
    return this.db
      .selectFrom('archives')
      .innerJoin('instances', 'instances.id', 'archives.instance_id')
      .select(['archives.id', 'archives.name', 'archives.origin', 'archives.size_bytes', 'archives.created_at', 'archives.sha256', 'instances.name as instance_name', 'instances.id as instance_id'])
      .orderBy('archives.id', 'desc')
      .limit(limit)
      .execute();
  }
}
