import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/platform/db/schema.ts';
import { yearEnd } from '../../src/platform/dates.ts';

export interface FleetInstance {
  id: number;
  userId: number;
  name: string;
  plan: 'opale' | 'emeraude';
  periodStart: string;
  periodEnd: string;
}

/**
 * Many active instances at once, each of its own customer (organisation with a postal address,
 * person, paid hosting order), written in a few set-based statements: the lifecycle's simulation and
 * benchmark need thousands, and ordering each through the portal would take hours. `start(i)` gives
 * the first day of instance i's current period; `plan(i)` its plan; `diskBytes(i)` its measured use.
 */
export async function seedFleet(db: Kysely<DB>, n: number, o: { prefix: string; start: (i: number) => string; plan: (i: number) => 'opale' | 'emeraude'; diskBytes?: (i: number) => number; now: Date }): Promise<FleetInstance[]> {
  const idx = Array.from({ length: n }, (_, i) => i);
  const names = idx.map((i) => `${o.prefix}${i}`);
  const plans = idx.map((i) => o.plan(i));
  const starts = idx.map((i) => o.start(i));
  const ends = starts.map((s) => yearEnd(s));
  const disks = idx.map((i) => o.diskBytes?.(i) ?? 50 * 1024 * 1024);
  const orgs = await sql<{ id: number }>`insert into organisations (name, legal_form, address, postcode, city, country, created_at, updated_at)
    select 'Association ' || n, 'association', '3 place du Marché', '38420', 'Domène', 'FR', ${o.now}, ${o.now} from unnest(${names}::text[]) with ordinality as t(n, k) order by k returning id`.execute(db);
  const orgIds = orgs.rows.map((r) => Number(r.id));
  const users = await sql<{ id: number }>`insert into users (alias, name, email, role, organisation_id, locale, email_verified_at, created_at, updated_at)
    select n, 'Trésorier ' || n, n || '@example.org', 'customer', org, 'fr', ${o.now}, ${o.now}, ${o.now}
    from unnest(${names}::text[], ${orgIds}::bigint[]) with ordinality as t(n, org, k) order by k returning id`.execute(db);
  const userIds = users.rows.map((r) => Number(r.id));
  const orders = await sql<{ id: number }>`insert into orders (user_id, organisation_id, kind, status, instance_name, plan_code, flavour, payment_method, created_at, updated_at, validated_at, paid_at)
    select u, org, 'hosting', 'paid', n, p, 'diacamma.asso', 'transfer', ${o.now}, ${o.now}, ${o.now}, ${o.now}
    from unnest(${names}::text[], ${userIds}::bigint[], ${orgIds}::bigint[], ${plans}::text[]) with ordinality as t(n, u, org, p, k) order by k returning id`.execute(db);
  const orderIds = orders.rows.map((r) => Number(r.id));
  const inst = await sql<{ id: number }>`insert into instances (order_id, user_id, name, plan_code, flavour, state, period_start, period_end, created_at, updated_at, activated_at, disk_bytes, disk_measured_at)
    select ord, u, n, p, 'diacamma.asso', 'active', s, e, ${o.now}, ${o.now}, ${o.now}, d, ${o.now}
    from unnest(${names}::text[], ${userIds}::bigint[], ${orderIds}::bigint[], ${plans}::text[], ${starts}::date[], ${ends}::date[], ${disks}::bigint[]) with ordinality as t(n, u, ord, p, s, e, d, k) order by k returning id`.execute(db);
  return inst.rows.map((r, i) => ({ id: Number(r.id), userId: userIds[i]!, name: names[i]!, plan: plans[i]!, periodStart: starts[i]!, periodEnd: ends[i]! }));
}
