import { sql, type Kysely } from 'kysely';
import type { ActionKind, CustomLimits, DB, EndReason, Instance, InstanceState } from '../../platform/db/schema.ts';

export class InstancesRepository {
  readonly db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  /** The instance of an order, created once (the order id is unique). */
  async ensureForOrder(o: { orderId: number; userId: number; name: string; planCode: string; flavour: Instance['flavour']; customLimits: CustomLimits | null }, now: Date): Promise<Instance> {
    await this.db
      .insertInto('instances')
      .values({ order_id: o.orderId, user_id: o.userId, name: o.name, plan_code: o.planCode, flavour: o.flavour, state: 'creating', created_at: now, updated_at: now, custom_limits: o.customLimits ? JSON.stringify(o.customLimits) : null })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
    return this.db.selectFrom('instances').selectAll().where('order_id', '=', o.orderId).executeTakeFirstOrThrow();
  }

  find(id: number) {
    return this.db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByName(name: string) {
    return this.db.selectFrom('instances').selectAll().where(sql`lower(name)`, '=', name.toLowerCase()).where('state', '<>', 'deleted').executeTakeFirst();
  }

  listForUser(userId: number) {
    return this.db.selectFrom('instances').selectAll().where('user_id', '=', userId).where('state', '<>', 'deleted').orderBy('id').execute();
  }

  listLive() {
    return this.db.selectFrom('instances').selectAll().where('state', '<>', 'deleted').orderBy('id').execute();
  }

  async setPlan(id: number, planCode: string, now: Date): Promise<void> {
    await this.db.updateTable('instances').set({ plan_code: planCode, updated_at: now }).where('id', '=', id).execute();
  }

  async setState(id: number, state: InstanceState, now: Date, extra: { failure_reason?: string | null; period_start?: string; period_end?: string; activated_at?: Date; deleted_at?: Date; end_reason?: EndReason } = {}, db: Kysely<DB> = this.db): Promise<void> {
    await db.updateTable('instances').set({ state, updated_at: now, ...extra }).where('id', '=', id).execute();
  }

  /**
   * A paid renewal: the period [renewsFrom, renewsTo] follows the current one — only while the
   * current one ends the day before renewsFrom, so a second delivery (or another payment path)
   * extends nothing. A suspended instance is active again. The row as it is now, or null if done.
   */
  async applyRenewal(r: { instanceId: number; planCode: string; renewsFrom: string; renewsTo: string }, now: Date, db: Kysely<DB> = this.db): Promise<Instance | null> {
    const row = await db
      .updateTable('instances')
      .set({
        period_start: r.renewsFrom,
        period_end: r.renewsTo,
        plan_code: r.planCode,
        state: sql`case when state = 'suspended' then 'active' else state end`,
        suspended_at: null,
        retention_over_at: null,
        storage_warned_at: null,
        updated_at: now,
      })
      .where('id', '=', r.instanceId)
      .where('state', '<>', 'deleted')
      .where(sql<boolean>`period_end = ${r.renewsFrom}::date - 1`)
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /**
   * An active instance whose subscription lapsed: suspended (the front door's page); false if it was
   * not active, or if its period no longer ends on `periodEnd` (a renewal paid in the meantime).
   */
  async suspend(id: number, periodEnd: string, now: Date, db: Kysely<DB> = this.db): Promise<boolean> {
    const res = await db.updateTable('instances').set({ state: 'suspended', suspended_at: now, updated_at: now }).where('id', '=', id).where('state', '=', 'active').where('period_end', '=', periodEnd).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The retention delay after the end ran out: the instance is to be ended (once). */
  async markRetentionOver(id: number, now: Date, db: Kysely<DB> = this.db): Promise<boolean> {
    const res = await db.updateTable('instances').set({ retention_over_at: now, updated_at: now }).where('id', '=', id).where('state', '=', 'suspended').where('retention_over_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Live instances whose period ends by `upTo` and whose retention has not run out, for the daily lifecycle sweep. */
  dueForLifecycle(upTo: string) {
    return this.db.selectFrom('instances').selectAll().where('state', 'in', ['active', 'suspended', 'maintenance', 'failed']).where('retention_over_at', 'is', null).where('period_end', '<=', upTo).orderBy('id').execute();
  }

  async createAction(a: { instanceId: number; kind: ActionKind; payload: Buffer | null; requestedBy: number | null }, now: Date, db: Kysely<DB> = this.db): Promise<number> {
    const row = await db
      .insertInto('hosting_actions')
      .values({ instance_id: a.instanceId, kind: a.kind, state: 'scheduled', payload_enc: a.payload, requested_by: a.requestedBy, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** The instance's action of this kind still waiting, given the new payload; its id, or null when none waits. */
  async replaceScheduledAction(a: { instanceId: number; kind: ActionKind; payload: Buffer | null; requestedBy: number | null }, now: Date, db: Kysely<DB> = this.db): Promise<number | null> {
    const row = await db
      .updateTable('hosting_actions')
      .set({ payload_enc: a.payload, requested_by: a.requestedBy, created_at: now })
      .where('instance_id', '=', a.instanceId)
      .where('kind', '=', a.kind)
      .where('state', '=', 'scheduled')
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  findAction(id: number) {
    return this.db.selectFrom('hosting_actions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The provisioning action of an instance, made once (a unique index settles races). */
  async provisionAction(instanceId: number, now: Date): Promise<number> {
    await sql`insert into hosting_actions (instance_id, kind, state, created_at) values (${instanceId}, 'provision', 'scheduled', ${now})
              on conflict (instance_id) where kind = 'provision' do nothing`.execute(this.db);
    const row = await this.db.selectFrom('hosting_actions').select('id').where('instance_id', '=', instanceId).where('kind', '=', 'provision').executeTakeFirstOrThrow();
    return row.id;
  }

  /**
   * Claims an action for one worker: it must be waiting, or running for longer than a job may live
   * (its worker died). Returns the attempt number, or null when another worker holds it.
   */
  async claimAction(id: number, now: Date, staleBefore: Date): Promise<number | null> {
    const row = await this.db
      .updateTable('hosting_actions')
      .set({ state: 'running', started_at: now, attempts: sql`attempts + 1` })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('state', '=', 'scheduled'), eb.and([eb('state', '=', 'running'), eb('started_at', '<', staleBefore)])]))
      .returning('attempts')
      .executeTakeFirst();
    return row?.attempts ?? null;
  }

  async startAction(id: number, now: Date): Promise<number> {
    const row = await this.db.updateTable('hosting_actions').set({ state: 'running', started_at: now, attempts: sql`attempts + 1` }).where('id', '=', id).returning('attempts').executeTakeFirstOrThrow();
    return row.attempts;
  }

  async finishAction(id: number, now: Date): Promise<void> {
    // Done: its secret, if any, is erased.
    await this.db.updateTable('hosting_actions').set({ state: 'done', finished_at: now, last_error: null, payload_enc: null }).where('id', '=', id).execute();
  }

  async failAttempt(id: number, error: string, final: boolean, now: Date): Promise<void> {
    await this.db
      .updateTable('hosting_actions')
      // A failed action keeps its (encrypted) secret so the operator can run it again; done erases it.
      .set({ state: final ? 'failed' : 'scheduled', last_error: error.slice(0, 500), ...(final ? { finished_at: now } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async resetAction(id: number): Promise<boolean> {
    const res = await this.db.updateTable('hosting_actions').set({ state: 'scheduled', attempts: 0, last_error: null, finished_at: null }).where('id', '=', id).where('state', '=', 'failed').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  actionsForUser(userId: number, limit = 50) {
    return this.db
      .selectFrom('hosting_actions')
      .innerJoin('instances', 'instances.id', 'hosting_actions.instance_id')
      .select(['hosting_actions.id', 'hosting_actions.kind', 'hosting_actions.state', 'hosting_actions.last_error', 'hosting_actions.created_at', 'hosting_actions.finished_at', 'hosting_actions.attempts', 'instances.name as instance_name', 'instances.id as instance_id'])
      .where('instances.user_id', '=', userId)
      .orderBy('hosting_actions.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Whether an action of this kind waits or runs on the instance (scheduled or running). */
  async hasOpenAction(instanceId: number, kind: ActionKind): Promise<boolean> {
    const row = await this.db.selectFrom('hosting_actions').select('id').where('instance_id', '=', instanceId).where('kind', '=', kind).where('state', 'in', ['scheduled', 'running']).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  actionsForInstance(instanceId: number, limit = 20) {
    return this.db.selectFrom('hosting_actions').select(['id', 'kind', 'state', 'last_error', 'created_at', 'finished_at', 'attempts']).where('instance_id', '=', instanceId).orderBy('id', 'desc').limit(limit).execute();
  }

  // --- the monitor -----------------------------------------------------------------------------
  async recordProbe(instanceId: number, at: Date, ok: boolean): Promise<void> {
    await this.db.insertInto('instance_probes').values({ instance_id: instanceId, at, ok }).execute();
  }

  async setProbeState(instanceId: number, failedProbes: number, downSince: Date | null | undefined): Promise<void> {
    await this.db.updateTable('instances').set({ failed_probes: failedProbes, ...(downSince !== undefined ? { down_since: downSince } : {}) }).where('id', '=', instanceId).execute();
  }

  async pruneProbes(before: Date): Promise<void> {
    await this.db.deleteFrom('instance_probes').where('at', '<', before).execute();
  }

  async setDiskUse(instanceId: number, diskBytes: number, at: Date): Promise<void> {
    await this.db.updateTable('instances').set({ disk_bytes: diskBytes, disk_measured_at: at }).where('id', '=', instanceId).execute();
  }

  async markStorageWarned(instanceId: number, at: Date): Promise<void> {
    await this.db.updateTable('instances').set({ storage_warned_at: at }).where('id', '=', instanceId).execute();
  }

  /** Adds bytes and a session peak to the day's row of an instance. */
  async addUsage(instanceId: number, day: string, u: { bytesIn: number; bytesOut: number; peakSessions: number }): Promise<void> {
    await sql`insert into instance_usage_daily (instance_id, day, bytes_in, bytes_out, peak_sessions)
              values (${instanceId}, ${day}, ${u.bytesIn}, ${u.bytesOut}, ${u.peakSessions})
              on conflict (instance_id, day) do update set
                bytes_in = instance_usage_daily.bytes_in + excluded.bytes_in,
                bytes_out = instance_usage_daily.bytes_out + excluded.bytes_out,
                peak_sessions = greatest(instance_usage_daily.peak_sessions, excluded.peak_sessions)`.execute(this.db);
  }

  async probeCounts(instanceId: number, since: Date): Promise<{ total: number; ok: number }> {
    const row = await sql<{ total: number; ok: number }>`select count(*)::int as total, count(*) filter (where ok)::int as ok
      from instance_probes where instance_id = ${instanceId} and at > ${since}`.execute(this.db);
    return row.rows[0]!;
  }

  usageSince(instanceId: number, afterDay: string) {
    return this.db.selectFrom('instance_usage_daily').selectAll().where('instance_id', '=', instanceId).where('day', '>', afterDay).orderBy('day').execute();
  }

  // --- the back office -------------------------------------------------------------------------
  /** Every instance (deleted ones included), newest first, with its customer's alias. */
  listAll(limit: number, offset: number) {
    return this.db
      .selectFrom('instances')
      .leftJoin('users', 'users.id', 'instances.user_id')
      .select(['instances.id', 'instances.name', 'instances.user_id', 'instances.plan_code', 'instances.state', 'instances.failure_reason', 'instances.period_end', 'users.alias'])
      .orderBy('instances.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** The latest failed actions of all instances. */
  failedActions(limit: number) {
    return this.db
      .selectFrom('hosting_actions')
      .innerJoin('instances', 'instances.id', 'hosting_actions.instance_id')
      .select(['hosting_actions.id', 'hosting_actions.kind', 'hosting_actions.attempts', 'hosting_actions.last_error', 'hosting_actions.finished_at', 'hosting_actions.created_at', 'instances.id as instance_id', 'instances.name as instance_name'])
      .where('hosting_actions.state', '=', 'failed')
      .orderBy('hosting_actions.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** An instance's actions as the operator sees them (with their start times). */
  actionsInDetail(instanceId: number, limit: number) {
    return this.db
      .selectFrom('hosting_actions')
      .select(['id', 'kind', 'state', 'attempts', 'last_error', 'created_at', 'started_at', 'finished_at'])
      .where('instance_id', '=', instanceId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
