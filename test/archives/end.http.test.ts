import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { endInstanceJob } from '../../src/modules/archives/archives.jobs.ts';
import { endInstance } from '../../src/modules/archives/use-cases/end-instance.ts';
import { cancelOpenOrdersOfEnded, ENDED_RENEWAL_REASON } from '../../src/modules/orders/use-cases/cancel-open-orders-of-ended.ts';
import { issueRenewal } from '../../src/modules/lifecycle/use-cases/renewal-quote.ts';
import type { ManualClock } from '../../src/platform/clock.ts';
import type { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { lastMailTo, signedInOperator } from '../support/customers.ts';
import { InstanceClient } from '../support/instance-client.ts';
import { activeInstances } from '../support/instances.ts';
import { DEFAULT_ADMIN_PASSWORD, operatorId } from '../support/paid-order.ts';
import { recordPayment } from '../../src/modules/payments/use-cases/record-payment.ts';

/**
 * Ending an instance, on the stand-in's real archives, with the job workers running: the
 * customer's "Mettre fin à l'instance" (its name typed), the verified final archive (not counted,
 * downloadable 90 days from "Archives finales" once the instance is gone), the instance destroyed,
 * its order ended and its name released after 90 days; a final archive that fails destroys
 * nothing and alerts the operators; the lifecycle's entry point is idempotent; an end never
 * collides with a restore (refused while one runs, the job waits for it); the instance's plan
 * change and renewal awaiting payment are cancelled with it.
 */
let t: TestApp;
let dataDir: string;
let port: number;
let agent: Agent;
let operator: number;
const NAME = 'fin-asso';
const BROKEN = 'fin-casse';
const SWEPT = 'fin-impaye';
const RESTORING = 'fin-restaure';
const UPGRADED = 'fin-montee';
const WAITING = 'fin-attente';
const RENEWING = 'fin-renouvelle';

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-end-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir }, workers: true });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
  await signedInOperator(t, 'ops-fin@example.org');
  operator = await operatorId(t.container);
  agent = await activeInstances(t, 'finaliste', [NAME, BROKEN, SWEPT, RESTORING, WAITING, RENEWING], { plan: 'emeraude' });
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
const instanceOf = async (name: string) => (await t.container.database.db.selectFrom('instances').selectAll().where('name', '=', name).executeTakeFirstOrThrow());

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("Mettre fin à l'instance", () => {
  it('asks for the name, makes a verified final archive, destroys the instance, and keeps the archive downloadable', async () => {
    const instance = await instanceOf(NAME);
    // An archive of the customer's own, which goes with the instance.
    const own = await t.container.services.archives.createArchive(instance, 'avant la fin', 'created', null);
    const client = new InstanceClient(port, `${NAME}.localhost:${port}`);
    assert.equal(await client.signIn('admin', DEFAULT_ADMIN_PASSWORD), true);

    const page = await agent.get(`/instances/${instance.id}`);
    assert.match(page.body, new RegExp(`href="/instances/${instance.id}/fin"`), "the instance page offers « Mettre fin à l'instance »");
    const form = await agent.get(`/instances/${instance.id}/fin`);
    assert.equal(form.statusCode, 200);
    assert.match(unescape(form.body), /téléchargeable pendant 90 jours dans « Archives finales »/);
    const wrong = await agent.post(`/instances/${instance.id}/fin`, { confirm_name: 'autre-asso' });
    assert.equal(wrong.statusCode, 422);
    assert.match(unescape(wrong.body), /Tapez exactement le nom de l'instance pour confirmer qu'il faut y mettre fin/);
    assert.equal((await instanceOf(NAME)).state, 'active', 'nothing done on a wrong name');

    const asked = await agent.post(`/instances/${instance.id}/fin`, { confirm_name: NAME.toUpperCase() });
    assert.equal(asked.statusCode, 303);
    assert.equal(asked.headers.location, `/archives-finales?fin=${NAME}`);

    // The job: final archive, then destruction.
    const ended = await until('the instance to end', async () => ((await instanceOf(NAME)).state === 'deleted' ? instanceOf(NAME) : null));
    assert.equal(ended.end_reason, 'customer');
    assert.ok(ended.deleted_at);
    assert.equal(await t.container.driver.exists(NAME), false, 'its files are gone');
    assert.equal(existsSync(path.join(dataDir, 'instances', NAME)), false);
    assert.equal(await new InstanceClient(port, `${NAME}.localhost:${port}`).signIn('admin', DEFAULT_ADMIN_PASSWORD), false, 'its address no longer serves it');
    assert.equal((await agent.get(`/instances/${instance.id}`)).statusCode, 404);

    const archives = await t.container.services.archives.list(instance.id);
    assert.deepEqual(archives.map((a) => a.origin), ['final'], 'only the final archive is kept');
    assert.notEqual(archives[0]!.id, own.id);
    const final = archives[0]!;
    assert.ok(final.migrations > 0, 'verified: its target was read');
    assert.equal(new Date(final.expires_at!).getTime() - new Date(final.created_at).getTime(), 90 * 86_400_000, 'kept 90 days');
    assert.equal(final.created_by, ended.user_id);

    // "Archives finales", reached from "Vos instances d'hébergement".
    const list = await agent.get('/instances');
    assert.match(list.body, /href="\/archives-finales"/);
    assert.doesNotMatch(list.body, new RegExp(`<strong>${NAME}</strong>`), 'the ended instance is not listed as an instance or an order');
    const finals = unescape((await agent.get('/archives-finales')).body);
    assert.match(finals, new RegExp(final.sha256));
    assert.match(finals, /terminée le/);
    const download = `/archives-finales/${final.id}/telecharger`;
    assert.ok(finals.includes(`href="${download}"`));
    const whole = await agent.get(download);
    assert.equal(whole.statusCode, 200);
    assert.equal(whole.headers['content-length'], String(final.size_bytes));
    assert.match(String(whole.headers['content-disposition']), /filename="fin-asso-finale-/);
    assert.equal(createHash('sha256').update(whole.rawPayload).digest('hex'), final.sha256);
    const part = await agent.get(download, { range: 'bytes=10-99' });
    assert.equal(part.statusCode, 206);
    assert.deepEqual(part.rawPayload, whole.rawPayload.subarray(10, 100));

    // The order no longer holds the name; it is released 90 days.
    const order = (await t.container.services.orders.find(ended.order_id))!;
    assert.equal(order.status, 'ended');
    assert.equal(await t.container.services.orders.nameUnavailable(NAME, null), true, 'the name is held during the quarantine');

    const mail = await lastMailTo(t, 'finaliste@example.org', 'archives.instance_ended');
    assert.match(mail.text_body, /Vous avez demandé à mettre fin à votre instance/);
    assert.match(mail.text_body, /téléchargeable depuis le portail pendant 90 jours/);
    assert.match(mail.text_body, new RegExp(final.sha256));
    assert.match(mail.text_body, /\/archives-finales/);
    const audit = await t.container.services.audit.list({ limit: 5, offset: 0, action: 'instance.ended' });
    assert.equal((audit[0]?.details as { archiveId?: number }).archiveId, final.id);

    // Idempotent: asked again (a retried job, the lifecycle sweep), nothing more happens.
    const again = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'unpaid' });
    assert.ok(again.ok && again.alreadyEnded && again.archive.id === final.id);
    assert.equal((await instanceOf(NAME)).end_reason, 'customer');

    // Another customer sees none of it.
    const stranger = await activeInstances(t, 'curieux', [], {});
    assert.equal((await stranger.get(download)).statusCode, 404);
    assert.doesNotMatch((await stranger.get('/archives-finales')).body, new RegExp(final.sha256));
  });

  it('a final archive that fails destroys nothing: the instance is back as it was and the operators are told', async () => {
    const instance = await instanceOf(BROKEN);
    // The admin tool's archive fails for real: the instance's database file is missing.
    const db = path.join(dataDir, 'instances', BROKEN, 'fin_casse', 'db.json');
    renameSync(db, `${db}.aside`);
    const r = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'unpaid' });
    renameSync(`${db}.aside`, db);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error, 'final_archive_failed');
    const after = await instanceOf(BROKEN);
    assert.equal(after.state, 'active', 'back online, not destroyed');
    assert.equal(await t.container.driver.exists(BROKEN), true);
    assert.equal((await t.container.services.archives.list(instance.id)).length, 0, 'no final archive kept');
    assert.equal((await t.container.services.orders.find(instance.order_id))!.status, 'paid');
    const alert = await lastMailTo(t, 'ops-fin@example.org', 'archives.end_failed');
    assert.match(alert.text_body, /L'instance n'a PAS été supprimée/);
    assert.match(alert.subject, /fin-casse/);
    assert.ok(await new InstanceClient(port, `${BROKEN}.localhost:${port}`).signIn('admin', DEFAULT_ADMIN_PASSWORD), 'it still serves');

    // Once the cause is fixed, the same call ends it.
    const retry = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'unpaid' });
    assert.ok(retry.ok && !retry.alreadyEnded);
    assert.equal((await instanceOf(BROKEN)).end_reason, 'unpaid');
    const mail = await lastMailTo(t, 'finaliste@example.org', 'archives.instance_ended');
    assert.match(mail.text_body, /n'a pas été renouvelé/);
  });

  it('is refused while a restore runs, and an end sent before it waits for it instead of colliding', async () => {
    const instance = await instanceOf(RESTORING);
    const source = await t.container.services.archives.createArchive(instance, 'à restaurer', 'created', null);
    // The restore is held at the admin tool's "restore" until the test lets it go.
    const driver = t.container.driver;
    const original = driver.restore.bind(driver);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    driver.restore = async (name: string, file: string) => {
      if (name === RESTORING) await held;
      return original(name, file);
    };
    try {
      const asked = await agent.post(`/instances/${instance.id}/archives/${source.id}/restaurer`, { confirm_name: RESTORING, password: 'Velo-bleu-2027!x', password_confirm: 'Velo-bleu-2027!x' });
      assert.equal(asked.statusCode, 303, asked.body);
      const restoreAction = async () => (await t.container.services.instances.actionsForInstance(instance.id)).find((a) => a.kind === 'restore');
      await until('the restore to run', async () => (await restoreAction())?.state === 'running');
      await until('the restore to reach the admin tool', async () => (await instanceOf(RESTORING)).state === 'maintenance');

      // « Mettre fin à l'instance »: said on the page, refused on confirmation, nothing sent.
      const message = /Une restauration est en cours sur cette instance : attendez qu'elle soit terminée/;
      assert.match(unescape((await agent.get(`/instances/${instance.id}/fin`)).body), message);
      const refused = await agent.post(`/instances/${instance.id}/fin`, { confirm_name: RESTORING });
      assert.equal(refused.statusCode, 409);
      assert.match(unescape(refused.body), message);

      // An end sent before the restore was asked (the lifecycle's, a customer's earlier request) waits.
      const direct = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'unpaid' });
      assert.equal(!direct.ok && direct.error, 'restore_running');
      const endJobs = () =>
        t.container.database.db
          .selectFrom(sql<{ state: string; later: boolean; data: { instanceId: number } }>`(select state, start_after > now() as later, data from pgboss.job where name = 'archives.end_instance')`.as('j'))
          .selectAll()
          .execute();
      await t.container.queue.send(endInstanceJob, { instanceId: instance.id, reason: 'unpaid', actorUserId: null, ip: null });
      await until('the end job to send itself again for later', async () => (await endJobs()).some((j) => j.data.instanceId === instance.id && j.state === 'created' && j.later));
      const during = await instanceOf(RESTORING);
      assert.equal(during.state, 'maintenance', "the restore's maintenance, untouched");
      assert.equal(await t.container.driver.exists(RESTORING), true, 'nothing destroyed');
      assert.equal((await t.container.services.archives.finalOf(instance.id)) ?? null, null, 'no final archive made under the restore');
    } finally {
      release();
      driver.restore = original;
    }
    await until('the restore to finish', async () => (await t.container.services.instances.actionsForInstance(instance.id)).find((a) => a.kind === 'restore')?.state === 'done');
    assert.equal((await instanceOf(RESTORING)).state, 'active');
    // Once the restore is done, the end goes through (what the job sent for later does).
    const ended = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'unpaid' });
    assert.ok(ended.ok && !ended.alreadyEnded);
    assert.equal((await instanceOf(RESTORING)).state, 'deleted');
  });

  it("cancels the instance's plan change awaiting payment when it ends: nobody can pay for it any more", async () => {
    const customer = await activeInstances(t, 'montee-fin', [UPGRADED], { plan: 'opale' });
    // With the job workers running, the queue's own provisioning may still be finishing it.
    const instance = await until('the instance to be active', async () => ((await instanceOf(UPGRADED)).state === 'active' ? instanceOf(UPGRADED) : null));
    const terms = (await t.container.services.settings.currentTerms())!;
    const ordered = await customer.post(`/instances/${instance.id}/forfait`, { plan: 'emeraude', accept: '1', cgv_version: String(terms.version) });
    assert.equal(ordered.statusCode, 303, ordered.body);
    const upgrade = (await t.container.services.orders.openPlanChange(instance.id))!;
    assert.equal(upgrade.kind, 'upgrade');
    const quote = (await t.container.services.billing.latestQuoteForOrder(upgrade.id))!;
    assert.equal((await t.container.services.payments.payableQuote(quote.number)).ok, true, 'payable before the end');
    // Part of it paid already: the money stays recorded, and the operators are told to refund it.
    const part = await recordPayment(t.container.deps, operator, quote.number, { method: 'transfer', amountCents: 1000, receivedOn: t.container.services.billing.today(), reference: quote.number, bank: '', confirmed: true });
    assert.ok(part.ok, JSON.stringify(part));

    const r = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'customer', actorUserId: instance.user_id });
    assert.ok(r.ok);
    assert.equal((await t.container.services.orders.find(upgrade.id))!.status, 'cancelled');
    assert.equal(await t.container.services.billing.isCancelled(quote.id), true);
    const pay = await t.container.services.payments.payableQuote(quote.number);
    assert.equal(!pay.ok && pay.error, 'quote_cancelled');
    assert.equal(await t.container.services.orders.openPlanChange(instance.id), undefined);
    assert.equal((await t.container.services.orders.find(instance.order_id))!.status, 'ended', 'the hosting order itself is ended, not cancelled');
    const audit = await t.container.services.audit.list({ limit: 5, offset: 0, action: 'order.cancelled' });
    assert.ok(audit.some((a) => (a.details as { orderId?: number }).orderId === upgrade.id));
    assert.equal(await t.container.services.payments.paidCents(quote.id), 1000, 'the money received is kept');
    const refund = await lastMailTo(t, 'ops-fin@example.org', 'orders.ended_plan_change_paid');
    assert.match(refund.text_body, new RegExp(`la commande et le devis ${quote.number} sont annulés`));
    assert.match(refund.text_body, /10,00\s€ avaient déjà été reçus.*Remboursez le client/s);
    // The event's job (a replay) finds nothing more to cancel.
    assert.equal(await cancelOpenOrdersOfEnded(t.container.deps, instance.id), 0);
  });

  it("cancels the instance's renewal awaiting payment when it ends during the renewal window: nobody can pay for it any more", async () => {
    const instance = await instanceOf(RENEWING);
    const account = (await t.container.services.accounts.getAccount(instance.user_id)) ?? null;
    const issued = await t.container.database.db.transaction().execute((trx) => issueRenewal(t.container.deps, trx, instance, instance.plan_code, { day: t.container.services.billing.today(), requestedBy: null, account }));
    assert.ok(issued.ok, JSON.stringify(issued));
    const quote = issued.quote;
    assert.equal((await t.container.services.payments.payableQuote(quote.number)).ok, true, 'payable before the end');
    const part = await recordPayment(t.container.deps, operator, quote.number, { method: 'transfer', amountCents: 1500, receivedOn: t.container.services.billing.today(), reference: quote.number, bank: '', confirmed: true });
    assert.ok(part.ok && part.outcome.state !== 'paid', JSON.stringify(part));

    const r = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'customer', actorUserId: instance.user_id });
    assert.ok(r.ok);
    assert.equal((await t.container.services.orders.find(issued.order.id))!.status, 'cancelled');
    assert.equal(await t.container.services.billing.isCancelled(quote.id), true);
    const pay = await t.container.services.payments.payableQuote(quote.number);
    assert.equal(!pay.ok && pay.error, 'quote_cancelled');
    assert.deepEqual(await t.container.services.orders.openOrdersOfInstance(instance.id), []);
    const audit = await t.container.services.audit.list({ limit: 10, offset: 0, action: 'order.cancelled' });
    assert.ok(audit.some((a) => (a.details as { orderId?: number; reason?: string }).orderId === issued.order.id && (a.details as { reason?: string }).reason === ENDED_RENEWAL_REASON));
    assert.equal(await t.container.services.payments.paidCents(quote.id), 1500, 'the money received is kept');
    const refund = await lastMailTo(t, 'ops-fin@example.org', 'orders.ended_renewal_paid');
    assert.match(refund.subject, /Renouvellement annulé mais partiellement réglé/);
    assert.match(refund.text_body, new RegExp(`alors que son renouvellement attendait son règlement : la commande et le devis ${quote.number} sont annulés`));
    assert.match(refund.text_body, /15,00\s€ avaient déjà été reçus.*Remboursez le client/s);
    assert.equal(await cancelOpenOrdersOfEnded(t.container.deps, instance.id), 0, 'a replay cancels nothing more');
  });

  it('a restore does not start under an end: it waits while the instance is offline, and is refused once the instance is gone', async () => {
    const { instances, archives } = t.container.services;
    const instance = await instanceOf(WAITING);
    const source = await archives.createArchive(instance, 'à restaurer', 'created', null);
    const schedule = () =>
      t.container.database.db.transaction().execute((trx) =>
        instances.scheduleAction({ instanceId: instance.id, userId: instance.user_id, kind: 'restore', details: JSON.stringify({ op: 'restore', archiveId: source.id, password: 'Velo-vert-2027!x' }), requestedBy: instance.user_id }, trx),
      );
    const action = async (id: number) => (await instances.findAction(id))!;
    // The end has taken the instance offline (its first step) when the restore's job comes.
    await instances.setMaintenance(instance, true);
    const waiting = await schedule();
    await until('the restore to wait', async () => (await action(waiting)).last_error?.includes('la restauration attend'));
    assert.notEqual((await action(waiting)).state, 'failed', 'it will be tried again');
    assert.ok(!(await archives.list(instance.id)).some((a) => a.origin === 'before_restore'), 'nothing done: no safety archive');
    // The end gave the instance back (a restore was waiting): the restore then runs, once.
    await instances.setMaintenance(instance, false);
    await until('the restore to run after the wait', async () => (await action(waiting)).state === 'done', 90_000);

    const ended = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'customer' });
    assert.ok(ended.ok);
    const late = await schedule();
    await until('the late restore to be refused', async () => (await action(late)).state === 'failed');
    assert.match((await action(late)).last_error ?? '', /L'instance n'est pas active/);
    assert.equal(await t.container.driver.exists(WAITING), false);
  });

  it('the final archive counts toward no storage; the name is free again after its reservation (a setting: 30 days here), the archive gone after 90', async () => {
    const { settings } = t.container.services;
    await settings.updateLifecycle({ nameQuarantineDays: 30 });
    const instance = await instanceOf(SWEPT);
    const r = await endInstance(t.container.deps, { instanceId: instance.id, reason: 'account_closed' });
    assert.ok(r.ok);
    assert.ok(Number(r.archive.size_bytes) > 0);
    assert.equal((await t.container.services.archives.quota(instance)).usedBytes, instance.disk_bytes ?? 0, 'the final archive is not counted');
    const ended = await lastMailTo(t, (await t.container.services.accounts.getAccount(instance.user_id))!.user.email, 'archives.instance_ended');
    assert.match(unescape(ended.text_body), /Le nom de l'instance reste réservé pendant 30 jours/);
    const clock = t.clock as ManualClock;
    try {
      clock.advance(29 * 86_400_000);
      assert.equal(await t.container.services.orders.nameUnavailable(SWEPT, null), true, 'reserved for 30 days');
      clock.advance(2 * 86_400_000);
      assert.equal(await t.container.services.orders.nameUnavailable(SWEPT, null), false, 'released after 30 days');
      await settings.updateLifecycle({ nameQuarantineDays: 90 });
      assert.equal(await t.container.services.orders.nameUnavailable(SWEPT, null), true, 'the setting is read when a name is asked: 90 days again');
    } finally {
      await settings.updateLifecycle({ nameQuarantineDays: 90 });
    }
    assert.equal(await t.container.services.archives.prune(), 0, 'still downloadable');
    clock.advance(60 * 86_400_000);
    assert.equal(await t.container.services.orders.nameUnavailable(SWEPT, null), false, 'released after 90 days');
    assert.ok((await t.container.services.archives.prune()) >= 1, 'the final archive goes after 90 days');
    assert.equal((await t.container.services.archives.list(instance.id)).length, 0);
  });
});
