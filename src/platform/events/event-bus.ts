import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { JobDefinition, Queue } from '../queue/queue.ts';

/**
 * Events between modules: "order paid", "instance live". An event is recorded in the transaction
 * that causes it and handled after that transaction commits, by the modules that subscribed to it.
 *
 * Delivery is the job queue: recording an event sends one job per subscription *inside* the
 * transaction, so a subscriber's job exists exactly when the cause is committed (a rolled-back
 * payment provisions nothing; a crash right after the commit loses nothing), it is woken at the
 * commit by LISTEN/NOTIFY, and it is retried with the subscription's own policy. A subscription may
 * also name a quick first part (`atCommit`) that the committing process runs at once after the
 * commit — e.g. "the instance is being created" shown the moment a payment lands, before a busy
 * provisioning queue gets to it. That part must be work the job also does (it is only a head start:
 * if the process dies before it runs, the job does it).
 */
export interface EventDefinition<S extends z.ZodType> {
  readonly name: string;
  readonly payload: S;
}

export function defineEvent<S extends z.ZodType>(name: string, payload: S): EventDefinition<S> {
  return { name, payload };
}

export interface Subscription<S extends z.ZodType> {
  /** the job that carries this subscription's deliveries (its name, payload and retry policy) */
  job: JobDefinition<z.ZodType<z.infer<S>>>;
  /** at most one pending delivery per key (pg-boss singleton key), e.g. one provisioning per order */
  singletonKey?: (data: z.infer<S>) => string;
  /** the durable handler, run by the job's worker; idempotent (a retry or a replay may run it again) */
  handle: (data: z.infer<S>) => Promise<void>;
  /** an optional head start run in the committing process right after the commit (see above) */
  atCommit?: (data: z.infer<S>) => Promise<void>;
}

type AnySubscription = Subscription<z.ZodType> & { event: string };
type Pending = (() => Promise<void>)[];

export class EventBus {
  readonly #queue: Queue;
  readonly #logger: Logger;
  readonly #subscriptions = new Map<string, AnySubscription[]>();
  /** the head starts to run once each open transaction commits */
  readonly #pending = new WeakMap<object, Pending>();

  constructor(queue: Queue, logger: Logger) {
    this.#queue = queue;
    this.#logger = logger;
  }

  /** Wiring, at start-up: a module declares what it does after an event of another module. */
  subscribe<S extends z.ZodType>(event: EventDefinition<S>, subscription: Subscription<S>): void {
    const list = this.#subscriptions.get(event.name) ?? [];
    if (list.some((s) => s.job.name === subscription.job.name)) throw new Error(`${subscription.job.name} already subscribes to ${event.name}`);
    list.push({ ...(subscription as unknown as Subscription<z.ZodType>), event: event.name });
    this.#subscriptions.set(event.name, list);
  }

  /** The jobs that carry deliveries (their queues are created at start). */
  jobDefinitions(): JobDefinition<z.ZodType>[] {
    return [...this.#subscriptions.values()].flat().map((s) => s.job);
  }

  /** Who handles what, for the documentation test and the operator. */
  subscribers(event: EventDefinition<z.ZodType>): string[] {
    return (this.#subscriptions.get(event.name) ?? []).map((s) => s.job.name);
  }

  /**
   * A transaction whose events are handed over once it commits. Every transaction that records an
   * event is opened here (recording in another transaction is refused: its head starts would be lost).
   */
  async transaction<D, T>(db: Kysely<D>, fn: (trx: Transaction<D>) => Promise<T>): Promise<T> {
    const pending: Pending = [];
    const result = await db.transaction().execute(async (trx) => {
      this.#pending.set(trx, pending);
      return fn(trx);
    });
    for (const run of pending) await run();
    return result;
  }

  /** Records an event in the caller's transaction: one job per subscription, created with it. */
  async record<S extends z.ZodType>(trx: Kysely<any>, event: EventDefinition<S>, data: z.infer<S>): Promise<void> {
    const payload = event.payload.parse(data) as z.infer<S>;
    const pending = this.#pending.get(trx);
    if (!pending && trx.isTransaction) throw new Error(`event ${event.name} recorded in a transaction not opened by EventBus.transaction`);
    for (const s of this.#subscriptions.get(event.name) ?? []) {
      await this.#queue.send(s.job, payload, { trx, ...(s.singletonKey ? { singletonKey: s.singletonKey(payload) } : {}) });
      const head = s.atCommit;
      if (!head) continue;
      const run = () =>
        head(payload).catch((err: unknown) =>
          this.#logger.warn({ event: event.name, subscriber: s.job.name, err: err instanceof Error ? err.message : String(err) }, 'head start after commit failed; the job will do it'),
        );
      // Outside a transaction the send above is already committed.
      if (pending) pending.push(run);
      else await run();
    }
  }

  /** Starts the workers of every subscription (serve does; tests may run handlers themselves). */
  async work(): Promise<void> {
    for (const s of [...this.#subscriptions.values()].flat()) await this.#queue.work(s.job, (data) => s.handle(data));
  }
}
