import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { DB } from '../../platform/db/schema.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { MailService } from '../notifications/mail.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { AccountCache, type Account } from './account-cache.ts';
import type { AccountsDeps } from './accounts.deps.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { CredentialsService } from './credentials.service.ts';
import { OperatorsService } from './operators.service.ts';
import { EmailChangeService } from './email-change.service.ts';
import { ProfileService } from './profile.service.ts';
import { SessionsService } from './sessions.service.ts';

export { READ_CACHE_TTL, type Account } from './account-cache.ts';
export type { RequestMeta, Result } from './accounts.deps.ts';
export { OPERATOR_LINK_TTL, RESET_LINK_TTL, RESET_MAX_PER_HOUR, SIGNUP_LINK_TTL, type TokenCheck } from './credentials.service.ts';
export { SESSION_TTL, SIGNIN_ALERT_AFTER, SIGNIN_FREE_FAILURES, signInDelay, type SignInResult } from './sessions.service.ts';

/**
 * Accounts, as the rest of ecrin sees them: one object over four concerns kept in files of their
 * own — credentials and links, sessions and their cache, the profile, operators — which share one
 * repository and one read cache (a change made by one is seen by the others at once).
 */
export class AccountsService {
  readonly #repo: AccountsRepository;
  readonly #credentials: CredentialsService;
  readonly #sessions: SessionsService;
  readonly #profile: ProfileService;
  readonly #operators: OperatorsService;
  readonly #emails: EmailChangeService;

  readonly #cache: AccountCache;
  readonly #clock: Clock;

  constructor(deps: { repo: AccountsRepository; audit: AuditService; mail: MailService; settings: SettingsService; clock: Clock; portalUrl: () => string }) {
    const shared: AccountsDeps = { ...deps, cache: new AccountCache() };
    this.#repo = deps.repo;
    this.#cache = shared.cache;
    this.#clock = deps.clock;
    this.#credentials = new CredentialsService(shared);
    this.#sessions = new SessionsService(shared);
    this.#emails = new EmailChangeService(shared);
    this.#profile = new ProfileService(shared, this.#emails);
    this.#operators = new OperatorsService(shared, this.#credentials);
  }

  // --- credentials and single-use links --------------------------------------------------------
  signUp(...a: Parameters<CredentialsService['signUp']>) {
    return this.#credentials.signUp(...a);
  }
  requestPasswordReset(...a: Parameters<CredentialsService['requestPasswordReset']>) {
    return this.#credentials.requestPasswordReset(...a);
  }
  checkToken(...a: Parameters<CredentialsService['checkToken']>) {
    return this.#credentials.checkToken(...a);
  }
  setPasswordWithToken(...a: Parameters<CredentialsService['setPasswordWithToken']>) {
    return this.#credentials.setPasswordWithToken(...a);
  }
  changePassword(...a: Parameters<CredentialsService['changePassword']>) {
    return this.#credentials.changePassword(...a);
  }

  // --- sessions --------------------------------------------------------------------------------
  signIn(...a: Parameters<SessionsService['signIn']>) {
    return this.#sessions.signIn(...a);
  }
  resolveSession(...a: Parameters<SessionsService['resolveSession']>) {
    return this.#sessions.resolveSession(...a);
  }
  signOut(...a: Parameters<SessionsService['signOut']>) {
    return this.#sessions.signOut(...a);
  }
  prune() {
    return this.#sessions.prune();
  }

  // --- "Votre compte" --------------------------------------------------------------------------
  getAccount(userId: number): Promise<Account | null> {
    return this.#profile.getAccount(userId);
  }
  /** Several accounts in two queries (the daily sweep reads those it acts for at once). */
  getAccounts(userIds: readonly number[]): Promise<Map<number, Account>> {
    return this.#profile.getAccounts(userIds);
  }
  updatePerson(...a: Parameters<ProfileService['updatePerson']>) {
    return this.#profile.updatePerson(...a);
  }
  updateOrganisation(...a: Parameters<ProfileService['updateOrganisation']>) {
    return this.#profile.updateOrganisation(...a);
  }
  /** A confirmation link of a new address: where it leads, without using it. */
  checkEmailConfirmation(token: unknown) {
    return this.#emails.check(token);
  }
  confirmEmail(...a: Parameters<EmailChangeService['confirm']>) {
    return this.#emails.confirm(...a);
  }

  /**
   * Closes an account in the caller's transaction (the use case close-account holds the rules):
   * the name, e-mail, alias, organisation's address and phone replaced by placeholders (the e-mail
   * by a unique address of the reserved `.invalid` domain, which no mail server delivers), the
   * password removed, every session revoked and every link retired. The rows stay: orders and
   * documents, kept as the law requires, refer to them.
   */
  async eraseAccount(trx: Kysely<DB>, userId: number): Promise<void> {
    const user = await this.#repo.findUserById(userId, trx);
    if (!user) throw new Error(`no user ${userId}`);
    const tag = `${userId}-${randomBytes(6).toString('hex')}`;
    await this.#repo.eraseAccount(trx, userId, user.organisation_id, { alias: `clos-${tag}`, email: `compte-clos-${tag}@clos.invalid`, name: 'Compte clôturé', organisation: 'Organisation (compte clôturé)' }, this.#clock.now());
    this.#cache.forget(userId);
  }

  // --- operators -------------------------------------------------------------------------------
  firstOperatorLink() {
    return this.#operators.firstOperatorLink();
  }
  completeOperatorSetup(...a: Parameters<OperatorsService['completeOperatorSetup']>) {
    return this.#operators.completeOperatorSetup(...a);
  }
  createOperator(...a: Parameters<OperatorsService['createOperator']>) {
    return this.#operators.createOperator(...a);
  }
  operatorEmails(): Promise<string[]> {
    return this.#operators.operatorEmails();
  }

  // --- reads for the back office and the other modules -----------------------------------------
  findUserByEmail(email: string) {
    return this.#repo.findUserByEmail(email);
  }
  searchCustomers(opts: { q: string; limit: number; offset: number }) {
    return this.#repo.searchCustomers(opts);
  }
  /** Of these user ids, the ones that are customers (for links to the customer page). */
  customerIds(ids: readonly number[]): Promise<Set<number>> {
    return this.#repo.customerIds(ids);
  }
  /** Customers, and those who signed up since the date given (the back office's dashboard). */
  countCustomers(since: Date): Promise<{ customers: number; newCustomers: number }> {
    return this.#repo.countCustomers(since);
  }
}
