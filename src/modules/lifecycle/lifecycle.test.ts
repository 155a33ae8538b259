import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { activeInstances } from '../../../test/support/instances.ts';
import { operatorId } from '../../../test/support/paid-order.ts';
import type { ManualClock } from '../../platform/clock.ts';
import { addDays } from '../../platform/dates.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';
import { settleQuote } from '../payments/use-cases/settle-quote.ts';
import { applyRenewal } from '../instances/use-cases/apply-renewal.ts';
import { requestPlanChange } from '../instances/use-cases/request-plan-change.ts';
import { runLifecycleCatchUp, runLifecycleDay } from './use-cases/run-lifecycle.ts';
import { endInstance } from '../archives/use-cases/end-instance.ts';

/**
 * The hosting year on the injected clock, with real instances (the stand-in), the real database and
 * the real mail records: the renewal order 30 days before the end, reminders once each however often
 * the sweep runs, the period extended from the old end exactly once whatever the payment paths,
 * grace, suspension, and a payment that restores service at once.
 */
let t: TestApp;
let dataDir: string;
const db = () => t.container.database.db;
const clock = () => t.clock as ManualClock;
const text = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

/** The morning of a Paris day, then that day's sweep. */
async function sweep(day: string) {
  clock().set(`${day}T07:30:00Z`);
  return runLifecycleDay(t.container.deps, day);
}

async function mailsOf(instanceName: string, template?: string) {
  let q = db().selectFrom('mail_messages').selectAll().where('subject', 'like', `%${instanceName}%`);
  if (template) q = q.where('template', '=', template);
  return q.orderBy('id').execute();
}

async function renewalOf(instanceId: number) {
  return db().selectFrom('orders').selectAll().where('kind', '=', 'renewal').where('instance_id', '=', instanceId).orderBy('id', 'desc').executeTakeFirst();
}

async function pay(quoteNumber: string, receivedOn: string, amountCents?: number) {
  const quote = (await t.container.services.billing.findDocument({ number: quoteNumber }))!;
  return recordPayment(t.container.deps, await operatorId(t.container), quoteNumber, { method: 'transfer', amountCents: amountCents ?? quote.gross_cents, receivedOn, reference: quoteNumber, bank: '', confirmed: true });
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-lifecycle-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.container.urls.setPublicPort(Number(new URL(address).port));
  await activeInstances(t, 'cycle', ['cycle-paye', 'cycle-tard', 'cycle-rien']);
});

after(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the hosting year runs by itself', () => {
  it('issues the renewal order 30 days before the end, once, and e-mails its quote number, amount and pay link', async () => {
    const i = (await t.container.services.instances.findByName('cycle-paye'))!;
    assert.deepEqual([i.period_start, i.period_end], ['2026-03-01', '2027-02-28']);
    const early = await sweep('2027-01-29');
    assert.equal(early.renewalsIssued, 0);
    const day = await sweep('2027-01-30');
    assert.equal(day.renewalsIssued, 3, 'the three instances end on the same day');
    const again = await sweep('2027-01-30');
    assert.equal(again.renewalsIssued, 0, 'a second run the same day issues nothing');
    const order = (await renewalOf(i.id))!;
    assert.equal(order.status, 'validated');
    assert.deepEqual([order.renews_from, order.renews_to], ['2027-03-01', '2028-02-29']);
    const quote = (await t.container.services.billing.latestQuoteForOrder(order.id))!;
    assert.equal(quote.gross_cents, 4499);
    const mails = await mailsOf('cycle-paye', 'lifecycle.renewal_issued');
    assert.equal(mails.length, 1);
    const body = text(mails[0]!.text_body);
    assert.match(body, new RegExp(quote.number));
    assert.match(body, /44,99 €/);
    assert.match(body, new RegExp(`/commandes/${order.id}`));
    assert.match(body, /28\/02\/2027/);
    assert.match(body, /Annuler la commande automatique/);
    // While the renewal is open, the plan for the next year is chosen on the renewal, not by a prorated change.
    const user = { id: i.user_id, alias: 'cycle', name: 'cycle', email: 'cycle@example.org', role: 'customer' as const, organisationId: null, sessionId: 0 };
    const terms = (await t.container.services.settings.currentTerms())!;
    const change = await requestPlanChange(t.container.deps, user, i.id, { planCode: 'emeraude', accept: true, termsVersion: terms.version, ip: null });
    assert.deepEqual(change, { ok: false, error: 'plan_change_renewal_open', orderId: order.id });
  });

  it('sends each reminder once, whether the sweep runs twice a day or catches up missed days', async () => {
    // Twice a day up to the 20th of February…
    for (let day = '2027-01-31'; day <= '2027-02-20'; day = addDays(day, 1)) {
      await sweep(day);
      await sweep(day);
    }
    // …then ecrin is down five days; the catch-up runs them in order when it comes back.
    clock().set('2027-02-26T10:00:00Z');
    const caught = await runLifecycleCatchUp(t.container.deps, '2027-02-26');
    assert.deepEqual(caught.map((s) => s.day), ['2027-02-21', '2027-02-22', '2027-02-23', '2027-02-24', '2027-02-25', '2027-02-26']);
    assert.deepEqual(await runLifecycleCatchUp(t.container.deps, '2027-02-26'), [], 'nothing left to catch up');
    await sweep('2027-02-27');
    await sweep('2027-02-28');
    await sweep('2027-02-28');
    const reminders = await mailsOf('cycle-rien', 'lifecycle.reminder');
    assert.equal(reminders.length, 3, reminders.map((m) => m.subject).join('\n'));
    const notices = await db().selectFrom('lifecycle_notices').innerJoin('instances', 'instances.id', 'lifecycle_notices.instance_id').select(['kind', 'day']).where('instances.name', '=', 'cycle-rien').orderBy('day').execute();
    assert.deepEqual(notices.map((n) => [n.kind, n.day]), [['renewal_issued', '2027-01-30'], ['reminder_15', '2027-02-14'], ['reminder_7', '2027-02-22'], ['reminder_1', '2027-02-28']]);
    for (const m of reminders) {
      assert.match(text(m.text_body), /DEV-\d{4}-\d{4}/);
      assert.match(text(m.text_body), /44,99 €/);
      assert.match(text(m.text_body), /\/commandes\/\d+/);
    }
  });

  it('extends the period from the old end, not the payment date, exactly once with two payment paths', async () => {
    const i = (await t.container.services.instances.findByName('cycle-paye'))!;
    const order = (await renewalOf(i.id))!;
    const quote = (await t.container.services.billing.latestQuoteForOrder(order.id))!;
    clock().set('2027-02-10T10:00:00Z');
    const paid = await pay(quote.number, '2027-02-09');
    assert.ok(paid.ok && paid.outcome.state === 'paid', JSON.stringify(paid));
    // A second path: the same quote paid again (a cheque as well), the settle job replayed, the event redelivered.
    const twice = await pay(quote.number, '2027-02-10');
    assert.ok(twice.ok, JSON.stringify(twice));
    await settleQuote(t.container.deps, quote.id);
    assert.equal(await applyRenewal(t.container.deps, { orderId: order.id, instanceId: i.id, planCode: order.plan_code, renewsFrom: String(order.renews_from), renewsTo: String(order.renews_to) }), false);
    await sweep('2027-03-01');
    const after = (await t.container.services.instances.find(i.id))!;
    assert.deepEqual([after.period_start, after.period_end, after.state], ['2027-03-01', '2028-02-29', 'active']);
    const invoices = await db().selectFrom('documents').select(['number', 'content']).where('order_id', '=', order.id).where('kind', '=', 'invoice').execute();
    assert.equal(invoices.length, 1, 'one invoice');
    assert.deepEqual((invoices[0]!.content as { servicePeriod: unknown }).servicePeriod, { start: '2027-03-01', end: '2028-02-29' });
    assert.equal((await mailsOf('cycle-paye', 'lifecycle.grace')).length, 0);
  });

  it('grace, then suspension naming the quote and its amount; a payment restores service at once', async () => {
    const late = (await t.container.services.instances.findByName('cycle-tard'))!;
    const never = (await t.container.services.instances.findByName('cycle-rien'))!;
    // The day after the end: grace (still served), an e-mail saying when it will be suspended.
    const grace = await mailsOf('cycle-tard', 'lifecycle.grace');
    assert.equal(grace.length, 1);
    assert.match(text(grace[0]!.text_body), /16\/03\/2027/);
    assert.equal((await t.container.services.instances.find(late.id))!.state, 'active');
    for (let day = '2027-03-02'; day <= '2027-03-16'; day = addDays(day, 1)) await sweep(day);
    for (const i of [late, never]) assert.equal((await t.container.services.instances.find(i.id))!.state, 'suspended', i.name);
    const suspended = await mailsOf('cycle-tard', 'lifecycle.suspended');
    assert.equal(suspended.length, 1);
    const order = (await renewalOf(late.id))!;
    const quote = (await t.container.services.billing.latestQuoteForOrder(order.id))!;
    assert.match(text(suspended[0]!.text_body), new RegExp(`${quote.number}.*44,99 €`, 's'));
    assert.match(text(suspended[0]!.text_body), new RegExp(`/commandes/${order.id}`));
    // The front door's page names the quote, its amount and how to pay.
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { host: 'cycle-tard.localhost' } });
    assert.equal(page.statusCode, 503);
    assert.match(text(page.body), new RegExp(quote.number));
    assert.match(text(page.body), /44,99 €/);
    // The transfer was received on the 14th (before the suspension) and recorded on the 17th: served at once.
    clock().set('2027-03-17T09:00:00Z');
    const paid = await pay(quote.number, '2027-03-14');
    assert.ok(paid.ok && paid.outcome.state === 'paid', JSON.stringify(paid));
    const restored = (await t.container.services.instances.find(late.id))!;
    assert.deepEqual([restored.state, restored.period_start, restored.period_end], ['active', '2027-03-01', '2028-02-29']);
    assert.equal(t.container.services.instances.route('cycle-tard')?.state, 'active');
  });

  it('after the retention delay, an unpaid instance is marked to be ended, with its e-mail, once, and the end-instance job ends it: final archive, then destruction', async () => {
    const never = (await t.container.services.instances.findByName('cycle-rien'))!;
    await sweep('2027-04-14');
    assert.equal((await t.container.services.instances.find(never.id))!.retention_over_at, null);
    await sweep('2027-04-15');
    await sweep('2027-04-15');
    const row = (await t.container.services.instances.find(never.id))!;
    assert.equal(row.state, 'suspended');
    assert.ok(row.retention_over_at);
    assert.equal((await mailsOf('cycle-rien', 'lifecycle.retention_over')).length, 1);
    // Sent in the transaction that marked it, once however often the day is swept.
    const jobs = await sql<{ data: { instanceId: number; reason: 'unpaid' | 'customer' | 'account_closed'; actorUserId: number | null; ip: string | null } }>`select data from pgboss.job where name = 'archives.end_instance' and data->>'instanceId' = ${String(never.id)}`.execute(db());
    assert.equal(jobs.rows.length, 1);
    assert.equal(jobs.rows[0]!.data.reason, 'unpaid');
    // What its worker runs, on the stand-in: the verified final archive, then the instance gone.
    const ended = await endInstance(t.container.deps, jobs.rows[0]!.data);
    assert.ok(ended.ok, JSON.stringify(ended));
    const gone = (await t.container.services.instances.find(never.id))!;
    assert.equal(gone.state, 'deleted');
    assert.equal(gone.end_reason, 'unpaid');
    const finals = await db().selectFrom('archives').select(['origin', 'state']).where('instance_id', '=', never.id).execute();
    assert.deepEqual(finals.map((a) => a.origin), ['final']);
    // Its unpaid renewal goes with it: nobody can pay for an instance that is gone.
    const renewal = (await renewalOf(never.id))!;
    assert.equal(renewal.status, 'cancelled');
    const quote = (await t.container.services.billing.latestQuoteForOrder(renewal.id))!;
    assert.equal(await t.container.services.billing.isCancelled(quote.id), true);
    const refused = await t.container.services.payments.payableQuote(quote.number);
    assert.equal(!refused.ok && refused.error, 'quote_cancelled');
  });

  it('counts days in Paris time across the DST changes, and the next year of a paid instance (a leap year) renews 30 days before its end', async () => {
    // 22:30 UTC on 30 October 2027 is already the 31st in Paris (summer time ends that night).
    clock().set('2027-10-30T22:30:00Z');
    const autumn = await runLifecycleCatchUp(t.container.deps);
    assert.equal(autumn.at(-1)?.day, '2027-10-31');
    assert.equal(autumn[0]?.day, '2027-04-16', 'caught up from the day after the last sweep');
    // 23:30 UTC on 30 January 2028 is the 31st in Paris (winter time): the renewal of the period ending on 29 February 2028.
    clock().set('2028-01-30T22:59:00Z');
    const before = await runLifecycleCatchUp(t.container.deps);
    assert.equal(before.at(-1)?.day, '2028-01-30');
    const paye = (await t.container.services.instances.findByName('cycle-paye'))!;
    assert.equal(await renewalOf(paye.id).then((o) => o?.renews_from), '2027-03-01', 'not issued yet');
    clock().set('2028-01-30T23:00:00Z');
    const day = await runLifecycleCatchUp(t.container.deps);
    assert.deepEqual(day.map((d) => d.day), ['2028-01-31']);
    const next = (await renewalOf(paye.id))!;
    assert.deepEqual([next.renews_from, next.renews_to, next.status], ['2028-03-01', '2029-02-28', 'validated']);
    // 01:30 UTC on 26 March 2028 is 03:30 in Paris, summer time again: still the 26th.
    clock().set('2028-03-26T01:30:00Z');
    assert.equal((await runLifecycleCatchUp(t.container.deps)).at(-1)?.day, '2028-03-26');
  });
});
