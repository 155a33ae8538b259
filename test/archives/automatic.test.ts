import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../src/platform/clock.ts';
import { quietHourOf, runNightlyArchives } from '../../src/modules/archives/use-cases/run-nightly-archives.ts';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInCustomer, signedInOperator } from '../support/customers.ts';
import { paidOrder } from '../support/paid-order.ts';
import { SiteDriver } from '../support/site-driver.ts';

/** Automatic archives: one a night per instance at its quiet hour, verified, kept 7 days, the last one kept. */
let t: TestApp;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-auto-archives-'));
  t = await createTestApp({ driver: new SiteDriver((_n, _req, res) => res.end('ok')), env: { DATA_DIR: dataDir } });
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('automatic archives', () => {
  it('spreads instances over the quiet hours of the night', () => {
    const hours = new Set(Array.from({ length: 50 }, (_, i) => quietHourOf(i + 1)));
    assert.deepEqual([...hours].sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  });

  it('archives each instance once at its hour, keeps the last one from the customer, and prunes the expired', async () => {
    const agent = await signedInCustomer(t, 'nocturne');
    const { orderId } = await paidOrder(t, agent, 'nuit-asso');
    await provisionInstance(t.container.deps, orderId);
    const instance = (await t.container.services.instances.findByName('nuit-asso'))!;
    const clock = t.clock as ManualClock;
    const hour = quietHourOf(instance.id);
    // Paris is UTC+1 in winter: that hour, Paris time, on 2 March.
    clock.set(`2026-03-02T${String((hour + 23) % 24).padStart(2, '0')}:05:00Z`);
    const other = await runNightlyArchives({ ...t.container.deps, clock: { now: () => new Date(clock.now().getTime() + 3600_000) } });
    assert.equal(other.scheduled, 0, 'not at another hour');
    const first = await runNightlyArchives(t.container.deps);
    assert.equal(first.scheduled, 1);
    const [action] = await t.container.services.instances.actionsForInstance(instance.id);
    assert.equal(action!.kind, 'archive');
    await t.container.services.archives.runAction(action!.id);
    assert.equal((await t.container.services.instances.findAction(action!.id))!.state, 'done');
    const [auto] = await t.container.services.archives.list(instance.id);
    assert.equal(auto!.origin, 'automatic');
    assert.equal(new Date(auto!.expires_at!).getTime() - new Date(auto!.created_at).getTime(), 7 * 86_400_000, 'kept 7 days');
    assert.equal((await runNightlyArchives(t.container.deps)).scheduled, 0, 'once a night, even if the job runs again');

    // The customer cannot delete the last verified automatic archive.
    await agent.get(`/instances/${instance.id}/archives`);
    const refused = await agent.post(`/instances/${instance.id}/archives/${auto!.id}/supprimer`, { confirme: '1' });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /dernière archive automatique vérifiée/);

    // Eight days later: expired, but the last automatic one stays until the next replaces it.
    clock.advance(8 * 86_400_000);
    assert.equal((await runNightlyArchives(t.container.deps)).pruned, 0);
    const [next] = (await t.container.services.instances.actionsForInstance(instance.id)).filter((a) => a.state === 'scheduled');
    await t.container.services.archives.runAction(next!.id);
    const result = await runNightlyArchives(t.container.deps);
    assert.equal(result.pruned, 1, 'the expired one goes once a newer automatic archive exists');
    const left = await t.container.services.archives.list(instance.id);
    assert.deepEqual(left.map((a) => a.origin), ['automatic']);
    assert.notEqual(left[0]!.id, auto!.id);
  });
});

describe('the archives settings of « Réglages »', () => {
  it('decide the quiet hours of the automatic archives and how long each kind is kept', async () => {
    const operator = await signedInOperator(t, 'ops-nuit@example.org');
    const page = await operator.get('/backoffice/reglages');
    assert.match(page.body, /id="archives"/);
    assert.match(page.body, /Début des heures creuses/);
    assert.match(page.body, /name="automaticKeepDays" [^>]*value="7"/);
    const bad = await operator.post('/backoffice/reglages/archives', { quietStartHour: '25', quietHours: '0', automaticKeepDays: '7', safetyKeepDays: 'sept', finalKeepDays: '90' });
    assert.equal(bad.statusCode, 422);
    const text = bad.body.replace(/&#39;/g, "'");
    assert.match(text, /Heure invalide : un nombre entier, de 0 à 23/);
    assert.match(text, /Durée invalide : un nombre entier d'heures, de 1 à 24/);
    assert.match(text, /Durée invalide : un nombre entier de jours, de 1 à 366/);
    const saved = await operator.post('/backoffice/reglages/archives', { quietStartHour: '22', quietHours: '1', automaticKeepDays: '3', safetyKeepDays: '2', finalKeepDays: '30' });
    assert.equal(saved.statusCode, 303);
    assert.deepEqual(await t.container.services.settings.archives(), { quietStartHour: 22, quietHours: 1, automaticKeepDays: 3, safetyKeepDays: 2, finalKeepDays: 30 });

    const agent = await signedInCustomer(t, 'tardif');
    const { orderId } = await paidOrder(t, agent, 'soir-asso');
    await provisionInstance(t.container.deps, orderId);
    const instance = (await t.container.services.instances.findByName('soir-asso'))!;
    const clock = t.clock as ManualClock;
    // 01:05 Paris (the default quiet hours): nothing any more; 22:05 Paris: every instance.
    clock.set('2026-04-01T23:05:00Z');
    assert.equal((await runNightlyArchives(t.container.deps)).scheduled, 0);
    clock.set('2026-04-02T20:05:00Z');
    assert.ok((await runNightlyArchives(t.container.deps)).scheduled >= 1);
    const [action] = (await t.container.services.instances.actionsForInstance(instance.id)).filter((a) => a.state === 'scheduled');
    await t.container.services.archives.runAction(action!.id);
    const [auto] = await t.container.services.archives.list(instance.id);
    assert.equal(auto!.origin, 'automatic');
    const days = (a: { created_at: unknown; expires_at: unknown }) => (new Date(a.expires_at as string).getTime() - new Date(a.created_at as string).getTime()) / 86_400_000;
    assert.equal(days(auto!), 3, 'automatic archives kept 3 days');
    const safety = await t.container.services.archives.createArchive(instance, 'avant restauration essai', 'before_restore', null);
    assert.equal(days(safety), 2, 'the safety archive kept 2 days');
    const final = await t.container.services.archives.createArchive(instance, 'finale essai', 'final', null);
    assert.equal(days(final), 30, 'the final archive kept 30 days');
    // The pruning follows the same delays: two and a half days later the safety archive goes, the others stay.
    clock.advance(2.5 * 86_400_000);
    await t.container.services.archives.prune();
    const left = (await t.container.services.archives.list(instance.id)).map((a) => a.id);
    assert.equal(left.includes(safety.id), false);
    assert.ok(left.includes(final.id) && left.includes(auto!.id));
    await t.container.services.settings.updateArchives({ quietStartHour: 1, quietHours: 5, automaticKeepDays: 7, safetyKeepDays: 7, finalKeepDays: 90 });
  });
});
