import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { systemClock } from '../../platform/clock.ts';
import { InstanceClient } from '../../../test/support/instance-client.ts';
import { activeInstances } from '../../../test/support/instances.ts';

/**
 * Fair actions: one pending action of a kind per instance (a new one replaces the one waiting), at
 * most ACTIONS_PER_CUSTOMER running per customer, and actions of different customers side by side
 * (ACTION_CONCURRENCY), with the real queue workers and the real admin tool.
 */
let t: TestApp;
let dataDir: string;
let port: number;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-fair-'));
  // The real clock: when each action started and finished is what is checked.
  t = await createTestApp({ clock: systemClock, workers: true, env: { DATA_DIR: dataDir, ACTION_CONCURRENCY: '4', ACTIONS_PER_CUSTOMER: '1' } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function instanceId(name: string): Promise<number> {
  return (await t.container.services.instances.findByName(name))!.id;
}

async function changePassword(agent: Agent, id: number, password: string): Promise<void> {
  const res = await agent.post(`/instances/${id}/mot-de-passe`, { password, password_confirm: password });
  assert.equal(res.statusCode, 303, res.body);
}

async function actionsOf(id: number) {
  return t.container.database.db.selectFrom('hosting_actions').selectAll().where('instance_id', '=', id).where('kind', '=', 'set_password').orderBy('id').execute();
}

describe('hosting actions between customers', () => {
  it('40 password changes of one customer: one waits per instance, and another customer’s action starts at once', async () => {
    const owner = await activeInstances(t, 'gourmand', ['gourmand-1', 'gourmand-2']);
    const other = await activeInstances(t, 'patient', ['patient-1']);
    const [g1, g2, p1] = [await instanceId('gourmand-1'), await instanceId('gourmand-2'), await instanceId('patient-1')];
    await owner.get(`/instances/${g1}`);
    await other.get(`/instances/${p1}`);
    for (let i = 0; i < 40; i++) await changePassword(owner, i % 2 === 0 ? g1 : g2, `gourmandise-${i}-2026`);
    const asked = Date.now();
    await changePassword(other, p1, 'patience-2026-ok');
    await until('every action done', async () => (await Promise.all([g1, g2, p1].map(actionsOf))).flat().every((x) => x.state === 'done' || x.state === 'failed'));

    const mine = [...(await actionsOf(g1)), ...(await actionsOf(g2))];
    // A new request replaces the one still waiting: per instance, an action is only ever created once
    // the one before it has been claimed (never two waiting at once), so 40 requests make far fewer
    // actions. How many exactly depends on how fast the actions run; the invariant does not.
    assert.ok(mine.length < 40, `${mine.length} actions for 40 requests: a new one replaces the one waiting`);
    for (const id of [g1, g2]) {
      const rows = await actionsOf(id);
      for (let i = 1; i < rows.length; i++) {
        const claimed = new Date(rows[i - 1]!.started_at!).getTime();
        assert.ok(new Date(rows[i]!.created_at).getTime() >= claimed - 5, `instance ${id}: action ${rows[i]!.id} was created while ${rows[i - 1]!.id} still waited`);
      }
    }
    assert.ok(mine.every((x) => x.state === 'done'));
    const theirs = (await actionsOf(p1))[0]!;
    assert.equal(theirs.state, 'done');
    const started = new Date(theirs.started_at!).getTime();
    assert.ok(mine.some((x) => new Date(x.started_at!).getTime() > started || new Date(x.finished_at!).getTime() > started), 'it ran while the other customer’s were still being worked through');
    assert.ok(started - asked < 3000, `started ${started - asked} ms after it was asked`);
    // One customer's actions one at a time (ACTIONS_PER_CUSTOMER=1): no two of them overlap.
    const spans = mine.map((x) => [new Date(x.started_at!).getTime(), new Date(x.finished_at!).getTime()] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1] - 5, 'a customer’s actions do not run side by side');
    // The last password asked for is the one in force.
    assert.equal(await new InstanceClient(port, `gourmand-1.localhost:${port}`).signIn('admin', 'gourmandise-38-2026'), true);
    assert.equal(await new InstanceClient(port, `gourmand-2.localhost:${port}`).signIn('admin', 'gourmandise-39-2026'), true);
    assert.equal(await new InstanceClient(port, `patient-1.localhost:${port}`).signIn('admin', 'patience-2026-ok'), true);
  });
});

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}
