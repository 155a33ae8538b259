import { sql, type Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';

export interface DashboardCounts {
  customers: number;
  newCustomers: number;
  mailPending: number;
  mailFailed: number;
}

/** Read-only queries of the back office that no module repository answers. */
export class BackofficeRepository {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async dashboardCounts(since: Date): Promise<DashboardCounts> {
    const users = await this.#db
      .selectFrom('users')
      .select([
        sql<number>`count(*)`.as('customers'),
        sql<number>`count(*) filter (where created_at >= ${since})`.as('new_customers'),
      ])
      .where('role', '=', 'customer')
      .executeTakeFirst();
    const mails = await this.#db
      .selectFrom('mail_messages')
      .select([
        sql<number>`count(*) filter (where status = 'pending')`.as('pending'),
        sql<number>`count(*) filter (where status = 'failed')`.as('failed'),
      ])
      .executeTakeFirst();
    return {
      customers: Number(users?.customers ?? 0),
      newCustomers: Number(users?.new_customers ?? 0),
      mailPending: Number(mails?.pending ?? 0),
      mailFailed: Number(mails?.failed ?? 0),
    };
  }

  /** Of these user ids, the ones that are customers (for links to the customer page). */
  async customerIds(ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [...new Set(ids)])
      .where('role', '=', 'customer')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** For each of these orders: its customer's id and the number of its latest quote (reissues make several). */
  async orderExtras(orderIds: readonly number[]): Promise<Map<number, { userId: number; quoteNumber: string | null }>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('orders as o')
      .select([
        'o.id',
        'o.user_id',
        sql<string | null>`(select d.number from documents d where d.order_id = o.id and d.kind = 'quote' order by d.id desc limit 1)`.as('quote_number'),
      ])
      .where('o.id', 'in', [...new Set(orderIds)])
      .execute();
    return new Map(rows.map((r) => [r.id, { userId: r.user_id, quoteNumber: r.quote_number }]));
  }
}
