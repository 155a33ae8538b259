import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInOperator } from '../../../test/support/customers.ts';
import { InstanceClient } from '../../../test/support/instance-client.ts';
import { activeInstances } from '../../../test/support/instances.ts';
import { groupMembers, processUid } from '../../hosting/sandbox/proc.ts';

/**
 * Health as people see it: the customer's page says "Redémarrage en cours" while a hung server is
 * restarted; a crash loop puts the instance "en échec", tells the operators once, and the operator
 * reads its log and restarts it from the back office. Real servers (the stand-in with its fault
 * endpoints), real supervision, fast probes.
 */
let t: TestApp;
let dataDir: string;
let port: number;
let customer: Agent;
let operator: Agent;
let id: number;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-health-'));
  t = await createTestApp({
    env: {
      DATA_DIR: dataDir,
      LUCTERIOS_STANDIN_FAULTS: '1',
      INSTANCE_PROBE_INTERVAL_S: '0.3',
      INSTANCE_PROBE_TIMEOUT_S: '1',
      INSTANCE_PROBE_FAILURES: '2',
      INSTANCE_CRASH_LOOP_RESTARTS: '2',
      INSTANCE_CRASH_LOOP_WINDOW_S: '120',
    },
  });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
  customer = await activeInstances(t, 'sante', ['sante-asso']);
  operator = await signedInOperator(t, 'veilleur@example.org');
  id = (await t.container.services.instances.findByName('sante-asso'))!.id;
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => Promise<T | null | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

function killServer(): void {
  const rt = t.container.driver.runtime('sante-asso');
  assert.ok(rt.pid);
  const mine = groupMembers(rt.pid).filter((p) => rt.uid === null || processUid(p) === rt.uid);
  for (const pid of mine) process.kill(pid, 'SIGKILL');
}

describe('an instance’s server, as the customer and the operator see it', () => {
  it('a hung server: the customer’s page says "Redémarrage en cours", then the instance serves again', async () => {
    const direct = t.container.driver.endpoint('sante-asso')!;
    const hung = await fetch(`http://127.0.0.1:${direct.port}/hang`);
    assert.equal(hung.status, 200);
    const page = await until('the restart shown', async () => {
      const res = await customer.get(`/instances/${id}`);
      return /Redémarrage en cours/.test(res.body) ? res : null;
    });
    assert.match(page.body, /<span class="badge ok">Active<\/span> <span class="badge warn">Redémarrage en cours<\/span>/);
    await until('serving again', async () => t.container.driver.runtime('sante-asso').state === 'running');
    assert.doesNotMatch((await customer.get(`/instances/${id}`)).body, /Redémarrage en cours/);
    assert.equal(await new InstanceClient(port, `sante-asso.localhost:${port}`).signIn('admin', 'tournesol-geant-42'), true);
    const bo = await operator.get(`/backoffice/instances/${id}`);
    assert.match(bo.body, /no answer to the health probe \(2\/2\)/, 'the log shows why');
    assert.match(bo.body, /Redémarrages automatiques<\/dt><dd>1</);
  });

  it('a crash loop: "en échec" for the customer, one e-mail to the operators, restarted from the back office', async () => {
    const mails = () => t.container.database.db.selectFrom('mail_messages').select('id').where('template', '=', 'instances.server_failed').execute();
    for (let i = 0; i < 5 && (await t.container.services.instances.find(id))!.state === 'active'; i++) {
      await until('running', async () => t.container.driver.runtime('sante-asso').state === 'running' || t.container.driver.runtime('sante-asso').state === 'failed');
      if (t.container.driver.runtime('sante-asso').state === 'failed') break;
      killServer();
      await until('noticed', async () => t.container.driver.runtime('sante-asso').state !== 'running');
    }
    await until('en échec', async () => (await t.container.services.instances.find(id))!.state === 'failed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await mails()).length, 1, 'the operators are told once');
    const page = await customer.get(`/instances/${id}`);
    assert.match(page.body, /En échec/);
    assert.match(page.body, /s&#39;est arrêté à répétition/);
    const site = await new InstanceClient(port, `sante-asso.localhost:${port}`).request('GET', '/login');
    assert.equal(site.status, 503, 'the front door shows the state page, it does not forward');

    const bo = await operator.get(`/backoffice/instances/${id}`);
    assert.match(bo.body, /en échec \(arrêts à répétition\)/);
    assert.match(bo.body, /Redémarrer le serveur/);
    assert.match(bo.body, /bac à sable bubblewrap, utilisateur \d+|non isolée/);
    assert.match(bo.body, /failed: 2 restarts within 120 s/);
    const restarted = await operator.post(`/backoffice/instances/${id}/redemarrer`, {});
    assert.equal(restarted.statusCode, 303);
    assert.equal(restarted.headers.location, `/backoffice/instances/${id}?serveur=redemarre#serveur`);
    assert.match((await operator.get(String(restarted.headers.location))).body, /Serveur redémarré/);
    assert.equal((await t.container.services.instances.find(id))!.state, 'active');
    assert.equal((await new InstanceClient(port, `sante-asso.localhost:${port}`).request('GET', '/login')).status, 200);
    const again = await operator.post(`/backoffice/instances/${id}/redemarrer`, {});
    assert.equal(again.headers.location, `/backoffice/instances/${id}?serveur=pas-en-echec#serveur`, 'an active instance is not "restarted" by hand');
    assert.equal((await customer.post(`/backoffice/instances/${id}/redemarrer`, {})).statusCode, 403);
  });

  it('says on the instances list whether this machine isolates instances', async () => {
    const list = await operator.get('/backoffice/instances');
    const iso = t.container.driver.isolation();
    if (iso.sandboxed) assert.doesNotMatch(list.body, /ne sont pas isolées/);
    else assert.match(list.body, /Les instances ne sont pas isolées sur cette machine/);
    if (iso.sandboxed && !iso.cgroup.available) assert.match(list.body, /cgroup v2 non utilisé/);
  });
});
