import type { Locale } from '../../platform/db/schema.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { operatorInviteMail } from './accounts.mails.ts';
import { uniqueViolation } from './accounts.repository.ts';
import { ALIAS_PATTERN, validEmail } from './accounts.validation.ts';
import { passwordError, siteName, tokenLink, type AccountsDeps, type FieldErrorCodes, type RequestMeta, type Result } from './accounts.deps.ts';
import { OPERATOR_LINK_TTL, type CredentialsService } from './credentials.service.ts';
import { checkPassword, hashPassword } from './passwords.ts';
import { SESSION_TTL } from './sessions.service.ts';

/** Operator accounts: the first one (set-up link), the CLI's invitations, who gets operator alerts. */
export class OperatorsService {
  readonly #d: AccountsDeps;
  readonly #credentials: CredentialsService;
  constructor(deps: AccountsDeps, credentials: CredentialsService) {
    this.#d = deps;
    this.#credentials = credentials;
  }

  /** On a database with no operator yet: a fresh one-time link to create the first operator account. */
  async firstOperatorLink(): Promise<string | null> {
    const { repo, clock } = this.#d;
    if (await repo.operatorExists()) return null;
    const now = clock.now();
    const token = newToken();
    await repo.transaction(async (trx) => {
      await repo.retireTokens(trx, null, ['operator_setup'], now);
      await repo.insertToken(trx, { userId: null, purpose: 'operator_setup', hash: hashToken(token), expiresAt: new Date(now.getTime() + OPERATOR_LINK_TTL) }, now);
    });
    return tokenLink(this.#d, '/installation', token);
  }

  async completeOperatorSetup(
    token: unknown,
    input: { alias: string; name: string; email: string; password: string; confirm: string; locale: Locale },
    meta: RequestMeta,
  ): Promise<Result<{ sessionToken: string }> | { ok: false; link: 'unknown' | 'expired' | 'used' }> {
    const { repo, audit, clock } = this.#d;
    const check = await this.#credentials.checkToken(token, ['operator_setup']);
    if (!check.ok) return { ok: false, link: check.reason };
    const errors: FieldErrorCodes = {};
    if (!ALIAS_PATTERN.test(input.alias)) errors.alias = 'alias_invalid';
    if (!input.name) errors.name = 'required';
    if (!validEmail(input.email)) errors.email = 'email_invalid';
    const problem = passwordError(checkPassword(input.password, input.confirm, input));
    if (problem) errors.password = problem;
    if (!errors.alias && !errors.email) {
      const taken = await repo.aliasOrEmailTaken(input.alias, input.email);
      if (taken.alias) errors.alias = 'alias_taken';
      if (taken.email) errors.email = 'email_taken';
    }
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const passwordHash = await hashPassword(input.password);
    const now = clock.now();
    const sessionToken = newToken();
    const row = (await repo.findToken(hashToken(token as string)))!;
    try {
      const done = await repo.transaction(async (trx) => {
        if (!(await repo.consumeToken(trx, row.id, now))) return false;
        const id = await repo.insertUser(trx, { alias: input.alias, name: input.name, email: input.email, role: 'operator', organisationId: null, locale: input.locale }, now);
        await repo.setPassword(trx, id, passwordHash, now);
        await repo.insertSession(trx, { hash: hashToken(sessionToken), userId: id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
        await audit.record({ action: 'operator.created', actorUserId: id, subjectUserId: id, ip: meta.ip, at: now, details: { via: 'setup_link' } }, trx);
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
    const { repo, audit, mail, clock } = this.#d;
    if (!validEmail(email)) return { ok: false, reason: 'email_invalid' };
    if (await repo.findUserByEmail(email)) return { ok: false, reason: 'email_taken' };
    const base = (email.split('@')[0] ?? 'operateur').replace(/[^a-zA-Z0-9._-]/g, '').replace(/^[._-]+/, '').slice(0, 30) || 'operateur';
    let alias = base.length >= 3 ? base : `${base}-op`;
    for (let i = 2; (await repo.aliasOrEmailTaken(alias, email)).alias; i++) alias = `${base}-${i}`;
    const now = clock.now();
    const token = newToken();
    const site = await siteName(this.#d);
    const link = tokenLink(this.#d, '/mot-de-passe/definir', token);
    await repo.transaction(async (trx) => {
      const id = await repo.insertUser(trx, { alias, name: alias, email, role: 'operator', organisationId: null, locale }, now);
      await repo.insertToken(trx, { userId: id, purpose: 'set_password', hash: hashToken(token), expiresAt: new Date(now.getTime() + OPERATOR_LINK_TTL) }, now);
      await audit.record({ action: 'operator.invited', subjectUserId: id, at: now, details: { via: 'cli' } }, trx);
      await mail.enqueue(trx, { recipients: [email], template: 'accounts.operator_invite', userId: id, holdsLink: true, rendered: operatorInviteMail(locale, { site, name: alias, url: link }) });
    });
    return { ok: true, link, alias };
  }

  /** Where operator alerts go: every operator who has set a password. */
  operatorEmails(): Promise<string[]> {
    return this.#d.repo.operatorEmails();
  }
}
