import { DAY, HOUR, MINUTE } from '../../platform/clock.ts';
import type { User } from '../../platform/db/schema.ts';
import { hashToken, looksLikeToken, newToken } from '../../platform/tokens.ts';
import type { CurrentUser } from '../../web/context.ts';
import { READ_CACHE_TTL } from './account-cache.ts';
import type { AccountsDeps, RequestMeta } from './accounts.deps.ts';
import { verifyPassword } from './passwords.ts';

export const SESSION_TTL = 14 * DAY;
/** Sign-in throttling per account: this many failures within the window pause that account's sign-in. */
export const SIGNIN_MAX_FAILURES = 10;
export const SIGNIN_WINDOW = 15 * MINUTE;

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
    const failures = await repo.recentFailures(accountKey, new Date(now.getTime() - SIGNIN_WINDOW));
    if (failures.count >= SIGNIN_MAX_FAILURES) {
      const until = (failures.oldest?.getTime() ?? now.getTime()) + SIGNIN_WINDOW;
      await audit.record({ action: 'signin.throttled', subjectUserId: user?.id ?? null, ip: meta.ip, at: now, details: { identifier: identifier.slice(0, 254) } });
      return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
    }
    const valid = await verifyPassword(user?.password_hash ?? null, password);
    await repo.recordAttempt(accountKey, meta.ip, valid, now);
    if (!valid || !user) {
      await audit.record({ action: 'signin.failure', subjectUserId: user?.id ?? null, ip: meta.ip, at: now, details: { identifier: identifier.slice(0, 254) } });
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
