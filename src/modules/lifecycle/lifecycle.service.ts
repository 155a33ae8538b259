import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { DB, LifecycleNoticeKind } from '../../platform/db/schema.ts';
import type { LifecycleRepository } from './lifecycle.repository.ts';

/**
 * The hosting year's bookkeeping: which days the sweep ran (so a restart catches up the days it
 * missed) and which notices went out (one per instance, period and kind, so a rerun never sends
 * twice). The sweep itself is the use case use-cases/run-lifecycle.ts.
 */
export class LifecycleService {
  readonly #repo: LifecycleRepository;
  readonly #clock: Clock;

  constructor(deps: { repo: LifecycleRepository; clock: Clock }) {
    this.#repo = deps.repo;
    this.#clock = deps.clock;
  }

  lastFinishedDay(): Promise<string | null> {
    return this.#repo.lastFinishedDay();
  }

  startDay(day: string): Promise<void> {
    return this.#repo.startDay(day, this.#clock.now());
  }

  finishDay(day: string, summary: unknown): Promise<void> {
    return this.#repo.finishDay(day, summary, this.#clock.now());
  }

  /** In the caller's transaction: true the first time this notice is recorded (send it then). */
  noteOnce(trx: Kysely<DB>, n: { instanceId: number; periodEnd: string; kind: LifecycleNoticeKind; orderId: number | null; day: string }): Promise<boolean> {
    return this.#repo.noteOnce(trx, n, this.#clock.now());
  }

  sentKeys(pairs: { instanceId: number; periodEnd: string }[]): Promise<Set<string>> {
    return this.#repo.sentKeys(pairs);
  }

  noticesOf(instanceId: number) {
    return this.#repo.noticesOf(instanceId);
  }
}
