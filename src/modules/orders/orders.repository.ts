import { sql, type Kysely } from 'kysely';
import type { CustomTerms, DB, Flavour, Order, OrderStatus, PaymentMethod } from '../../platform/db/schema.ts';

export interface DraftFields {
  instance_name: string;
  plan_code: string;
  flavour: Flavour;
  admin_password_enc: Buffer;
  payment_method: PaymentMethod;
  /** Diamant: the customer's needs */
  needs?: string;
}

/** Whether a unique violation is the one that guards instance names. */
export function isNameTaken(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && `${e.constraint ?? ''} ${e.message ?? ''}`.includes('orders_live_name_key');
}

/** The advisory-lock key space of orders (the second key is the customer's id). */
const ORDERS_LOCK_SPACE = 0x6f726472; // 'ordr'

export class OrdersRepository {
  readonly db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  async insertDraft(userId: number, organisationId: number, f: DraftFields, now: Date): Promise<number> {
    const row = await this.db
      .insertInto('orders')
      .values({ user_id: userId, organisation_id: organisationId, status: 'draft', ...f, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async updateDraft(id: number, f: DraftFields, now: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('orders')
      // Any change to a draft voids a CGV acceptance given before it.
      .set({ ...f, updated_at: now, terms_version: null, terms_accepted_at: null, terms_accepted_ip: null, terms_accepted_by: null })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  find(id: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the order row for the rest of the transaction: the "order paid" step runs once. */
  async lock(trx: Kysely<DB>, id: number): Promise<Order | undefined> {
    const rows = await sql<Order>`select * from orders where id = ${id} for update`.execute(trx);
    return rows.rows[0];
  }

  /**
   * Serialises the validations of one customer for the rest of the transaction (a transaction-scoped
   * advisory lock): two validations racing cannot both pass the unpaid-orders limit.
   */
  async lockCustomer(trx: Kysely<DB>, userId: number): Promise<void> {
    await sql`select pg_advisory_xact_lock(${ORDERS_LOCK_SPACE}::int, ${userId}::int)`.execute(trx);
  }

  /** Validated orders of a customer still awaiting their payment. */
  async countUnpaidValidated(trx: Kysely<DB>, userId: number): Promise<number> {
    const row = await trx.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('status', '=', 'validated').executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  listForUser(userId: number) {
    return this.db.selectFrom('orders').selectAll().where('user_id', '=', userId).where('status', '<>', 'cancelled').orderBy('id', 'desc').execute();
  }

  list(opts: { status?: OrderStatus; limit: number; offset: number }) {
    let q = this.db
      .selectFrom('orders')
      .innerJoin('users', 'users.id', 'orders.user_id')
      .innerJoin('organisations', 'organisations.id', 'orders.organisation_id')
      .select(['orders.id', 'orders.user_id', 'orders.status', 'orders.instance_name', 'orders.plan_code', 'orders.payment_method', 'orders.created_at', 'orders.validated_at', 'orders.paid_at', 'users.alias', 'organisations.name as organisation_name', sql<number>`count(*) over ()`.as('total')])
      .orderBy('orders.id', 'desc')
      .limit(opts.limit)
      .offset(opts.offset);
    if (opts.status) q = q.where('orders.status', '=', opts.status);
    return q.execute();
  }

  async acceptTerms(id: number, version: number, userId: number, ip: string | null, now: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('orders')
      .set({ terms_version: version, terms_accepted_at: now, terms_accepted_ip: ip, terms_accepted_by: userId, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async setStatus(db: Kysely<DB>, id: number, from: OrderStatus[], to: OrderStatus, now: Date): Promise<boolean> {
    const stamp = to === 'validated' ? { validated_at: now } : to === 'paid' ? { paid_at: now } : to === 'cancelled' ? { cancelled_at: now } : to === 'requested' ? { requested_at: now } : {};
    const res = await db.updateTable('orders').set({ status: to, updated_at: now, ...stamp }).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The name is free again after the quarantine (counted from now; a name released twice restarts it). */
  async releaseName(db: Kysely<DB>, name: string, now: Date): Promise<void> {
    await db
      .insertInto('released_instance_names')
      .values({ name: name.toLowerCase(), released_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ released_at: now }))
      .execute();
  }

  async insertPlanChange(db: Kysely<DB>, o: { userId: number; organisationId: number; instanceId: number; instanceName: string; flavour: Flavour; fromPlan: string; toPlan: string; termsVersion: number; ip: string | null; now: Date }): Promise<Order> {
    return db
      .insertInto('orders')
      .values({
        user_id: o.userId,
        organisation_id: o.organisationId,
        kind: 'upgrade',
        status: 'validated',
        instance_name: o.instanceName,
        instance_id: o.instanceId,
        from_plan_code: o.fromPlan,
        plan_code: o.toPlan,
        flavour: o.flavour,
        payment_method: 'transfer',
        terms_version: o.termsVersion,
        terms_accepted_at: o.now,
        terms_accepted_ip: o.ip,
        terms_accepted_by: o.userId,
        created_at: o.now,
        updated_at: o.now,
        validated_at: o.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** A renewal order; null when the instance already has a live one for that period (a racing sweep). */
  async insertRenewal(db: Kysely<DB>, o: { userId: number; organisationId: number; instanceId: number; instanceName: string; flavour: Flavour; fromPlan: string; planCode: string; renewsFrom: string; renewsTo: string; termsVersion: number | null; acceptedBy: number | null; now: Date }): Promise<Order | null> {
    const row = await db
      .insertInto('orders')
      .values({
        user_id: o.userId,
        organisation_id: o.organisationId,
        kind: 'renewal',
        status: 'validated',
        instance_name: o.instanceName,
        instance_id: o.instanceId,
        from_plan_code: o.fromPlan,
        plan_code: o.planCode,
        flavour: o.flavour,
        payment_method: 'transfer',
        renews_from: o.renewsFrom,
        renews_to: o.renewsTo,
        terms_version: o.termsVersion,
        terms_accepted_at: o.termsVersion === null ? null : o.now,
        terms_accepted_by: o.acceptedBy,
        created_at: o.now,
        updated_at: o.now,
        validated_at: o.now,
      })
      .onConflict((oc) => oc.columns(['instance_id', 'renews_from']).where('kind', '=', 'renewal').where('status', 'in', ['validated', 'paid']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  latestRenewal(instanceId: number, renewsFrom: string, db: Kysely<DB> = this.db) {
    return db.selectFrom('orders').selectAll().where('kind', '=', 'renewal').where('instance_id', '=', instanceId).where('renews_from', '=', renewsFrom).orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async latestRenewals(pairs: { instanceId: number; renewsFrom: string }[]): Promise<Map<number, Order>> {
    const out = new Map<number, Order>();
    if (pairs.length === 0) return out;
    const ids = pairs.map((p) => p.instanceId);
    const froms = pairs.map((p) => p.renewsFrom);
    const rows = await sql<Order>`select distinct on (o.instance_id) o.* from orders o
      join unnest(${ids}::bigint[], ${froms}::date[]) as p(instance_id, renews_from) on p.instance_id = o.instance_id and p.renews_from = o.renews_from
      where o.kind = 'renewal' order by o.instance_id, o.id desc`.execute(this.db);
    for (const r of rows.rows) out.set(Number(r.instance_id), r);
    return out;
  }

  openPlanChange(instanceId: number) {
    return this.db.selectFrom('orders').selectAll().where('kind', '=', 'upgrade').where('instance_id', '=', instanceId).where('status', '=', 'validated').executeTakeFirst();
  }

  /** The instance's plan change and renewal orders still awaiting payment (validated, or their quote lapsed). */
  openOrdersOfInstance(instanceId: number) {
    return this.db.selectFrom('orders').selectAll().where('kind', 'in', ['upgrade', 'renewal']).where('instance_id', '=', instanceId).where('status', 'in', ['validated', 'expired']).orderBy('id').execute();
  }

  async notePartlyPaidAlert(db: Kysely<DB>, id: number, now: Date): Promise<boolean> {
    const res = await db.updateTable('orders').set({ partly_paid_alert_at: now }).where('id', '=', id).where('partly_paid_alert_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async setCustomTerms(db: Kysely<DB>, id: number, terms: CustomTerms, now: Date): Promise<void> {
    await db.updateTable('orders').set({ custom_terms: JSON.stringify(terms), updated_at: now }).where('id', '=', id).execute();
  }

  /** Diamant requests awaiting their quote, with who asked, oldest first. */
  requestedOrders() {
    return this.db
      .selectFrom('orders')
      .innerJoin('users', 'users.id', 'orders.user_id')
      .innerJoin('organisations', 'organisations.id', 'orders.organisation_id')
      .select(['orders.id', 'orders.user_id', 'orders.instance_name', 'orders.needs', 'orders.requested_at', 'users.alias', 'organisations.name as organisation_name'])
      .where('orders.status', '=', 'requested')
      .orderBy('orders.id')
      .execute();
  }

  /** The newest paid order with custom terms that made or renewed this instance (a read joining instances). */
  latestCustomTermsOfInstance(instanceId: number, db: Kysely<DB> = this.db) {
    return db
      .selectFrom('orders')
      .select(['orders.id', 'orders.custom_terms'])
      .where('orders.status', '=', 'paid')
      .where('orders.custom_terms', 'is not', null)
      .where((eb) => eb.or([eb('orders.instance_id', '=', instanceId), eb('orders.id', '=', eb.selectFrom('instances').select('instances.order_id').where('instances.id', '=', instanceId))]))
      .orderBy('orders.id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Once the instance exists, the admin password chosen at order time is not kept. */
  async eraseAdminPassword(id: number, now: Date): Promise<void> {
    await this.db.updateTable('orders').set({ admin_password_enc: null, updated_at: now }).where('id', '=', id).execute();
  }

  /** Is the name held by another live order, or released less than the quarantine ago? */
  async nameUnavailable(name: string, exceptOrderId: number | null, releasedSince: Date): Promise<boolean> {
    const held = await this.db
      .selectFrom('orders')
      .select('id')
      .where(sql`lower(instance_name)`, '=', name.toLowerCase())
      .where('status', 'in', ['requested', 'validated', 'paid'])
      .$if(exceptOrderId !== null, (q) => q.where('id', '<>', exceptOrderId!))
      .executeTakeFirst();
    if (held) return true;
    const released = await this.db.selectFrom('released_instance_names').select('name').where('name', '=', name.toLowerCase()).where('released_at', '>', releasedSince).executeTakeFirst();
    return released !== undefined;
  }

  /** Validated orders whose latest quote lapsed without payment. */
  async lapsedOrders(today: string) {
    return this.db
      .selectFrom('orders')
      .select('orders.id')
      .where('orders.status', '=', 'validated')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('documents as q')
            .select('q.id')
            .whereRef('q.order_id', '=', 'orders.id')
            .where('q.kind', '=', 'quote')
            .where('q.valid_until', '<', today)
            .where('q.id', '=', eb.selectFrom('documents as l').select((e) => e.fn.max('l.id').as('m')).whereRef('l.order_id', '=', 'orders.id').where('l.kind', '=', 'quote')),
        ),
      )
      .execute();
  }
}
