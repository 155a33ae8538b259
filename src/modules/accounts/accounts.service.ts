import { LRUCache } from 'lru-cache';
import { DAY, HOUR, MINUTE, type Clock } from '../../platform/clock.ts';
import type { DB, Locale, Organisation, TokenPurpose, User } from '../../platform/db/schema.ts';
import { hashToken, looksLikeToken, newToken } from '../../platform/tokens.ts';
import type { CurrentUser } from '../../web/context.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { emailChangedMail, operatorInviteMail, passwordChangedMail, resetMail, welcomeMail } from './accounts.mails.ts';
import { AccountsRepository, uniqueViolation } from './accounts.repository.ts';
import {
  ALIAS_PATTERN,
  validateOrganisation,
  validEmail,
  type FieldErrorCode,
  type FieldErrorCodes,
  type OrganisationInput,
} from './accounts.validation.ts';
import { checkPassword, hashPassword, verifyPassword } from './passwords.ts';

export const SIGNUP_LINK_TTL = 48 * HOUR;
export const RESET_LINK_TTL = 2 * HOUR;
export const OPERATOR_LINK_TTL = 7 * DAY;
export const SESSION_TTL = 14 * DAY;
/** Sign-in throttling per account: this many failures within the window pause that account's sign-in. */
export const SIGNIN_MAX_FAILURES = 10;
export const SIGNIN_WINDOW = 15 * MINUTE;
/** Reset e-mails per account and hour: enough for a lost mail, too few to flood a mailbox. */
export const RESET_MAX_PER_HOUR = 3;

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export type Result<T> = ({ ok: true } & T) | { ok: false; errors: FieldErrorCodes };

export type SignInResult =
  | { ok: true; sessionToken: string; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type TokenCheck =
  | { ok: true; purpose: TokenPurpose; user: User | null }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' };

function passwordError(problem: ReturnType<typeof checkPassword>): FieldErrorCode | null {
  switch (problem) {
    case null:
      return null;
    case 'too_short':
      return 'password_too_short';
    case 'too_long':
      return 'password_too_long';
    case 'too_common':
      return 'password_too_common';
    case 'like_identity':
      return 'password_like_identity';
    case 'mismatch':
      return 'password_mismatch';
  }
}

export interface AccountsDeps {
  repo: AccountsRepository;
  audit: AuditRepository;
  mail: MailService;
  settings: SettingsService;
  clock: Clock;
  /** the portal's public base URL, for links in e-mails */
  portalUrl: () => string;
}

/**
 * How long a session or an account read stays in this process's memory. Every change made through
 * this service drops the entries it affects at once; the delay only bounds how long another process
 * (a second `ecrin serve`) may serve a session revoked elsewhere.
 */
export const READ_CACHE_TTL = 30_000;

type Account = { user: User; organisation: Organisation | null };

/** Accounts: sign-up, sign-in, sessions, password links, the person and the organisation. */
export class AccountsService {
  readonly #repo: AccountsRepository;
  readonly #audit: AuditRepository;
  readonly #mail: MailService;
  readonly #settings: SettingsService;
  readonly #clock: Clock;
  readonly #portalUrl: () => string;
  // Page views read the session and the account on every request: kept here, they cost no query.
  readonly #sessions: LRUCache<string, { user: CurrentUser; until: number; lastSeen: number }> = new LRUCache({ max: 20_000 });
  readonly #accounts: LRUCache<number, { account: Account; until: number }> = new LRUCache({ max: 20_000 });
  /** bumped by every change: a read that overlapped one is not cached (it may predate the change) */
  #epoch = 0;

  constructor(deps: AccountsDeps) {
    this.#repo = deps.repo;
    this.#audit = deps.audit;
    this.#mail = deps.mail;
    this.#settings = deps.settings;
    this.#clock = deps.clock;
    this.#portalUrl = deps.portalUrl;
  }

  async #site(): Promise<string> {
    return (await this.#settings.operatorIdentity()).tradeName;
  }

  #link(path: string, token: string): string {
    return `${this.#portalUrl()}${path}?jeton=${token}`;
  }

  // --- sign-up -----------------------------------------------------------------------------
  async signUp(
    input: { alias: string; name: string; email: string; organisation: string; locale: Locale },
    meta: RequestMeta,
  ): Promise<Result<{ userId: number }>> {
    const errors: FieldErrorCodes = {};
    if (!ALIAS_PATTERN.test(input.alias)) errors.alias = 'alias_invalid';
    if (!input.name) errors.name = 'required';
    else if (input.name.length > 120) errors.name = 'too_long';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    if (!input.organisation) errors.organisation = 'required';
    else if (input.organisation.length > 200) errors.organisation = 'too_long';
    if (!errors.alias || !errors.email) {
      const taken = await this.#repo.aliasOrEmailTaken(input.alias, input.email);
      if (taken.alias && !errors.alias) errors.alias = 'alias_taken';
      if (taken.email && !errors.email) errors.email = 'email_taken';
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };

    const now = this.#clock.now();
    const token = newToken();
    const site = await this.#site();
    try {
      const userId = await this.#repo.transaction(async (trx) => {
        const organisationId = await this.#repo.insertOrganisation(
          trx,
          { name: input.organisation, legal_form: null, registration_number: null, address: null, postcode: null, city: null, country: 'FR', email: null, phone: null },
          now,
        );
        const id = await this.#repo.insertUser(
          trx,
          { alias: input.alias, name: input.name, email: input.email, role: 'customer', organisationId, locale: input.locale },
          now,
        );
        await this.#repo.insertToken(trx, { userId: id, purpose: 'set_password', hash: hashToken(token), expiresAt: new Date(now.getTime() + SIGNUP_LINK_TTL) }, now);
        await this.#audit.record({ action: 'signup', actorUserId: id, subjectUserId: id, ip: meta.ip, at: now, details: { alias: input.alias } }, trx);
        await this.#mail.enqueue(trx, {
          recipients: [input.email],
          template: 'accounts.welcome',
          userId: id,
          rendered: welcomeMail(input.locale, {
            site,
            name: input.name,
            alias: input.alias,
            organisation: input.organisation,
            url: this.#link('/mot-de-passe/definir', token),
          }),
        });
        return id;
      });
      return { ok: true, userId };
    } catch (err) {
      // Two sign-ups racing for the same alias or address: the database decides, the loser is told.
      const field = uniqueViolation(err);
      if (field) return { ok: false, errors: { [field]: field === 'alias' ? 'alias_taken' : 'email_taken' } };
      throw err;
    }
  }

  // --- password links ------------------------------------------------------------------------
  /** "Mot de passe ou alias oublié ?": same outcome for the caller whether the address is known or not. */
  async requestPasswordReset(email: string, locale: Locale, meta: RequestMeta): Promise<void> {
    if (!validEmail(email)) return;
    const user = await this.#repo.findUserByEmail(email);
    const now = this.#clock.now();
    if (!user) {
      await this.#audit.record({ action: 'password.reset_requested', ip: meta.ip, at: now, details: { known: false } });
      return;
    }
    if ((await this.#repo.countTokensSince(user.id, 'reset_password', new Date(now.getTime() - HOUR))) >= RESET_MAX_PER_HOUR) {
      await this.#audit.record({ action: 'password.reset_requested', subjectUserId: user.id, ip: meta.ip, at: now, details: { known: true, throttled: true } });
      return;
    }
    const organisation = user.organisation_id ? await this.#repo.findOrganisation(user.organisation_id) : null;
    const token = newToken();
    const site = await this.#site();
    await this.#repo.transaction(async (trx) => {
      await this.#repo.retireTokens(trx, user.id, ['reset_password'], now);
      await this.#repo.insertToken(trx, { userId: user.id, purpose: 'reset_password', hash: hashToken(token), expiresAt: new Date(now.getTime() + RESET_LINK_TTL) }, now);
      await this.#audit.record({ action: 'password.reset_requested', subjectUserId: user.id, ip: meta.ip, at: now, details: { known: true } }, trx);
      await this.#mail.enqueue(trx, {
        recipients: customerRecipients(user, organisation ?? null),
        template: 'accounts.reset',
        userId: user.id,
        rendered: resetMail(user.locale ?? locale, {
          site,
          name: user.name,
          alias: user.alias,
          url: this.#link('/mot-de-passe/definir', token),
          hours: RESET_LINK_TTL / HOUR,
        }),
      });
    });
  }

  async checkToken(token: unknown, purposes: TokenPurpose[]): Promise<TokenCheck> {
    if (!looksLikeToken(token)) return { ok: false, reason: 'unknown' };
    const row = await this.#repo.findToken(hashToken(token));
    if (!row || !purposes.includes(row.purpose)) return { ok: false, reason: 'unknown' };
    if (row.used_at) return { ok: false, reason: 'used' };
    if (new Date(row.expires_at).getTime() <= this.#clock.now().getTime()) return { ok: false, reason: 'expired' };
    const user = row.user_id ? ((await this.#repo.findUserById(row.user_id)) ?? null) : null;
    return { ok: true, purpose: row.purpose, user };
  }

  /** Sets the password from a sign-up or reset link; signs the person in on a fresh session. */
  async setPasswordWithToken(
    token: unknown,
    password: string,
    confirm: string,
    meta: RequestMeta,
  ): Promise<Result<{ sessionToken: string; user: User }> | { ok: false; link: Exclude<TokenCheck, { ok: true }>['reason'] }> {
    const check = await this.checkToken(token, ['set_password', 'reset_password']);
    if (!check.ok) return { ok: false, link: check.reason };
    const user = check.user!;
    const problem = passwordError(checkPassword(password, confirm, user));
    if (problem) return { ok: false, errors: { password: problem } };
    const passwordHash = await hashPassword(password);
    const now = this.#clock.now();
    const sessionToken = newToken();
    const row = (await this.#repo.findToken(hashToken(token as string)))!;
    const organisation = user.organisation_id ? await this.#repo.findOrganisation(user.organisation_id) : null;
    const site = await this.#site();
    const consumed = await this.#repo.transaction(async (trx) => {
      if (!(await this.#repo.consumeToken(trx, row.id, now))) return false;
      await this.#repo.setPassword(trx, user.id, passwordHash, now);
      await this.#repo.deleteUserSessions(trx, user.id);
      await this.#repo.insertSession(trx, { hash: hashToken(sessionToken), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
      await this.#audit.record({ action: 'password.set', actorUserId: user.id, subjectUserId: user.id, ip: meta.ip, at: now, details: { via: row.purpose } }, trx);
      if (row.purpose === 'reset_password') {
        await this.#mail.enqueue(trx, {
          recipients: customerRecipients(user, organisation ?? null),
          template: 'accounts.password_changed',
          userId: user.id,
          rendered: passwordChangedMail(user.locale, { site, name: user.name, alias: user.alias }),
        });
      }
      return true;
    });
    this.#forget(user.id);
    if (!consumed) return { ok: false, link: 'used' };
    return { ok: true, sessionToken, user };
  }

  // --- sign-in and sessions ------------------------------------------------------------------
  async signIn(identifier: string, password: string, meta: RequestMeta & { previousSessionToken?: string | undefined }): Promise<SignInResult> {
    const now = this.#clock.now();
    const user = identifier ? await this.#repo.findUserByAliasOrEmail(identifier) : undefined;
    const accountKey = user ? `user:${user.id}` : `unknown:${identifier.toLowerCase().slice(0, 254)}`;
    const failures = await this.#repo.recentFailures(accountKey, new Date(now.getTime() - SIGNIN_WINDOW));
    if (failures.count >= SIGNIN_MAX_FAILURES) {
      const until = (failures.oldest?.getTime() ?? now.getTime()) + SIGNIN_WINDOW;
      await this.#audit.record({ action: 'signin.throttled', subjectUserId: user?.id ?? null, ip: meta.ip, at: now, details: { identifier: identifier.slice(0, 254) } });
      return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
    }
    const valid = await verifyPassword(user?.password_hash ?? null, password);
    await this.#repo.recordAttempt(accountKey, meta.ip, valid, now);
    if (!valid || !user) {
      await this.#audit.record({ action: 'signin.failure', subjectUserId: user?.id ?? null, ip: meta.ip, at: now, details: { identifier: identifier.slice(0, 254) } });
      return { ok: false, reason: 'invalid' };
    }
    const sessionToken = newToken();
    await this.#repo.transaction(async (trx) => {
      // Rotation: whatever session the browser had is dropped; the signed-in one is new.
      if (meta.previousSessionToken && looksLikeToken(meta.previousSessionToken)) {
        this.#epoch++;
        this.#sessions.delete(hashToken(meta.previousSessionToken).toString('base64'));
        await trx.deleteFrom('sessions').where('token_hash', '=', hashToken(meta.previousSessionToken)).execute();
      }
      await this.#repo.insertSession(trx, { hash: hashToken(sessionToken), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
      await this.#audit.record({ action: 'signin.success', actorUserId: user.id, subjectUserId: user.id, ip: meta.ip, at: now }, trx);
    });
    return { ok: true, sessionToken, user };
  }

  async resolveSession(token: string | undefined): Promise<CurrentUser | null> {
    if (!looksLikeToken(token)) return null;
    const now = this.#clock.now().getTime();
    const key = hashToken(token).toString('base64');
    const cached = this.#sessions.get(key);
    if (cached && cached.until > now && now - cached.lastSeen <= HOUR) return cached.user;
    const epoch = this.#epoch;
    const row = await this.#repo.findSessionUser(hashToken(token), new Date(now));
    if (!row) {
      this.#sessions.delete(key);
      return null;
    }
    let lastSeen = new Date(row.last_seen_at).getTime();
    // Sliding expiry, written at most once an hour to keep page views read-only.
    if (now - lastSeen > HOUR) {
      await this.#repo.touchSession(row.session_id, new Date(now), new Date(now + SESSION_TTL));
      lastSeen = now;
    }
    const user: CurrentUser = {
      id: row.id,
      alias: row.alias,
      name: row.name,
      email: row.email,
      role: row.role,
      organisationId: row.organisation_id,
      sessionId: row.session_id,
    };
    if (epoch === this.#epoch) this.#sessions.set(key, { user, until: Math.min(now + READ_CACHE_TTL, new Date(row.expires_at).getTime()), lastSeen });
    return user;
  }

  /** Drops what this process remembers of a user's sessions and account (after any change to them). */
  #forget(userId: number): void {
    this.#epoch++;
    this.#accounts.delete(userId);
    for (const [key, entry] of this.#sessions.entries()) if (entry.user.id === userId) this.#sessions.delete(key);
  }

  async signOut(token: string | undefined, meta: RequestMeta): Promise<void> {
    if (!looksLikeToken(token)) return;
    this.#epoch++;
    this.#sessions.delete(hashToken(token).toString('base64'));
    const userId = await this.#repo.deleteSession(hashToken(token));
    if (userId !== null) {
      await this.#audit.record({ action: 'signout', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: this.#clock.now() });
    }
  }

  // --- "Votre compte" ------------------------------------------------------------------------
  async getAccount(userId: number): Promise<Account | null> {
    const now = this.#clock.now().getTime();
    const cached = this.#accounts.get(userId);
    if (cached && cached.until > now) return cached.account;
    const epoch = this.#epoch;
    const user = await this.#repo.findUserById(userId);
    if (!user) return null;
    const organisation = user.organisation_id ? ((await this.#repo.findOrganisation(user.organisation_id)) ?? null) : null;
    const account = { user, organisation };
    if (epoch === this.#epoch) this.#accounts.set(userId, { account, until: now + READ_CACHE_TTL });
    return account;
  }

  async updatePerson(userId: number, input: { name: string; email: string; locale?: Locale }, meta: RequestMeta): Promise<Result<object>> {
    const errors: FieldErrorCodes = {};
    if (!input.name) errors.name = 'required';
    else if (input.name.length > 120) errors.name = 'too_long';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const account = await this.getAccount(userId);
    if (!account) return { ok: false, errors: { name: 'required' } };
    const { user, organisation } = account;
    const emailChanged = user.email.toLowerCase() !== input.email.toLowerCase();
    if (emailChanged && (await this.#repo.findUserByEmail(input.email))) return { ok: false, errors: { email: 'email_taken' } };
    const now = this.#clock.now();
    const site = await this.#site();
    try {
      await this.#repo.transaction(async (trx) => {
        await this.#repo.updateUser(trx, userId, { name: input.name, email: input.email, ...(input.locale ? { locale: input.locale } : {}) }, now);
        const changed = [user.name !== input.name && 'name', user.email !== input.email && 'email', input.locale && input.locale !== user.locale && 'locale'].filter(Boolean);
        await this.#audit.record({ action: 'account.updated', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: now, details: { changed } }, trx);
        if (emailChanged) {
          // Both the old and the new address hear of it: a hijacked session cannot quietly move the account.
          await this.#mail.enqueue(trx, {
            recipients: [...new Set([user.email, ...customerRecipients({ email: input.email }, organisation)])],
            template: 'accounts.email_changed',
            userId,
            rendered: emailChangedMail(user.locale, { site, name: input.name, alias: user.alias, email: input.email, previous: user.email }),
          });
        }
      });
    } catch (err) {
      if (uniqueViolation(err) === 'email') return { ok: false, errors: { email: 'email_taken' } };
      throw err;
    }
    this.#forget(userId);
    return { ok: true };
  }

  async updateOrganisation(userId: number, input: OrganisationInput, meta: RequestMeta): Promise<Result<object>> {
    const account = await this.getAccount(userId);
    if (!account?.organisation) return { ok: false, errors: { name: 'required' } };
    const { errors, value } = validateOrganisation(input);
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const before = account.organisation;
    const changed = (Object.keys(value) as (keyof typeof value)[]).filter((k) => before[k] !== value[k]);
    if (changed.length === 0) return { ok: true };
    const now = this.#clock.now();
    await this.#repo.transaction(async (trx) => {
      await this.#repo.updateOrganisation(trx, before.id, value, now);
      await this.#audit.record({ action: 'organisation.updated', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: now, details: { changed } }, trx);
    });
    this.#forget(userId);
    return { ok: true };
  }

  async changePassword(
    user: CurrentUser,
    input: { current: string; password: string; confirm: string },
    meta: RequestMeta,
  ): Promise<Result<{ sessionToken: string }>> {
    const row = await this.#repo.findUserById(user.id);
    if (!row) return { ok: false, errors: { current: 'current_password_wrong' } };
    if (!(await verifyPassword(row.password_hash, input.current))) return { ok: false, errors: { current: 'current_password_wrong' } };
    const problem = passwordError(checkPassword(input.password, input.confirm, row));
    if (problem) return { ok: false, errors: { password: problem } };
    const passwordHash = await hashPassword(input.password);
    const now = this.#clock.now();
    const sessionToken = newToken();
    const organisation = row.organisation_id ? await this.#repo.findOrganisation(row.organisation_id) : null;
    const site = await this.#site();
    await this.#repo.transaction(async (trx) => {
      await this.#repo.setPassword(trx, row.id, passwordHash, now);
      // Every session is revoked, this one included; the browser that changed it gets a fresh one.
      await this.#repo.deleteUserSessions(trx, row.id);
      await this.#repo.insertSession(trx, { hash: hashToken(sessionToken), userId: row.id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
      await this.#audit.record({ action: 'password.changed', actorUserId: row.id, subjectUserId: row.id, ip: meta.ip, at: now }, trx);
      await this.#mail.enqueue(trx, {
        recipients: customerRecipients(row, organisation ?? null),
        template: 'accounts.password_changed',
        userId: row.id,
        rendered: passwordChangedMail(row.locale, { site, name: row.name, alias: row.alias }),
      });
    });
    this.#forget(row.id);
    return { ok: true, sessionToken };
  }

  // --- operators -----------------------------------------------------------------------------
  /** On a database with no operator yet: a fresh one-time link to create the first operator account. */
  async firstOperatorLink(): Promise<string | null> {
    if (await this.#repo.operatorExists()) return null;
    const now = this.#clock.now();
    const token = newToken();
    await this.#repo.transaction(async (trx) => {
      await this.#repo.retireTokens(trx, null, ['operator_setup'], now);
      await this.#repo.insertToken(trx, { userId: null, purpose: 'operator_setup', hash: hashToken(token), expiresAt: new Date(now.getTime() + OPERATOR_LINK_TTL) }, now);
    });
    return this.#link('/installation', token);
  }

  async completeOperatorSetup(
    token: unknown,
    input: { alias: string; name: string; email: string; password: string; confirm: string; locale: Locale },
    meta: RequestMeta,
  ): Promise<Result<{ sessionToken: string }> | { ok: false; link: 'unknown' | 'expired' | 'used' }> {
    const check = await this.checkToken(token, ['operator_setup']);
    if (!check.ok) return { ok: false, link: check.reason };
    const errors: FieldErrorCodes = {};
    if (!ALIAS_PATTERN.test(input.alias)) errors.alias = 'alias_invalid';
    if (!input.name) errors.name = 'required';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    const problem = passwordError(checkPassword(input.password, input.confirm, input));
    if (problem) errors.password = problem;
    if (!errors.alias && !errors.email) {
      const taken = await this.#repo.aliasOrEmailTaken(input.alias, input.email);
      if (taken.alias) errors.alias = 'alias_taken';
      if (taken.email) errors.email = 'email_taken';
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const passwordHash = await hashPassword(input.password);
    const now = this.#clock.now();
    const sessionToken = newToken();
    const row = (await this.#repo.findToken(hashToken(token as string)))!;
    try {
      const done = await this.#repo.transaction(async (trx) => {
        if (!(await this.#repo.consumeToken(trx, row.id, now))) return false;
        const id = await this.#repo.insertUser(trx, { alias: input.alias, name: input.name, email: input.email, role: 'operator', organisationId: null, locale: input.locale }, now);
        await this.#repo.setPassword(trx, id, passwordHash, now);
        await this.#repo.insertSession(trx, { hash: hashToken(sessionToken), userId: id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
        await this.#audit.record({ action: 'operator.created', actorUserId: id, subjectUserId: id, ip: meta.ip, at: now, details: { via: 'setup_link' } }, trx);
        return true;
      });
      if (!done) return { ok: false, link: 'used' };
    } catch (err) {
      const field = uniqueViolation(err);
      if (field) return { ok: false, errors: { [field]: field === 'alias' ? 'alias_taken' : 'email_taken' } };
      throw err;
    }
    return { ok: true, sessionToken };
  }

  /** `ecrin operator create --email E`: an operator account and a one-time link to set its password. */
  async createOperator(email: string, locale: Locale = 'fr'): Promise<{ ok: true; link: string; alias: string } | { ok: false; reason: 'email_invalid' | 'email_taken' }> {
    if (!validEmail(email)) return { ok: false, reason: 'email_invalid' };
    if (await this.#repo.findUserByEmail(email)) return { ok: false, reason: 'email_taken' };
    const base = (email.split('@')[0] ?? 'operateur').replace(/[^a-zA-Z0-9._-]/g, '').replace(/^[._-]+/, '').slice(0, 30) || 'operateur';
    let alias = base.length >= 3 ? base : `${base}-op`;
    for (let i = 2; (await this.#repo.aliasOrEmailTaken(alias, email)).alias; i++) alias = `${base}-${i}`;
    const now = this.#clock.now();
    const token = newToken();
    const site = await this.#site();
    const link = this.#link('/mot-de-passe/definir', token);
    await this.#repo.transaction(async (trx) => {
      const id = await this.#repo.insertUser(trx, { alias, name: alias, email, role: 'operator', organisationId: null, locale }, now);
      await this.#repo.insertToken(trx, { userId: id, purpose: 'set_password', hash: hashToken(token), expiresAt: new Date(now.getTime() + OPERATOR_LINK_TTL) }, now);
      await this.#audit.record({ action: 'operator.invited', subjectUserId: id, at: now, details: { via: 'cli' } }, trx);
      await this.#mail.enqueue(trx, { recipients: [email], template: 'accounts.operator_invite', userId: id, rendered: operatorInviteMail(locale, { site, name: alias, url: link }) });
    });
    return { ok: true, link, alias };
  }

  /** Housekeeping: expired sessions and old sign-in attempts. */
  async prune(): Promise<void> {
    const now = this.#clock.now();
    await this.#repo.deleteExpiredSessions(now);
    await this.#repo.pruneAttempts(new Date(now.getTime() - 30 * DAY));
  }

  get repository(): AccountsRepository {
    return this.#repo;
  }
}

