import { DAY, HOUR, MINUTE, SECOND } from '../../platform/clock.ts';
import type { User } from '../../platform/db/schema.ts';
import { hashToken, looksLikeToken, newToken } from '../../platform/tokens.ts';
import type { CurrentUser } from '../../web/context.ts';
import { READ_CACHE_TTL } from './account-cache.ts';
import { siteName, type AccountsDeps, type RequestMeta } from './accounts.deps.ts';
import { signInFailuresMail } from './accounts.mails.ts';
import { verifyPassword } from './passwords.ts';

export const SESSION_TTL = 14 * DAY;

/**
 * Sign-in throttling, per (account, address): the first failures are free, then each further try
 * from that address waits a delay that doubles, up to a ceiling; a success from that address starts
 * again. Another address is not slowed by them — a stranger cannot lock the holder out, and the
 * right password from the holder's own address always gets in. Failures older than the memory no
 * longer count.
 */
export const SIGNIN_FREE_FAILURES = 5;
export const SIGNIN_FIRST_DELAY = 15 * SECOND;
export const SIGNIN_MAX_DELAY = 15 * MINUTE;
export const SIGNIN_MEMORY = DAY;
/** The holder is told by e-mail once the account has had this many failures within a day (at most once a day). */
export const SIGNIN_ALERT_AFTER = 10;

/** How long after its last failure an address must wait before trying again, having failed `failures` times. */
export function signInDelay(failures: number): number {
  if (failures < SIGNIN_FREE_FAILURES) return 0;
  return Math.min(SIGNIN_MAX_DELAY, SIGNIN_FIRST_DELAY * 2 ** (failures - SIGNIN_FREE_FAILURES));
}

export type SignInResult =
  | { ok: true; sessionToken: string; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** Sessions: sign-in (throttled per account), the session behind each request (cached), sign-out. */
export class SessionsService {
  readonly #d: AccountsDeps;
  constructor(deps: AccountsDeps) {
    this.#d = deps;
  }

  async signIn(identifier: string, password: string, meta: RequestMeta & { previousSessionToken?: string | undefined }): Promise<SignInResult> {
    const { repo, audit, clock, cache } = this.#d;
    const now = clock.now();
    const user = identifier ? await repo.findUserByAliasOrEmail(identifier) : undefined;
    const accountKey = user ? `user:${user.id}` : `unknown:${identifier.toLowerCase().slice(0, 254)}`;
    const failures = await repo.recentFailures(accountKey, meta.ip, new Date(now.getTime() - SIGNIN_MEMORY));
    const until = (failures.last?.getTime() ?? 0) + signInDelay(failures.count);
    if (until > now.getTime()) {
      await audit.record({ action: 'signin.throttled', subjectUserId: user?.id ?? null, ip: meta.ip, at: now, details: { identifier: identifier.slice(0, 254), failures: failures.count } });
      return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
    }
    const valid = await verifyPassword(user?.password_hash ?? null, password);
    await repo.recordAttempt(accountKey, meta.ip, valid, now);
    if (!valid || !user) {
      await audit.record({ action: 'signin.failure', subjectUserId: user?.id ?? null, ip: meta.ip, at: now, details: { identifier: identifier.slice(0, 254) } });
      if (user) await this.#tellHolder(user, accountKey, meta, now);
      return { ok: false, reason: 'invalid' };
    }
    const sessionToken = newToken();
    await repo.transaction(async (trx) => {
      // Rotation: whatever session the browser had is dropped; the signed-in one is new.
      if (meta.previousSessionToken && looksLikeToken(meta.previousSessionToken)) {
        cache.dropSession(hashToken(meta.previousSessionToken).toString('base64'));
        await repo.deleteSession(hashToken(meta.previousSessionToken), trx);
      }
      await repo.insertSession(trx, { hash: hashToken(sessionToken), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL), ip: meta.ip, userAgent: meta.userAgent }, now);
      await audit.record({ action: 'signin.success', actorUserId: user.id, subjectUserId: user.id, ip: meta.ip, at: now }, trx);
    });
    return { ok: true, sessionToken, user };
  }

  /** After a failure: the holder hears of repeated failures (at most once a day), their account still open. */
  async #tellHolder(user: User, accountKey: string, meta: RequestMeta, now: Date): Promise<void> {
    const { repo, mail } = this.#d;
    const since = new Date(now.getTime() - SIGNIN_MEMORY);
    const count = await repo.accountFailures(accountKey, since);
    if (count < SIGNIN_ALERT_AFTER) return;
    const site = await siteName(this.#d);
    await repo.transaction(async (trx) => {
      if (!(await repo.markSigninAlert(trx, user.id, now, since))) return;
      await mail.enqueue(trx, {
        // The person's own address only: the notice names the account and an address of the attempts.
        recipients: [user.email],
        template: 'accounts.signin_failures',
        userId: user.id,
        rendered: signInFailuresMail(user.locale, { site, name: user.name, alias: user.alias, count, ip: meta.ip ?? '?' }),
      });
    });
  }

  async resolveSession(token: string | undefined): Promise<CurrentUser | null> {
    if (!looksLikeToken(token)) return null;
    const { repo, clock, cache } = this.#d;
    const now = clock.now().getTime();
    const key = hashToken(token).toString('base64');
    const cached = cache.sessions.get(key);
    if (cached && cached.until > now && now - cached.lastSeen <= HOUR) return cached.user;
    const epoch = cache.epoch;
    const row = await repo.findSessionUser(hashToken(token), new Date(now));
    if (!row) {
      cache.sessions.delete(key);
      return null;
    }
    let lastSeen = new Date(row.last_seen_at).getTime();
    // Sliding expiry, written at most once an hour to keep page views read-only.
    if (now - lastSeen > HOUR) {
      await repo.touchSession(row.session_id, new Date(now), new Date(now + SESSION_TTL));
      lastSeen = now;
    }
    const user: CurrentUser = { id: row.id, alias: row.alias, name: row.name, email: row.email, role: row.role, organisationId: row.organisation_id, sessionId: row.session_id };
    if (epoch === cache.epoch) cache.sessions.set(key, { user, until: Math.min(now + READ_CACHE_TTL, new Date(row.expires_at).getTime()), lastSeen });
    return user;
  }

  async signOut(token: string | undefined, meta: RequestMeta): Promise<void> {
    if (!looksLikeToken(token)) return;
    this.#d.cache.dropSession(hashToken(token).toString('base64'));
    const userId = await this.#d.repo.deleteSession(hashToken(token));
    if (userId !== null) await this.#d.audit.record({ action: 'signout', actorUserId: userId, subjectUserId: userId, ip: meta.ip, at: this.#d.clock.now() });
  }

  /** Housekeeping: expired sessions and old sign-in attempts. */
  async prune(): Promise<void> {
    const now = this.#d.clock.now();
    await this.#d.repo.deleteExpiredSessions(now);
    await this.#d.repo.pruneAttempts(new Date(now.getTime() - 30 * DAY));
  }
}
