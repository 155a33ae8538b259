import type { Kysely } from 'kysely';
import { DAY } from '../../platform/clock.ts';
import type { DB, Organisation, User } from '../../platform/db/schema.ts';
import { hashToken, looksLikeToken, newToken } from '../../platform/tokens.ts';
import { siteName, tokenLink, type AccountsDeps, type FieldErrorCodes, type RequestMeta } from './accounts.deps.ts';
import { confirmEmailMail, emailChangedMail, emailChangeRequestedMail } from './accounts.mails.ts';
import { uniqueViolation } from './accounts.repository.ts';
import { verifyPassword } from './passwords.ts';

export const EMAIL_LINK_TTL = 2 * DAY;

/** Links retired when the account's credentials or addresses change (outstanding links go to old places). */
export const ALL_LINKS = ['set_password', 'reset_password', 'confirm_email', 'confirm_org_email'] as const;

export type Target = 'person' | 'organisation';
export type ConfirmCheck =
  | { ok: true; target: Target; email: string; user: User }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' };

/**
 * A new e-mail address — the person's, or the organisation's, which receives every e-mail too — is
 * used only once a link sent to it has been followed: whoever holds a session (a borrowed computer,
 * a forged request) cannot quietly route the account's mail, and its next reset link, elsewhere.
 * Asking needs the current password; the address in use hears of the request, and of the change.
 */
export class EmailChangeService {
  readonly #d: AccountsDeps;
  constructor(deps: AccountsDeps) {
    this.#d = deps;
  }

  /** The current password, for a change of address (null: fine). */
  async checkPassword(user: User, password: string): Promise<FieldErrorCodes | null> {
    if (!password) return { current_password: 'current_password_required' };
    return (await verifyPassword(user.password_hash, password)) ? null : { current_password: 'current_password_wrong' };
  }

  /** Sends the confirmation link to the new address, and a word to the address in use. Inside the caller's transaction. */
  async request(trx: Kysely<DB>, o: { user: User; organisation: Organisation | null; target: Target; email: string; meta: RequestMeta }): Promise<void> {
    const { repo, audit, mail, clock } = this.#d;
    const now = clock.now();
    const token = newToken();
    const purpose = o.target === 'person' ? 'confirm_email' : 'confirm_org_email';
    const site = await siteName(this.#d);
    const previous = o.target === 'person' ? o.user.email : o.organisation?.email ?? null;
    await repo.retireTokens(trx, o.user.id, [purpose], now);
    await repo.insertToken(trx, { userId: o.user.id, purpose, hash: hashToken(token), expiresAt: new Date(now.getTime() + EMAIL_LINK_TTL), email: o.email }, now);
    await audit.record({ action: 'account.email_change_requested', actorUserId: o.user.id, subjectUserId: o.user.id, ip: o.meta.ip, at: now, details: { target: o.target } }, trx);
    const d = { site, name: o.user.name, alias: o.user.alias, email: o.email, previous: previous ?? '', organisation: o.organisation?.name ?? '', target: o.target };
    await mail.enqueue(trx, {
      recipients: [o.email],
      template: 'accounts.confirm_email',
      userId: o.user.id,
      holdsLink: true,
      rendered: confirmEmailMail(o.user.locale, { ...d, url: tokenLink(this.#d, '/courriel/confirmer', token), days: EMAIL_LINK_TTL / DAY }),
    });
    // The address in use (the person's own, for the organisation's) is told of the request.
    await mail.enqueue(trx, {
      recipients: [...new Set([o.user.email, ...(previous ? [previous] : [])])],
      template: 'accounts.email_change_requested',
      userId: o.user.id,
      rendered: emailChangeRequestedMail(o.user.locale, d),
    });
  }

  async check(token: unknown): Promise<ConfirmCheck> {
    if (!looksLikeToken(token)) return { ok: false, reason: 'unknown' };
    const row = await this.#d.repo.findToken(hashToken(token));
    if (!row || (row.purpose !== 'confirm_email' && row.purpose !== 'confirm_org_email') || !row.email || !row.user_id) return { ok: false, reason: 'unknown' };
    if (row.used_at) return { ok: false, reason: 'used' };
    if (new Date(row.expires_at).getTime() <= this.#d.clock.now().getTime()) return { ok: false, reason: 'expired' };
    const user = await this.#d.repo.findUserById(row.user_id);
    if (!user) return { ok: false, reason: 'unknown' };
    return { ok: true, target: row.purpose === 'confirm_email' ? 'person' : 'organisation', email: row.email, user };
  }

  /** The link followed: the address becomes the account's; the links sent to the old one are retired. */
  async confirm(token: unknown, meta: RequestMeta): Promise<{ ok: true; target: Target; email: string; userId: number } | { ok: false; reason: 'unknown' | 'expired' | 'used' | 'email_taken' }> {
    const { repo, audit, mail, clock, cache } = this.#d;
    const check = await this.check(token);
    if (!check.ok) return check;
    const { user, target, email } = check;
    const row = (await repo.findToken(hashToken(token as string)))!;
    const organisation = user.organisation_id ? ((await repo.findOrganisation(user.organisation_id)) ?? null) : null;
    if (target === 'person') {
      const other = await repo.findUserByEmail(email);
      if (other && other.id !== user.id) return { ok: false, reason: 'email_taken' };
    }
    const now = clock.now();
    const site = await siteName(this.#d);
    const previous = target === 'person' ? user.email : organisation?.email ?? null;
    try {
      const done = await repo.transaction(async (trx) => {
        if (!(await repo.consumeToken(trx, row.id, now))) return false;
        if (target === 'person') {
          await repo.updateUserEmail(trx, user.id, email, now);
          // Reset and sign-up links went to the old address: none of them works any more.
          await repo.retireTokens(trx, user.id, [...ALL_LINKS], now);
        } else if (organisation) {
          await repo.updateOrganisationEmail(trx, organisation.id, email, now);
        }
        await audit.record({ action: 'account.email_changed', actorUserId: user.id, subjectUserId: user.id, ip: meta.ip, at: now, details: { target } }, trx);
        await mail.enqueue(trx, {
          recipients: [...new Set([...(previous ? [previous] : []), email, user.email])],
          template: 'accounts.email_changed',
          userId: user.id,
          rendered: emailChangedMail(user.locale, { site, name: user.name, alias: user.alias, email, previous: previous ?? '', target, organisation: organisation?.name ?? '' }),
        });
        return true;
      });
      if (!done) return { ok: false, reason: 'used' };
    } catch (err) {
      if (uniqueViolation(err) === 'email') return { ok: false, reason: 'email_taken' };
      throw err;
    }
    cache.forget(user.id);
    return { ok: true, target, email, userId: user.id };
  }
}
