import type { Locale } from '../../platform/db/schema.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import { READ_CACHE_TTL, type Account } from './account-cache.ts';
import { siteName, type AccountsDeps, type FieldErrorCodes, type RequestMeta, type Result } from './accounts.deps.ts';
import { emailChangedMail } from './accounts.mails.ts';
import { uniqueViolation } from './accounts.repository.ts';
import { validateOrganisation, validEmail, type OrganisationInput } from './accounts.validation.ts';

/** "Votre compte": the person and the organisation (read on many pages, hence cached). */
export class ProfileService {
  readonly #d: AccountsDeps;
  constructor(deps: AccountsDeps) {
    this.#d = deps;
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

  async updatePerson(userId: number, input: { name: string; email: string; locale?: Locale }, meta: RequestMeta): Promise<Result<object>> {
    const { repo, audit, mail, clock, cache } = this.#d;
    const errors: FieldErrorCodes = {};
    if (!input.name) errors.name = 'required';
    else if (input.name.length > 120) errors.name = 'too_long';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const account = await this.getAccount(userId);
    if (!account) return { ok: false, errors: { name: 'required' } };
    const { user, organisation } = account;
    const emailChanged = user.email.toLowerCase() !== input.email.toLowerCase();
    if (emailChanged && (await repo.findUserByEmail(input.email))) return { ok: false, errors: { email: 'email_taken' } };
    const now = clock.now();
    const site = await siteName(this.#d);
    try {
      await repo.transaction(async (trx) => {
        await repo.updateUser(trx, userId, { name: input.name, email: input.email, ...(input.locale ? { locale: input.locale } : {}) }, now);
        const changed = [user.name !== input.name && 'name', user.email !== input.email && 'email', input.locale && input.locale !== user.locale && 'locale'].filter(Boolean);
        await audit.record({ action: 'account.updated', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: now, details: { changed } }, trx);
        if (emailChanged) {
          // Both the old and the new address hear of it: a hijacked session cannot quietly move the account.
          await mail.enqueue(trx, {
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
    cache.forget(userId);
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
    const now = this.#d.clock.now();
    await this.#d.repo.transaction(async (trx) => {
      await this.#d.repo.updateOrganisation(trx, before.id, value, now);
      await this.#d.audit.record({ action: 'organisation.updated', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: now, details: { changed } }, trx);
    });
    this.#d.cache.forget(userId);
    return { ok: true };
  }
}
