import type { Locale } from '../../platform/db/schema.ts';
import { READ_CACHE_TTL, type Account } from './account-cache.ts';
import { siteName, type AccountsDeps, type FieldErrorCodes, type RequestMeta, type Result } from './accounts.deps.ts';
import { emailChangedMail } from './accounts.mails.ts';
import { validateOrganisation, validEmail, type OrganisationInput } from './accounts.validation.ts';
import { EmailChangeService } from './email-change.service.ts';

/** What a change of the profile did: saved, and a new address waiting for its confirmation link. */
export type ProfileChange = Result<{ pendingEmail: string | null }>;

const same = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/** "Votre compte": the person and the organisation (read on many pages, hence cached). */
export class ProfileService {
  readonly #d: AccountsDeps;
  readonly #emails: EmailChangeService;
  constructor(deps: AccountsDeps, emails: EmailChangeService) {
    this.#d = deps;
    this.#emails = emails;
  }

  async getAccount(userId: number): Promise<Account | null> {
    const { repo, clock, cache } = this.#d;
    const now = clock.now().getTime();
    const cached = cache.accounts.get(userId);
    if (cached && cached.until > now) return cached.account;
    const epoch = cache.epoch;
    const user = await repo.findUserById(userId);
    if (!user) return null;
    const organisation = user.organisation_id ? ((await repo.findOrganisation(user.organisation_id)) ?? null) : null;
    const account = { user, organisation };
    if (epoch === cache.epoch) cache.accounts.set(userId, { account, until: now + READ_CACHE_TTL });
    return account;
  }

  /** Several accounts at once (the daily sweep's), in two queries; missing users are left out. */
  async getAccounts(userIds: readonly number[]): Promise<Map<number, Account>> {
    const { repo } = this.#d;
    const users = await repo.findUsersByIds([...new Set(userIds)]);
    const orgIds = [...new Set(users.flatMap((u) => (u.organisation_id ? [Number(u.organisation_id)] : [])))];
    const organisations = new Map((await repo.findOrganisations(orgIds)).map((o) => [Number(o.id), o]));
    return new Map(users.map((user) => [Number(user.id), { user, organisation: user.organisation_id ? (organisations.get(Number(user.organisation_id)) ?? null) : null }]));
  }

  /**
   * The person's name, language and address. A new address needs the current password and is used
   * only once confirmed from the link sent to it (EmailChangeService); the rest is saved at once.
   */
  async updatePerson(userId: number, input: { name: string; email: string; locale?: Locale; currentPassword: string }, meta: RequestMeta): Promise<ProfileChange> {
    const { repo, audit, clock, cache } = this.#d;
    const errors: FieldErrorCodes = {};
    if (!input.name) errors.name = 'required';
    else if (input.name.length > 120) errors.name = 'too_long';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const account = await this.getAccount(userId);
    if (!account) return { ok: false, errors: { name: 'required' } };
    const { user, organisation } = account;
    const emailChanged = !same(user.email, input.email);
    if (emailChanged) {
      const other = await repo.findUserByEmail(input.email);
      if (other && other.id !== user.id) return { ok: false, errors: { email: 'email_taken' } };
      const refused = await this.#emails.checkPassword(user, input.currentPassword);
      if (refused) return { ok: false, errors: refused };
    }
    const now = clock.now();
    const changed = [user.name !== input.name && 'name', input.locale && input.locale !== user.locale && 'locale'].filter(Boolean);
    await repo.transaction(async (trx) => {
      if (changed.length > 0) {
        await repo.updateUser(trx, userId, { name: input.name, ...(input.locale ? { locale: input.locale } : {}) }, now);
        await audit.record({ action: 'account.updated', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: now, details: { changed } }, trx);
      }
      if (emailChanged) await this.#emails.request(trx, { user: { ...user, name: input.name, locale: input.locale ?? user.locale }, organisation, target: 'person', email: input.email.trim(), meta });
    });
    cache.forget(userId);
    return { ok: true, pendingEmail: emailChanged ? input.email.trim() : null };
  }

  /**
   * The organisation's details (printed on invoices). Its e-mail address receives every e-mail of
   * the account: changing it needs the current password, and a new one is used only once confirmed
   * (the person's own address, already confirmed, or none at all, apply at once).
   */
  async updateOrganisation(userId: number, input: OrganisationInput & { currentPassword: string }, meta: RequestMeta): Promise<ProfileChange> {
    const { repo, audit, mail, clock, cache } = this.#d;
    const account = await this.getAccount(userId);
    if (!account?.organisation) return { ok: false, errors: { name: 'required' } };
    const { errors, value } = validateOrganisation(input);
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const before = account.organisation;
    const emailChanged = !same(before.email, value.email);
    if (emailChanged) {
      const refused = await this.#emails.checkPassword(account.user, input.currentPassword);
      if (refused) return { ok: false, errors: refused };
    }
    // A new address other than the person's waits for its confirmation; the rest is saved now.
    const needsConfirmation = emailChanged && value.email !== null && !same(value.email, account.user.email);
    const saved = { ...value, email: needsConfirmation ? before.email : value.email };
    const changed = (Object.keys(saved) as (keyof typeof saved)[]).filter((k) => before[k] !== saved[k]);
    if (changed.length === 0 && !needsConfirmation) return { ok: true, pendingEmail: null };
    const now = clock.now();
    const site = await siteName(this.#d);
    await repo.transaction(async (trx) => {
      if (changed.length > 0) {
        await repo.updateOrganisation(trx, before.id, saved, now);
        await audit.record({ action: 'organisation.updated', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: now, details: { changed } }, trx);
      }
      if (needsConfirmation) await this.#emails.request(trx, { user: account.user, organisation: before, target: 'organisation', email: value.email!, meta });
      else if (emailChanged) {
        // Removed, or set to the person's own address: the address it had is told.
        await mail.enqueue(trx, {
          recipients: [...new Set([account.user.email, ...(before.email ? [before.email] : [])])],
          template: 'accounts.email_changed',
          userId,
          rendered: emailChangedMail(account.user.locale, { site, name: account.user.name, alias: account.user.alias, email: value.email ?? '—', previous: before.email ?? '', target: 'organisation', organisation: before.name }),
        });
      }
    });
    cache.forget(userId);
    return { ok: true, pendingEmail: needsConfirmation ? value.email : null };
  }
}
