import { DAY, HOUR } from '../../platform/clock.ts';
import type { Locale, TokenPurpose, User } from '../../platform/db/schema.ts';
import { hashToken, looksLikeToken, newToken } from '../../platform/tokens.ts';
import type { CurrentUser } from '../../web/context.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import { passwordChangedMail, resetMail, welcomeMail } from './accounts.mails.ts';
import { uniqueViolation } from './accounts.repository.ts';
import { ALIAS_PATTERN, validEmail } from './accounts.validation.ts';
import { passwordError, siteName, tokenLink, type AccountsDeps, type FieldErrorCodes, type RequestMeta, type Result } from './accounts.deps.ts';
import { checkPassword, hashPassword, verifyPassword } from './passwords.ts';
import { SESSION_TTL } from './sessions.service.ts';
import { ALL_LINKS } from './email-change.service.ts';

export const SIGNUP_LINK_TTL = 48 * HOUR;
export const RESET_LINK_TTL = 2 * HOUR;
export const OPERATOR_LINK_TTL = 7 * DAY;
/** Reset e-mails per account and hour: enough for a lost mail, too few to flood a mailbox. */
export const RESET_MAX_PER_HOUR = 3;

export type TokenCheck =
  | { ok: true; purpose: TokenPurpose; user: User | null }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' };

/** Credentials: sign-up, single-use links (set, reset), passwords. */
export class CredentialsService {
  readonly #d: AccountsDeps;
  constructor(deps: AccountsDeps) {
    this.#d = deps;
  }

  /**
   * `returnTo` (a same-site path, e.g. the order form with a plan chosen) rides in the e-mailed link,
   * so the person lands there once the password is set, whichever browser opens the mail.
   */
  async signUp(input: { alias: string; name: string; email: string; organisation: string; locale: Locale; returnTo?: string | null }, meta: RequestMeta): Promise<Result<{ userId: number }>> {
    const { repo, audit, mail, clock } = this.#d;
    const errors: FieldErrorCodes = {};
    if (!ALIAS_PATTERN.test(input.alias)) errors.alias = 'alias_invalid';
    if (!input.name) errors.name = 'required';
    else if (input.name.length > 120) errors.name = 'too_long';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    if (!input.organisation) errors.organisation = 'required';
    else if (input.organisation.length > 200) errors.organisation = 'too_long';
    if (!errors.alias || !errors.email) {
      const taken = await repo.aliasOrEmailTaken(input.alias, input.email);
      if (taken.alias && !errors.alias) errors.alias = 'alias_taken';
      if (taken.email && !errors.email) errors.email = 'email_taken';
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };

    const now = clock.now();
    const token = newToken();
    const site = await siteName(this.#d);
    try {
      const userId = await repo.transaction(async (trx) => {
        const organisationId = await repo.insertOrganisation(
          trx,
          { name: input.organisation, legal_form: null, registration_number: null, address: null, postcode: null, city: null, country: 'FR', email: null, phone: null },
          now,
        );
        const id = await repo.insertUser(trx, { alias: input.alias, name: input.name, email: input.email, role: 'customer', organisationId, locale: input.locale }, now);
        await repo.insertToken(trx, { userId: id, purpose: 'set_password', hash: hashToken(token), expiresAt: new Date(now.getTime() + SIGNUP_LINK_TTL) }, now);
        await audit.record({ action: 'signup', actorUserId: id, subjectUserId: id, ip: meta.ip, at: now, details: { alias: input.alias } }, trx);
        await mail.enqueue(trx, {
          recipients: [input.email],
          template: 'accounts.welcome',
          userId: id,
          holdsLink: true,
          rendered: welcomeMail(input.locale, { site, name: input.name, alias: input.alias, organisation: input.organisation, url: tokenLink(this.#d, '/mot-de-passe/definir', token, input.returnTo) }),
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

  /** "Mot de passe ou alias oublié ?": same outcome for the caller whether the address is known or not. */
  async requestPasswordReset(email: string, locale: Locale, meta: RequestMeta): Promise<void> {
    const { repo, audit, mail, clock } = this.#d;
    if (!validEmail(email)) return;
    const user = await repo.findUserByEmail(email);
    const now = clock.now();
    if (!user) {
      await audit.record({ action: 'password.reset_requested', ip: meta.ip, at: now, details: { known: false } });
      return;
    }
    if ((await repo.countTokensSince(user.id, 'reset_password', new Date(now.getTime() - HOUR))) >= RESET_MAX_PER_HOUR) {
      await audit.record({ action: 'password.reset_requested', subjectUserId: user.id, ip: meta.ip, at: now, details: { known: true, throttled: true } });
      return;
    }
    const token = newToken();
    const site = await siteName(this.#d);
    await repo.transaction(async (trx) => {
      await repo.retireTokens(trx, user.id, ['reset_password'], now);
      await repo.insertToken(trx, { userId: user.id, purpose: 'reset_password', hash: hashToken(token), expiresAt: new Date(now.getTime() + RESET_LINK_TTL) }, now);
      await audit.record({ action: 'password.reset_requested', subjectUserId: user.id, ip: meta.ip, at: now, details: { known: true } }, trx);
      await mail.enqueue(trx, {
        // The person's own address only — the one a link confirmed (or the sign-up address, which
        // the sign-up link itself confirms): never the organisation's, whoever changed it.
        recipients: [user.email],
        template: 'accounts.reset',
        userId: user.id,
        holdsLink: true,
        rendered: resetMail(user.locale ?? locale, { site, name: user.name, alias: user.alias, url: tokenLink(this.#d, '/mot-de-passe/definir', token), hours: RESET_LINK_TTL / HOUR }),
      });
    });
  }

  async checkToken(token: unknown, purposes: TokenPurpose[]): Promise<TokenCheck> {
    if (!looksLikeToken(token)) return { ok: false, reason: 'unknown' };
    const row = await this.#d.repo.findToken(hashToken(token));
    if (!row || !purposes.includes(row.purpose)) return { ok: false, reason: 'unknown' };
    if (row.used_at) return { ok: false, reason: 'used' };
    if (new Date(row.expires_at).getTime() <= this.#d.clock.now().getTime()) return { ok: false, reason: 'expired' };
    const user = row.user_id ? ((await this.#d.repo.findUserById(row.user_id)) ?? null) : null;
    return { ok: true, purpose: row.purpose, user };
  }

  /** Sets the password from a sign-up or reset link; signs the person in on a fresh session. */
  async setPasswordWithToken(
    token: unknown,
    password: string,
    confirm: string,
    meta: RequestMeta,
  ): Promise<Result<{ sessionToken: string; user: User }> | { ok: false; link: Exclude<TokenCheck, { ok: true }>['reason'] }> {
    const { repo, audit, mail, clock, cache } = this.#d;
    const check = await this.checkToken(token, ['set_password', 'reset_password']);
    if (!check.ok) return { ok: false, link: check.reason };
    const user = check.user!;
    const problem = passwordError(checkPassword(password, confirm, user));
    if (problem) return { ok: false, errors: { password: problem } };
    const passwordHash = await hashPassword(password);
    const now = clock.now();
    const sessionToken = newToken();
    const row = (await repo.findToken(hashToken(token as string)))!;
    const organisation = user.organisation_id ? await repo.findOrganisation(user.organisation_id) : null;
    const site = await siteName(this.#d);
    const consumed = await repo.transaction(async (trx) => {
      if (!(await repo.consumeToken(trx, row.id, now))) return false;
      await repo.setPassword(trx, user.id, passwordHash, now);
      // Every other outstanding link (reset, address confirmation) went out before: none works now.
      await repo.retireTokens(trx, user.id, [...ALL_LINKS], now);
      await repo.deleteUserSessions(trx, user.id);
      await repo.insertSession(trx, { hash: hashToken(sessionToken), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
      await audit.record({ action: 'password.set', actorUserId: user.id, subjectUserId: user.id, ip: meta.ip, at: now, details: { via: row.purpose } }, trx);
      if (row.purpose === 'reset_password') {
        await mail.enqueue(trx, {
          recipients: customerRecipients(user, organisation ?? null),
          template: 'accounts.password_changed',
          userId: user.id,
          rendered: passwordChangedMail(user.locale, { site, name: user.name, alias: user.alias }),
        });
      }
      return true;
    });
    cache.forget(user.id);
    if (!consumed) return { ok: false, link: 'used' };
    return { ok: true, sessionToken, user };
  }

  async changePassword(user: CurrentUser, input: { current: string; password: string; confirm: string }, meta: RequestMeta): Promise<Result<{ sessionToken: string }>> {
    const { repo, audit, mail, clock, cache } = this.#d;
    const row = await repo.findUserById(user.id);
    if (!row) return { ok: false, errors: { current: 'current_password_wrong' } };
    if (!(await verifyPassword(row.password_hash, input.current))) return { ok: false, errors: { current: 'current_password_wrong' } };
    const problem = passwordError(checkPassword(input.password, input.confirm, row));
    if (problem) return { ok: false, errors: { password: problem } };
    const passwordHash = await hashPassword(input.password);
    const now = clock.now();
    const sessionToken = newToken();
    const organisation = row.organisation_id ? await repo.findOrganisation(row.organisation_id) : null;
    const site = await siteName(this.#d);
    await repo.transaction(async (trx) => {
      await repo.setPassword(trx, row.id, passwordHash, now);
      // Every outstanding link is retired (a reset link sent earlier, a pending change of address)…
      await repo.retireTokens(trx, row.id, [...ALL_LINKS], now);
      // …and every session revoked, this one included; the browser that changed it gets a fresh one.
      await repo.deleteUserSessions(trx, row.id);
      await repo.insertSession(trx, { hash: hashToken(sessionToken), userId: row.id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
      await audit.record({ action: 'password.changed', actorUserId: row.id, subjectUserId: row.id, ip: meta.ip, at: now }, trx);
      await mail.enqueue(trx, {
        recipients: customerRecipients(row, organisation ?? null),
        template: 'accounts.password_changed',
        userId: row.id,
        rendered: passwordChangedMail(row.locale, { site, name: row.name, alias: row.alias }),
      });
    });
    cache.forget(row.id);
    return { ok: true, sessionToken };
  }
}
