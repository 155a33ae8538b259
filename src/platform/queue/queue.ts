import { PgBoss, fromKysely, type Job, type QueueOptions } from 'pg-boss';
import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { z } from 'zod';
import type { Listen } from '../db/listen.ts';
import type { Logger } from '../logger.ts';

/**
 * One durable queue (pg-boss) on both back ends. Jobs are declared once with `defineJob` (stable
 * name, zod payload, retry policy); handlers are idempotent and call a service.
 */
export interface JobDefinition<S extends z.ZodType> {
  readonly name: string;
  readonly payload: S;
  readonly options: QueueOptions;
  /** how often an idle worker looks for this job (s); jobs a customer waits for poll more often */
  readonly pollSeconds?: number;
}

export function defineJob<S extends z.ZodType>(name: string, payload: S, options: QueueOptions = {}, worker: { pollSeconds?: number } = {}): JobDefinition<S> {
  return { name, payload, options, ...worker };
}

export type JobHandler<S extends z.ZodType> = (data: z.infer<S>, job: Job<unknown>) => Promise<void>;

/** pg-boss's database port over our shared pool (so PGlite's single connection is never shared unsafely). */
function poolAdapter(pool: pg.Pool, listen: Listen | undefined) {
  return {
    ...(listen ? { listen } : {}),
    async executeSql(text: string, values?: unknown[]) {
      const result = (await pool.query(text, values as unknown[] | undefined)) as unknown;
      // A multi-statement script comes back as one result per statement: keep every row.
      if (Array.isArray(result)) return { rows: result.flatMap((r: { rows?: unknown[] }) => r.rows ?? []) };
      return { rows: (result as { rows: unknown[] }).rows };
    },
  };
}

export interface QueueOptionsIn {
  pool: pg.Pool;
  logger: Logger;
  /**
   * LISTEN/NOTIFY: a job is picked up the moment the transaction that sends it commits, and polling
   * is only a backstop. Without it, workers poll (`pollingIntervalSeconds`, `pollSeconds`).
   */
  listen?: Listen;
  /** how often idle workers look for work; tests use the minimum */
  pollingIntervalSeconds?: number;
  /** with LISTEN/NOTIFY, how often idle workers still look (retries coming due, a lost notification) */
  backstopSeconds?: number;
}

export class Queue {
  readonly boss: PgBoss;
  readonly #logger: Logger;
  readonly #polling: number;
  readonly #backstop: number;
  readonly #created = new Set<string>();
  #started = false;

  constructor(opts: QueueOptionsIn) {
    this.#logger = opts.logger;
    this.#polling = opts.pollingIntervalSeconds ?? 2;
    this.#backstop = opts.backstopSeconds ?? 5;
    this.boss = new PgBoss({ db: poolAdapter(opts.pool, opts.listen), schema: 'pgboss', application_name: 'ecrin', useListenNotify: opts.listen !== undefined });
    this.boss.on('error', (err) => this.#logger.error({ err }, 'job queue error'));
    this.boss.on('warning', (w) => this.#logger.warn({ warning: w }, 'job queue warning'));
  }

  async start(definitions: readonly JobDefinition<z.ZodType>[]): Promise<void> {
    if (!this.#started) {
      await this.boss.start();
      this.#started = true;
    }
    for (const def of definitions) await this.#ensureQueue(def);
  }

  async #ensureQueue(def: JobDefinition<z.ZodType>): Promise<void> {
    if (this.#created.has(def.name)) return;
    // Every queue notifies its workers when a job is created (delivered at the sender's commit).
    const options = { ...def.options, notify: true };
    const existing = await this.boss.getQueue(def.name);
    if (existing) await this.boss.updateQueue(def.name, options);
    else await this.boss.createQueue(def.name, options);
    this.#created.add(def.name);
  }

  /**
   * Enqueue a job. Inside a transaction pass it as `trx`: the job then exists exactly when the
   * transaction commits (and the call does not wait for the pool's connection the transaction holds).
   */
  async send<S extends z.ZodType>(
    def: JobDefinition<S>,
    data: z.infer<S>,
    opts: { trx?: Transaction<any> | Kysely<any>; singletonKey?: string; /** a date, or a delay in seconds (by the database's clock) */ startAfter?: Date | number; /** jobs of one group run at most `perGroup` at once (see work) */ group?: string } = {},
  ): Promise<string | null> {
    const payload = def.payload.parse(data) as object;
    return this.boss.send(def.name, payload, {
      ...(opts.trx ? { db: fromKysely(opts.trx) } : {}),
      ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
      ...(opts.startAfter !== undefined ? { startAfter: opts.startAfter } : {}),
      ...(opts.group ? { group: { id: opts.group } } : {}),
    });
  }

  /** A recurring job (cron, Europe/Paris); a run missed while the server was down is sent once. */
  async schedule<S extends z.ZodType>(def: JobDefinition<S>, cron: string, data: z.infer<S>): Promise<void> {
    await this.#ensureQueue(def);
    await this.boss.schedule(def.name, cron, def.payload.parse(data) as object, { tz: 'Europe/Paris', missed: 'once' });
  }

  /**
   * Runs a job's handler. `concurrency.jobs`: handlers of this job at once in this process;
   * `concurrency.perGroup`: at most that many at once of one group (pg-boss counts the active jobs
   * of the group in the database and fetches other groups' jobs meanwhile, so one group never holds
   * the others back).
   */
  async work<S extends z.ZodType>(def: JobDefinition<S>, handler: JobHandler<S>, concurrency: { jobs?: number; perGroup?: number } = {}): Promise<void> {
    await this.#ensureQueue(def);
    const polling = Math.min(this.#polling, def.pollSeconds ?? this.#polling);
    const options = {
      pollingIntervalSeconds: polling,
      notifyPollingIntervalSeconds: Math.max(polling, this.#backstop),
      batchSize: 1,
      ...(concurrency.jobs ? { localConcurrency: concurrency.jobs } : {}),
      ...(concurrency.perGroup ? { groupConcurrency: concurrency.perGroup } : {}),
    };
    // pg-boss checks a group's active jobs in the fetch query; two of this process's fetch loops
    // running at the same moment can each see none and claim one. A gate per group in the process
    // makes the bound exact here (the database check still bounds several processes).
    const gate = concurrency.perGroup ? new GroupGate(concurrency.perGroup) : null;
    await this.boss.work(def.name, options, async (jobs) => {
      for (const job of jobs) {
        if (gate && job.groupId) {
          await gate.run(job.groupId, () => this.#handle(def, handler, job));
          continue;
        }
        await this.#handle(def, handler, job);
      }
    });
  }

  async #handle<S extends z.ZodType>(def: JobDefinition<S>, handler: JobHandler<S>, job: Job<unknown>): Promise<void> {
    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success) {
      // A malformed payload can never succeed: fail it loudly instead of retrying forever.
      this.#logger.error({ job: def.name, id: job.id, issues: parsed.error.issues }, 'invalid job payload');
      throw new Error(`invalid payload for ${def.name}`);
    }
    await handler(parsed.data, job);
  }

  async healthy(): Promise<boolean> {
    if (!this.#started) return false;
    try {
      await this.boss.getQueues();
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.boss.stop({ graceful: true, timeout: 5000 });
  }
}

/** At most `limit` runs at once per group id, the others wait their turn in order. */
export class GroupGate {
  readonly #limit: number;
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Array<() => void>>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(group: string, fn: () => Promise<T>): Promise<T> {
    if ((this.#running.get(group) ?? 0) >= this.#limit) {
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(group) ?? [];
        queue.push(resolve);
        this.#waiting.set(group, queue);
      });
    } else {
      this.#running.set(group, (this.#running.get(group) ?? 0) + 1);
    }
    try {
      return await fn();
    } finally {
      const next = this.#waiting.get(group)?.shift();
      if (next) {
        next(); // the slot passes to the next waiting run, the count stays
      } else {
        const left = (this.#running.get(group) ?? 1) - 1;
        if (left === 0) this.#running.delete(group);
        else this.#running.set(group, left);
      }
      if (this.#waiting.get(group)?.length === 0) this.#waiting.delete(group);
    }
  }
}
