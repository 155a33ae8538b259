import { sql, type Kysely } from 'kysely';
import type { DB, LifecycleNoticeKind } from '../../platform/db/schema.ts';

export class LifecycleRepository {
  readonly db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  /** The last day a sweep finished, if any. */
  async lastFinishedDay(): Promise<string | null> {
    const row = await this.db.selectFrom('lifecycle_runs').select((eb) => eb.fn.max('day').as('day')).where('finished_at', 'is not', null).executeTakeFirst();
    return (row?.day as string | null | undefined) ?? null;
  }

  async startDay(day: string, now: Date): Promise<void> {
    await this.db.insertInto('lifecycle_runs').values({ day, started_at: now }).onConflict((oc) => oc.column('day').doUpdateSet({ started_at: now })).execute();
  }

  async finishDay(day: string, summary: unknown, now: Date): Promise<void> {
    await this.db.updateTable('lifecycle_runs').set({ finished_at: now, summary: JSON.stringify(summary) }).where('day', '=', day).execute();
  }

  /** Records a notice once: true the first time (the caller then sends it, in the same transaction). */
  async noteOnce(trx: Kysely<DB>, n: { instanceId: number; periodEnd: string; kind: LifecycleNoticeKind; orderId: number | null; day: string }, now: Date): Promise<boolean> {
    const row = await trx
      .insertInto('lifecycle_notices')
      .values({ instance_id: n.instanceId, period_end: n.periodEnd, kind: n.kind, order_id: n.orderId, day: n.day, sent_at: now })
      .onConflict((oc) => oc.columns(['instance_id', 'period_end', 'kind']).doNothing())
      .returning('kind')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The notices already sent for these instances and periods, as "id|period_end|kind" keys. */
  async sentKeys(pairs: { instanceId: number; periodEnd: string }[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (pairs.length === 0) return out;
    const rows = await sql<{ instance_id: number; period_end: string; kind: string }>`select n.instance_id, n.period_end, n.kind from lifecycle_notices n
      join unnest(${pairs.map((p) => p.instanceId)}::bigint[], ${pairs.map((p) => p.periodEnd)}::date[]) as p(instance_id, period_end)
        on p.instance_id = n.instance_id and p.period_end = n.period_end`.execute(this.db);
    for (const r of rows.rows) out.add(`${r.instance_id}|${r.period_end}|${r.kind}`);
    return out;
  }

  noticesOf(instanceId: number) {
    return this.db.selectFrom('lifecycle_notices').selectAll().where('instance_id', '=', instanceId).orderBy('sent_at').execute();
  }
}
