import { sql, type Kysely } from 'kysely';
import type { DB, Locale, TokenPurpose } from '../../platform/db/schema.ts';

export interface OrganisationFields {
  name: string;
  legal_form: string | null;
  registration_number: string | null;
  address: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  phone: string | null;
}

/** Unique-violation on users' alias or e-mail: which one. */
export function uniqueViolation(err: unknown): 'alias' | 'email' | null {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code !== '23505') return null;
  const where = `${e.constraint ?? ''} ${e.message ?? ''}`;
  if (where.includes('users_alias_key')) return 'alias';
  if (where.includes('users_email_key')) return 'email';
  return null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

export class AccountsRepository {
  readonly db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  // --- users -------------------------------------------------------------------------------
  findUserById(id: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findUsersByIds(ids: readonly number[], db: Kysely<DB> = this.db) {
    return ids.length === 0 ? Promise.resolve([]) : db.selectFrom('users').selectAll().where('id', 'in', [...ids]).execute();
  }

  findUserByEmail(email: string) {
    return this.db.selectFrom('users').selectAll().where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  }

  findUserByAliasOrEmail(identifier: string) {
    const key = identifier.toLowerCase();
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb(sql`lower(alias)`, '=', key), eb(sql`lower(email)`, '=', key)]))
      .orderBy(sql`lower(alias) = ${key}`, 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async aliasOrEmailTaken(alias: string, email: string): Promise<{ alias: boolean; email: boolean }> {
    const rows = await this.db
      .selectFrom('users')
      .select(['alias', 'email'])
      .where((eb) => eb.or([eb(sql`lower(alias)`, '=', alias.toLowerCase()), eb(sql`lower(email)`, '=', email.toLowerCase())]))
      .execute();
    return {
      alias: rows.some((r) => r.alias.toLowerCase() === alias.toLowerCase()),
      email: rows.some((r) => r.email.toLowerCase() === email.toLowerCase()),
    };
  }

  async insertOrganisation(db: Kysely<DB>, org: OrganisationFields, now: Date): Promise<number> {
    const row = await db
      .insertInto('organisations')
      .values({ ...org, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async insertUser(
    db: Kysely<DB>,
    u: { alias: string; name: string; email: string; role: 'customer' | 'operator'; organisationId: number | null; locale: Locale },
    now: Date,
  ): Promise<number> {
    const row = await db
      .insertInto('users')
      .values({
        alias: u.alias,
        name: u.name,
        email: u.email,
        role: u.role,
        organisation_id: u.organisationId,
        locale: u.locale,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async updateUser(db: Kysely<DB>, id: number, patch: { name?: string; email?: string; locale?: Locale }, now: Date): Promise<void> {
    await db.updateTable('users').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
  }

  /** The address confirmed by a link sent to it: the account's from now on, and verified. */
  async updateUserEmail(db: Kysely<DB>, id: number, email: string, now: Date): Promise<void> {
    await db.updateTable('users').set({ email, email_verified_at: now, updated_at: now }).where('id', '=', id).execute();
  }

  async updateOrganisationEmail(db: Kysely<DB>, id: number, email: string | null, now: Date): Promise<void> {
    await db.updateTable('organisations').set({ email, updated_at: now }).where('id', '=', id).execute();
  }

  async setPassword(db: Kysely<DB>, id: number, passwordHash: string, now: Date): Promise<void> {
    await db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: now, updated_at: now, email_verified_at: sql`coalesce(email_verified_at, ${now})` })
      .where('id', '=', id)
      .execute();
  }

  findOrganisation(id: number, db: Kysely<DB> = this.db) {
    return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findOrganisations(ids: readonly number[], db: Kysely<DB> = this.db) {
    return ids.length === 0 ? Promise.resolve([]) : db.selectFrom('organisations').selectAll().where('id', 'in', [...ids]).execute();
  }

  async updateOrganisation(db: Kysely<DB>, id: number, org: OrganisationFields, now: Date): Promise<void> {
    await db.updateTable('organisations').set({ ...org, updated_at: now }).where('id', '=', id).execute();
  }

  async operatorEmails(): Promise<string[]> {
    const rows = await this.db.selectFrom('users').select('email').where('role', '=', 'operator').where('password_hash', 'is not', null).execute();
    return rows.map((r) => r.email);
  }

  async operatorExists(): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').where('role', '=', 'operator').limit(1).executeTakeFirst();
    return row !== undefined;
  }

  // --- single-use tokens ---------------------------------------------------------------------
  async insertToken(
    db: Kysely<DB>,
    t: { userId: number | null; purpose: TokenPurpose; hash: Buffer; expiresAt: Date; email?: string },
    now: Date,
  ): Promise<void> {
    await db
      .insertInto('user_tokens')
      .values({ user_id: t.userId, purpose: t.purpose, token_hash: t.hash, expires_at: t.expiresAt, created_at: now, email: t.email ?? null })
      .execute();
  }

  findToken(hash: Buffer) {
    return this.db.selectFrom('user_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  }

  /** Consumes a token; false when it was already used (two tabs, a replay): single use, even in a race. */
  async consumeToken(db: Kysely<DB>, id: number, now: Date): Promise<boolean> {
    const res = await db
      .updateTable('user_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async countTokensSince(userId: number, purpose: TokenPurpose, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('user_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('created_at', '>', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** A new link makes the older unused ones of the same purpose worthless. */
  async retireTokens(db: Kysely<DB>, userId: number | null, purposes: TokenPurpose[], now: Date): Promise<void> {
    let q = db.updateTable('user_tokens').set({ used_at: now }).where('used_at', 'is', null).where('purpose', 'in', purposes);
    q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
    await q.execute();
  }

  // --- sessions ------------------------------------------------------------------------------
  async insertSession(
    db: Kysely<DB>,
    s: { hash: Buffer; userId: number; expiresAt: Date; ip: string | null; userAgent: string | null },
    now: Date,
  ): Promise<number> {
    const row = await db
      .insertInto('sessions')
      .values({ token_hash: s.hash, user_id: s.userId, created_at: now, last_seen_at: now, expires_at: s.expiresAt, ip: s.ip, user_agent: s.userAgent })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  findSessionUser(hash: Buffer, now: Date) {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as session_id',
        'sessions.last_seen_at',
        'sessions.expires_at',
        'users.id',
        'users.alias',
        'users.name',
        'users.email',
        'users.role',
        'users.organisation_id',
        'users.locale',
      ])
      .where('sessions.token_hash', '=', hash)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
  }

  async touchSession(id: number, now: Date, expiresAt: Date): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  async deleteSession(hash: Buffer, db: Kysely<DB> = this.db): Promise<number | null> {
    const row = await db.deleteFrom('sessions').where('token_hash', '=', hash).returning('user_id').executeTakeFirst();
    return row?.user_id ?? null;
  }

  /** Revokes every session of a user (password change or reset), but the one kept, if any. */
  /**
   * A closed account: the person's row kept (documents and orders refer to it), its personal data
   * replaced by placeholders, no password, no session, no outstanding link, no sign-in history;
   * its organisation's contact details likewise.
   */
  async eraseAccount(db: Kysely<DB>, userId: number, organisationId: number | null, placeholders: { alias: string; email: string; name: string; organisation: string }, now: Date): Promise<void> {
    await db.updateTable('users').set({ alias: placeholders.alias, email: placeholders.email, name: placeholders.name, password_hash: null, password_changed_at: now, signin_alert_at: null, closed_at: now, updated_at: now }).where('id', '=', userId).execute();
    if (organisationId !== null) {
      await db
        .updateTable('organisations')
        .set({ name: placeholders.organisation, legal_form: null, registration_number: null, address: null, postcode: null, city: null, email: null, phone: null, updated_at: now })
        .where('id', '=', organisationId)
        .execute();
    }
    await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await db.updateTable('user_tokens').set({ used_at: now, email: null }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await db.deleteFrom('signin_attempts').where('account_key', '=', `user:${userId}`).execute();
  }

  async deleteUserSessions(db: Kysely<DB>, userId: number, keepSessionId?: number): Promise<number> {
    let q = db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionId !== undefined) q = q.where('id', '<>', keepSessionId);
    const res = await q.executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  // --- sign-in attempts (throttling) ---------------------------------------------------------
  async recordAttempt(accountKey: string, ip: string | null, succeeded: boolean, now: Date): Promise<void> {
    await this.db.insertInto('signin_attempts').values({ account_key: accountKey, ip, succeeded, at: now }).execute();
  }

  /**
   * Failures for this account from this address since `since` and since the last success from the
   * same address; and the latest of them. (Another address's success or failures do not count here.)
   */
  async recentFailures(accountKey: string, ip: string | null, since: Date): Promise<{ count: number; last: Date | null }> {
    const row = await sql<{ count: number; last: Date | null }>`
      select count(*)::int as count, max(at) as last from signin_attempts
      where account_key = ${accountKey} and ip is not distinct from ${ip} and not succeeded and at > ${since}
        and at > coalesce((select max(at) from signin_attempts where account_key = ${accountKey} and ip is not distinct from ${ip} and succeeded), '-infinity')`
      .execute(this.db);
    const r = row.rows[0];
    return { count: r?.count ?? 0, last: r?.last ? new Date(r.last) : null };
  }

  /** Failures for this account from any address since `since` (for the holder's notice). */
  async accountFailures(accountKey: string, since: Date): Promise<number> {
    const row = await this.db
      .selectFrom('signin_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_key', '=', accountKey)
      .where('succeeded', '=', false)
      .where('at', '>', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Marks the holder as told of failed sign-ins, unless they were told since `since`; true when marked now. */
  async markSigninAlert(db: Kysely<DB>, userId: number, now: Date, since: Date): Promise<boolean> {
    const res = await db
      .updateTable('users')
      .set({ signin_alert_at: now })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('signin_alert_at', 'is', null), eb('signin_alert_at', '<=', since)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async pruneAttempts(before: Date): Promise<void> {
    await this.db.deleteFrom('signin_attempts').where('at', '<', before).execute();
  }

  // --- back office ---------------------------------------------------------------------------
  async searchCustomers(opts: { q: string; limit: number; offset: number }) {
    let q = this.db
      .selectFrom('users')
      .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
      .select([
        'users.id',
        'users.alias',
        'users.name',
        'users.email',
        'users.created_at',
        'users.email_verified_at',
        'organisations.name as organisation_name',
        'organisations.city as organisation_city',
        sql<number>`count(*) over ()`.as('total'),
      ])
      .where('users.role', '=', 'customer')
      .orderBy('users.id', 'desc')
      .limit(opts.limit)
      .offset(opts.offset);
    if (opts.q) {
      const like = `%${escapeLike(opts.q)}%`;
      q = q.where((eb) =>
        eb.or([
          eb('users.alias', 'ilike', like),
          eb('users.name', 'ilike', like),
          eb('users.email', 'ilike', like),
          eb('organisations.name', 'ilike', like),
          eb('organisations.email', 'ilike', like),
          eb('organisations.city', 'ilike', like),
          eb('organisations.registration_number', 'ilike', like),
        ]),
      );
    }
    return q.execute();
  }

  async customerIds(ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('users').select('id').where('id', 'in', [...new Set(ids)]).where('role', '=', 'customer').execute();
    return new Set(rows.map((r) => r.id));
  }

  async countCustomers(since: Date): Promise<{ customers: number; newCustomers: number }> {
    const row = await this.db
      .selectFrom('users')
      .select([sql<number>`count(*)`.as('customers'), sql<number>`count(*) filter (where created_at >= ${since})`.as('new_customers')])
      .where('role', '=', 'customer')
      .executeTakeFirst();
    return { customers: Number(row?.customers ?? 0), newCustomers: Number(row?.new_customers ?? 0) };
  }

  async transaction<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}
