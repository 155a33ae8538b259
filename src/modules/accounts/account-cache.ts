import { LRUCache } from 'lru-cache';
import type { Organisation, User } from '../../platform/db/schema.ts';
import type { CurrentUser } from '../../web/context.ts';

/**
 * How long a session or an account read stays in this process's memory. Every change made through
 * the accounts services drops the entries it affects at once; the delay only bounds how long another
 * process (a second `ecrin serve`) may serve a session revoked elsewhere.
 */
export const READ_CACHE_TTL = 30_000;

export type Account = { user: User; organisation: Organisation | null };

/**
 * Page views read the session and the account on every request: kept here, they cost no query.
 * Shared by the accounts services, so that a change made by one is seen by the others at once.
 */
export class AccountCache {
  readonly sessions: LRUCache<string, { user: CurrentUser; until: number; lastSeen: number }> = new LRUCache({ max: 20_000 });
  readonly accounts: LRUCache<number, { account: Account; until: number }> = new LRUCache({ max: 20_000 });
  /** bumped by every change: a read that overlapped one is not cached (it may predate the change) */
  #epoch = 0;

  get epoch(): number {
    return this.#epoch;
  }

  /** Drops one session (sign-out, rotation at sign-in). */
  dropSession(key: string): void {
    this.#epoch++;
    this.sessions.delete(key);
  }

  /** Drops what this process remembers of a user's sessions and account (after any change to them). */
  forget(userId: number): void {
    this.#epoch++;
    this.accounts.delete(userId);
    for (const [key, entry] of this.sessions.entries()) if (entry.user.id === userId) this.sessions.delete(key);
  }
}
