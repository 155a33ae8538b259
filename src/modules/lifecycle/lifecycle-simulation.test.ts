import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { seedFleet, type FleetInstance } from '../../../test/support/fleet.ts';
import { operatorId } from '../../../test/support/paid-order.ts';
import type { ManualClock } from '../../platform/clock.ts';
import { addDays, daysBetween } from '../../platform/dates.ts';
import type { CurrentUser } from '../../web/context.ts';
import { requestPlanChange } from '../instances/use-cases/request-plan-change.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';
import { changeRenewalPlan } from './use-cases/change-renewal-plan.ts';
import { declineRenewal } from './use-cases/decline-renewal.ts';
import { nextPeriod } from './use-cases/renewal-quote.ts';
import { runLifecycleDay } from './use-cases/run-lifecycle.ts';
import { SIM_INSTANCES } from '../../../test/support/env.ts';

/**
 * Two years of the hosting year for a fleet (SIM_INSTANCES, 1,000 by default) on
 * mixed plans, driven through the use cases on the injected clock, day by day: renewals paid early,
 * on time, late in the grace period, with a receipt date before the suspension recorded after it,
 * never paid, declined ("Annuler la commande automatique"), downgraded at renewal (and refused
 * above the smaller plan's storage), upgraded during the year. Every payment is checked at once
 * (the period from the old end, the instance served); at the end every quote amount, period, state
 * and e-mail is checked against what each customer did.
 */
// About 80 s for 1,000 instances on one core (docs/benchmarks.md); the time limit leaves room for a loaded machine.
const N = SIM_INSTANCES;
const PRICE = { opale: 4499, emeraude: 12999 } as const;
type Plan = keyof typeof PRICE;
type Behaviour = 'early' | 'onTime' | 'grace' | 'pastReceipt' | 'never' | 'declined' | 'downgrade' | 'upgrade';
const BEHAVIOURS: Behaviour[] = ['early', 'onTime', 'grace', 'pastReceipt', 'never', 'declined', 'downgrade', 'upgrade'];

interface Model {
  f: FleetInstance;
  plan: Plan;
  end: string;
  out: boolean;
  renewal: { orderId: number; quote: string; gross: number; plan: Plan; end: string } | null;
  paidCycles: number;
  bigDisk: boolean;
  upgradedAt: string | null;
  expectedMails: Map<string, number>;
  log: string[];
}

let t: TestApp;
let opId: number;
const FIRST = '2026-06-01';
const LAST = '2028-05-31';
const db = () => t.container.database.db;

const behaviourOf = (i: number, cycle: number): Behaviour => BEHAVIOURS[(i + cycle * 3) % BEHAVIOURS.length]!;
const userOf = (m: Model): CurrentUser => ({ id: m.f.userId, alias: m.f.name, name: m.f.name, email: `${m.f.name}@example.org`, role: 'customer', organisationId: null, sessionId: 0 });
const bump = (m: Model, template: string) => m.expectedMails.set(template, (m.expectedMails.get(template) ?? 0) + 1);

async function pay(m: Model, quote: string, receivedOn: string, today: string) {
  const doc = (await t.container.services.billing.findDocument({ number: quote }))!;
  const res = await recordPayment(t.container.deps, opId, quote, { method: 'transfer', amountCents: doc.gross_cents, receivedOn, reference: quote, bank: '', confirmed: true });
  assert.ok(res.ok && res.outcome.state === 'paid', `${m.f.name} ${today}: ${JSON.stringify(res)}`);
}

async function payRenewal(m: Model, receivedOn: string, today: string) {
  const r = m.renewal!;
  await pay(m, r.quote, receivedOn, today);
  const expected = nextPeriod(m.end);
  const row = (await t.container.services.instances.find(m.f.id))!;
  // At once: the period from the old end (never from the payment date), served, at the renewed plan.
  assert.deepEqual([row.period_start, row.period_end, row.state, row.plan_code], [expected.from, expected.to, 'active', r.plan], `${m.f.name} paid on ${today}`);
  m.end = expected.to;
  m.plan = r.plan;
  m.renewal = null;
  m.paidCycles++;
}

before(async () => {
  t = await createTestApp({ clock: undefined });
  (t.clock as ManualClock).set(`${FIRST}T08:00:00Z`);
  opId = await operatorId(t.container);
});
after(async () => {
  await t?.close();
});

describe(`two years of the hosting year for ${N} instances`, () => {
  it('renews, reminds, suspends and restores each instance as its customer acts, with every amount, period, state and e-mail right', { timeout: 20 * 60_000 }, async () => {
    const started = performance.now();
    // Periods starting every day of a year, so that every day of the simulation has renewals.
    const fleet = await seedFleet(db(), N, {
      prefix: 'sim',
      start: (i) => addDays('2025-07-01', (i * 7) % 365),
      plan: (i) => (i % 3 === 0 ? 'emeraude' : 'opale'),
      diskBytes: (i) => (i % 6 === 0 ? 2 * 1024 ** 3 : 100 * 1024 ** 2),
      now: t.clock.now(),
    });
    const models: Model[] = fleet.map((f, i) => ({ f, plan: f.plan, end: f.periodEnd, out: false, renewal: null, paidCycles: 0, bigDisk: i % 6 === 0, upgradedAt: null, expectedMails: new Map(), log: [] }));
    const byId = new Map(models.map((m) => [m.f.id, m]));
    const terms = (await t.container.services.settings.currentTerms())!;
    let reruns = 0;

    for (let day = FIRST; day <= LAST; day = addDays(day, 1)) {
      (t.clock as ManualClock).set(`${day}T08:00:00Z`);
      // What customers do today, before the sweep.
      for (const [i, m] of models.entries()) {
        if (m.out) continue;
        const cycle = m.paidCycles;
        const b = behaviourOf(i, cycle);
        const r = m.renewal;
        const toEnd = daysBetween(day, m.end); // 0 on the last day
        if (b === 'upgrade' && m.plan === 'opale' && !r && !m.upgradedAt && toEnd === 200) {
          const res = await requestPlanChange(t.container.deps, userOf(m), m.f.id, { planCode: 'emeraude', accept: true, termsVersion: terms.version, ip: null });
          assert.ok(res.ok, `${m.f.name} upgrade: ${JSON.stringify(res)}`);
          bump(m, 'billing.quote');
          await pay(m, res.quoteNumber, day, day);
          assert.equal((await t.container.services.instances.find(m.f.id))!.plan_code, 'emeraude');
          m.plan = 'emeraude';
          m.upgradedAt = day;
        }
        if (!r) continue;
        if (b === 'early' && toEnd === 28) await payRenewal(m, day, day);
        else if ((b === 'onTime' || b === 'upgrade') && toEnd === 0) await payRenewal(m, day, day);
        else if (b === 'grace' && toEnd === -5) await payRenewal(m, day, day);
        else if (b === 'pastReceipt' && toEnd === -19) await payRenewal(m, addDays(m.end, 14), day); // received the day before the suspension
        else if (b === 'declined' && toEnd === 25) {
          assert.deepEqual(await declineRenewal(t.container.deps, userOf(m), m.f.id), { ok: true });
          m.renewal = null;
          m.out = true;
          bump(m, 'lifecycle.ended');
          bump(m, 'lifecycle.retention_over');
        } else if (b === 'downgrade' && toEnd === 25) {
          if (m.plan === 'emeraude') {
            const res = await changeRenewalPlan(t.container.deps, userOf(m), m.f.id, 'opale');
            if (m.bigDisk) {
              assert.equal(res.ok, false);
              assert.equal(!res.ok && res.error, 'renewal_over_storage', `${m.f.name}`);
            } else {
              assert.ok(res.ok && 'quoteNumber' in res, `${m.f.name} downgrade: ${JSON.stringify(res)}`);
              const order = (await t.container.services.orders.latestRenewal(m.f.id, addDays(m.end, 1)))!;
              m.renewal = { orderId: order.id, quote: res.quoteNumber, gross: PRICE.opale, plan: 'opale', end: m.end };
              bump(m, 'lifecycle.renewal_issued');
            }
          }
        } else if (b === 'downgrade' && toEnd === 20) await payRenewal(m, day, day);
      }
      // The sweep runs later in the day than the customers' actions (its orders are told apart by their time).
      (t.clock as ManualClock).set(`${day}T08:30:00Z`);
      const summary = await runLifecycleDay(t.container.deps, day);
      if (day.endsWith('-07') || day.endsWith('-22')) {
        const again = await runLifecycleDay(t.container.deps, day);
        assert.deepEqual({ ...again, instances: 0 }, { ...emptyOf(day), instances: 0 }, `a second sweep of ${day} does nothing`);
        reruns++;
      }
      // The renewals issued today, as the customers receive them.
      if (summary.renewalsIssued > 0) {
        const issued = await db().selectFrom('orders').innerJoin('documents', 'documents.order_id', 'orders.id').select(['orders.id', 'orders.instance_id', 'orders.plan_code', 'orders.renews_from', 'documents.number', 'documents.gross_cents']).where('orders.kind', '=', 'renewal').where('orders.created_at', '=', t.clock.now()).where('documents.kind', '=', 'quote').execute();
        assert.equal(issued.length, summary.renewalsIssued);
        for (const o of issued) {
          const m = byId.get(Number(o.instance_id))!;
          assert.equal(o.renews_from, addDays(m.end, 1), `${m.f.name}: the renewal follows the current period`);
          assert.equal(daysBetween(day, addDays(m.end, 1)), 30, `${m.f.name}: issued 30 days before the end`);
          assert.equal(o.gross_cents, PRICE[m.plan], `${m.f.name}: the plan's price (${m.plan})`);
          m.renewal = { orderId: Number(o.id), quote: o.number, gross: o.gross_cents, plan: o.plan_code as Plan, end: m.end };
          bump(m, 'lifecycle.renewal_issued');
          const b = behaviourOf(models.indexOf(m), m.paidCycles);
          // The reminders each customer gets before paying (15, 7 and 1 days before the end).
          const paidAt = b === 'early' ? 28 : b === 'onTime' || b === 'upgrade' || (b === 'downgrade' && m.plan !== 'emeraude') || (b === 'downgrade' && m.bigDisk) ? 0 : b === 'downgrade' ? 20 : b === 'declined' ? 25 : -1;
          for (const k of [15, 7, 1]) if (k - 1 < paidAt ? false : paidAt < k) bump(m, 'lifecycle.reminder');
          if (b === 'grace' || b === 'pastReceipt' || b === 'never') bump(m, 'lifecycle.grace');
          if (b === 'pastReceipt' || b === 'never') bump(m, 'lifecycle.suspended');
          if (b === 'never') {
            bump(m, 'lifecycle.retention_over');
            m.out = true;
          }
        }
      }
    }
    // Downgrades refused for storage, and upgraded ones, pay on the last day like on-time ones.
    const elapsed = (performance.now() - started) / 1000;

    // Every instance: its period, its state, its plan, as its customer's actions make them.
    const rows = new Map((await db().selectFrom('instances').selectAll().where('name', 'like', 'sim%').execute()).map((r) => [Number(r.id), r]));
    for (const m of models) {
      const row = rows.get(m.f.id)!;
      const b = behaviourOf(models.indexOf(m), m.paidCycles);
      assert.equal(row.period_end, m.end, `${m.f.name}: period end`);
      assert.equal(row.plan_code, m.plan, `${m.f.name}: plan`);
      const stopped = m.out && (b === 'never' || b === 'declined');
      const lapsedNow = stopped && daysBetween(m.end, LAST) >= (b === 'never' ? 16 : 1);
      // Paying after the suspension (received before it): suspended until that day, if it has not come by LAST.
      const suspendedUntilPaid = b === 'pastReceipt' && m.renewal !== null && daysBetween(m.end, LAST) >= 16;
      assert.equal(row.state, lapsedNow || suspendedUntilPaid ? 'suspended' : 'active', `${m.f.name} (${b}): state`);
    }
    // Each renewal order: one period, one quote at the plan's price, one invoice when paid, contiguous periods.
    const renewals = await db().selectFrom('orders').select(['id', 'instance_id', 'status', 'plan_code', 'renews_from', 'renews_to']).where('kind', '=', 'renewal').execute();
    const docs = await db().selectFrom('documents').select(['order_id', 'kind', 'gross_cents']).where('order_id', 'in', renewals.length ? renewals.map((r) => r.id) : [0]).execute();
    for (const r of renewals) {
      const mine = docs.filter((d) => d.order_id === r.id);
      assert.equal(mine.filter((d) => d.kind === 'quote').length, 1);
      assert.equal(mine.find((d) => d.kind === 'quote')!.gross_cents, PRICE[r.plan_code as Plan]);
      assert.equal(mine.filter((d) => d.kind === 'invoice').length, r.status === 'paid' ? 1 : 0, `order ${r.id}: one invoice when paid`);
    }
    for (const m of models) {
      const paid = renewals.filter((r) => Number(r.instance_id) === m.f.id && r.status === 'paid').sort((a, b) => String(a.renews_from).localeCompare(String(b.renews_from)));
      assert.equal(paid.length, m.paidCycles, `${m.f.name}: no period extended twice, none missing`);
      let end = m.f.periodEnd;
      for (const r of paid) {
        assert.deepEqual([r.renews_from, r.renews_to], [nextPeriod(end).from, nextPeriod(end).to]);
        end = String(r.renews_to);
      }
      // No renewal missing: an instance still served whose renewal date has come has its order.
      if (!m.out && daysBetween(addDays(m.end, -29), LAST) >= 0) assert.ok(m.renewal, `${m.f.name}: renewal issued for the period after ${m.end}`);
    }
    // E-mails: exactly those each customer should have had; each names its quote, its amount and where to pay.
    const mails = await db().selectFrom('mail_messages').select(['user_id', 'template', 'text_body']).where('template', 'in', ['lifecycle.renewal_issued', 'lifecycle.reminder', 'lifecycle.grace', 'lifecycle.suspended', 'lifecycle.ended', 'lifecycle.retention_over', 'billing.quote']).execute();
    const byUser = new Map<number, Map<string, number>>();
    for (const mail of mails) {
      const counts = byUser.get(Number(mail.user_id)) ?? new Map<string, number>();
      counts.set(mail.template, (counts.get(mail.template) ?? 0) + 1);
      byUser.set(Number(mail.user_id), counts);
      if (!['lifecycle.ended', 'lifecycle.retention_over', 'billing.quote'].includes(mail.template)) {
        assert.match(mail.text_body, /DEV-\d{4}-\d{4}/);
        assert.match(mail.text_body.replace(/[\u202f\u00a0]/g, ' '), /(44,99|129,99) €/);
        assert.match(mail.text_body, /\/commandes\/\d+/);
      }
    }
    for (const m of models) {
      const got = Object.fromEntries([...(byUser.get(m.f.userId) ?? new Map()).entries()].sort());
      // The last events of the simulation may not have come yet: only what is due by LAST is expected.
      const want = Object.fromEntries([...m.expectedMails.entries()].sort());
      for (const [k, v] of Object.entries(got) as [string, number][]) assert.ok(v <= (want[k] ?? 0), `${m.f.name}: ${k} ${v} > ${want[k] ?? 0}\n${JSON.stringify({ got, want })}`);
      for (const k of ['lifecycle.renewal_issued', 'billing.quote']) assert.equal(got[k] ?? 0, want[k] ?? 0, `${m.f.name}: ${k}`);
    }
    // No paid instance suspended: a suspension is only ever of an instance whose renewal was unpaid that day.
    const suspensions = await db().selectFrom('lifecycle_notices').select(['instance_id', 'order_id', 'day']).where('kind', '=', 'suspended').execute();
    for (const s of suspensions) {
      const m = byId.get(Number(s.instance_id))!;
      const paidBefore = await db().selectFrom('payments').innerJoin('documents', 'documents.id', 'payments.quote_id').select('payments.id').where('documents.order_id', '=', Number(s.order_id)).where('payments.created_at', '<', new Date(`${s.day}T08:30:00Z`)).execute();
      assert.equal(paidBefore.length, 0, `${m.f.name}: suspended on ${s.day} though paid`);
    }
    process.stdout.write(`# ${N} instances, 730 days: ${renewals.length} renewal orders, ${mails.length} e-mails, ${reruns} days swept twice, in ${elapsed.toFixed(1)} s\n`);
  });
});

function emptyOf(day: string) {
  return { day, instances: 0, renewalsIssued: 0, reminders: 0, grace: 0, suspended: 0, ended: 0, retentionOver: 0, extended: 0, requoted: 0 };
}
