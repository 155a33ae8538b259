import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../src/platform/clock.ts';
import { quietHourOf, runNightlyArchives } from '../../src/modules/archives/use-cases/run-nightly-archives.ts';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInCustomer } from '../support/customers.ts';
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
