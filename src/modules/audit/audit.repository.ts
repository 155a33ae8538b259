import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';
import type { AuditAction, AuditEntryInput } from './audit.service.ts';

/** The SQL of the append-only audit log (the database refuses updates and deletes). */
export class AuditRepository {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async record(entry: AuditEntryInput, db: Kysely<DB> = this.#db): Promise<void> {
    await db
      .insertInto('audit_log')
      .values({
        at: entry.at,
        action: entry.action,
        actor_user_id: entry.actorUserId ?? null,
        subject_user_id: entry.subjectUserId ?? null,
        ip: entry.ip ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })
      .execute();
  }

  async list(opts: { limit: number; offset: number; subjectUserId?: number; action?: string }) {
    let q = this.#db
      .selectFrom('audit_log')
      .leftJoin('users as actor', 'actor.id', 'audit_log.actor_user_id')
      .leftJoin('users as subject', 'subject.id', 'audit_log.subject_user_id')
      .select([
        'audit_log.id',
        'audit_log.at',
        'audit_log.action',
        'audit_log.ip',
        'audit_log.details',
        'audit_log.actor_user_id',
        'audit_log.subject_user_id',
        'actor.alias as actor_alias',
        'subject.alias as subject_alias',
      ])
      .orderBy('audit_log.id', 'desc')
      .limit(opts.limit)
      .offset(opts.offset);
    if (opts.subjectUserId !== undefined) q = q.where('audit_log.subject_user_id', '=', opts.subjectUserId);
    if (opts.action) q = q.where('audit_log.action', '=', opts.action);
    return q.execute();
  }
}
