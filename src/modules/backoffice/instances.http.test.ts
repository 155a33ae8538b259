import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { Agent } from '../../../test/support/agent.ts';
import { orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { MAX_ATTEMPTS } from '../instances/instances.jobs.ts';
import { provisionInstance } from '../instances/use-cases/provision-instance.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';
import { InstancesRepository } from '../instances/instances.repository.ts';

let t: TestApp;
let dataDir: string;
let customer: Agent;
let operator: Agent;
let instanceId: number;
let orderId: number;
let provisionActionId: number;
let archiveActionId: number;

const db = () => t.container.database.db;
const instances = () => t.container.services.instances;

async function jobs(name: string, key: string, value: number): Promise<number> {
  const res = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${name} and data->>${key} = ${String(value)}`.execute(db());
  return res.rows[0]!.n;
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-bo-instances-'));
  // An admin tool that cannot be run: every provisioning attempt fails at its first step.
  t = await createTestApp({ env: { DATA_DIR: dataDir, LUCTERIOS_ADMIN: path.join(dataDir, 'no-such-lucterios_admin') } });
  customer = await signedInCustomer(t, 'relance');
  const order = await orderAndValidate(t, customer, 'relance-asso');
  orderId = order.orderId;
  const quote = await t.container.services.billing.findDocument({ number: order.quoteNumber });
  operator = await signedInOperator(t);
  const operatorId = (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
  const paid = await recordPayment(t.container.deps, operatorId, order.quoteNumber, { method: 'transfer', amountCents: quote!.gross_cents, receivedOn: t.container.services.billing.today(), reference: order.quoteNumber, bank: '' });
  assert.ok(paid.ok);
  for (let i = 0; i < MAX_ATTEMPTS; i++) await assert.rejects(provisionInstance(t.container.deps, orderId));
  const instance = (await instances().findByName('relance-asso'))!;
  instanceId = instance.id;
  assert.equal(instance.state, 'failed');
  const actions = await instances().actionsForInstance(instanceId);
  provisionActionId = actions.find((a) => a.kind === 'provision')!.id;
  // An action of another kind, failed for good too (an archive action given to the instances' job, which does not run them: each run fails).
  archiveActionId = await new InstancesRepository(t.container.database.db).createAction({ instanceId, kind: 'archive', payload: null, requestedBy: null }, t.clock.now());
  for (let i = 0; i < MAX_ATTEMPTS; i++) await assert.rejects(instances().runAction(archiveActionId));
  assert.equal((await instances().findAction(archiveActionId))?.state, 'failed');
});

after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('"Instances" in the back office', () => {
  it('is the operator’s only', async () => {
    assert.equal((await customer.get('/backoffice/instances')).statusCode, 403);
    assert.equal((await customer.get(`/backoffice/instances/${instanceId}`)).statusCode, 403);
    await customer.get('/instances');
    assert.equal((await customer.post(`/backoffice/actions/${provisionActionId}/relancer`, {})).statusCode, 403);
    assert.equal((await instances().findAction(provisionActionId))?.state, 'failed');
    const visitor = await new Agent(t.app).get('/backoffice/instances');
    assert.equal(visitor.statusCode, 303);
    assert.match(String(visitor.headers.location), /^\/connexion/);
  });

  it('lists every instance with its customer, plan, state and reason, and the failed actions', async () => {
    const page = await operator.get('/backoffice/instances');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<a href="\/backoffice\/instances" aria-current="page" class="active">Instances<\/a>/);
    assert.match(page.body, new RegExp(`<a href="/backoffice/instances/${instanceId}">relance-asso</a><br><span class="muted">http://relance-asso\\.localhost:3000</span>`));
    const userId = (await instances().find(instanceId))!.user_id;
    assert.match(page.body, new RegExp(`<a href="/backoffice/clients/${userId}">relance</a>`));
    assert.match(page.body, /<td[^>]*>Opale<\/td>/);
    assert.match(page.body, /<span class="badge err">en échec<\/span><br><span class="muted">create : [^<]*(ENOENT|No such file or directory)/);
    assert.match(page.body, /Actions en échec/);
    assert.match(page.body, /Création de l&#39;instance<\/td>\s*<td[^>]*>5<\/td>/);
    assert.match(page.body, /Archivage<\/td>\s*<td[^>]*>5<\/td>\s*<td[^>]*>action archive is not available yet<\/td>/);
    assert.match(page.body, new RegExp(`action="/backoffice/actions/${provisionActionId}/relancer"`));
    assert.match(page.body, new RegExp(`action="/backoffice/actions/${archiveActionId}/relancer"`));
    assert.match(page.body, /<button type="submit" class="small">Relancer<\/button>/);
    assert.match(page.body, /name="_csrf"/);
    const dashboard = await operator.get('/backoffice');
    assert.match(dashboard.body, /<a href="\/backoffice\/instances">Instances<\/a>/);
  });

  it('shows one instance in full: fields, actions with states and errors, disk usage', async () => {
    const page = await operator.get(`/backoffice/instances/${instanceId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Instance relance-asso<\/h1>/);
    assert.match(page.body, /Adresse publique<\/dt><dd>http:\/\/relance-asso\.localhost:3000<\/dd>/);
    assert.match(page.body, new RegExp(`Commande</dt><dd>#${orderId}</dd>`));
    assert.match(page.body, /Diacamma Asso/);
    assert.match(page.body, /Raison de l&#39;échec<\/dt><dd>create : /);
    assert.match(page.body, /Espace disque utilisé<\/dt><dd>0 Mo<\/dd>/);
    assert.match(page.body, /Serveur<\/dt><dd>arrêté<\/dd>/);
    assert.match(page.body, /<td[^>]*>Archivage<\/td>\s*<td[^>]*><span class="badge err">en échec<\/span><\/td>\s*<td[^>]*>5<\/td>/);
    assert.match(page.body, new RegExp(`action="/backoffice/actions/${archiveActionId}/relancer"`));
    assert.match(page.body, /name="depuis" value="instance"/);
    assert.equal((await operator.get('/backoffice/instances/999999')).statusCode, 404);
    assert.equal((await operator.get('/backoffice/instances/abc')).statusCode, 404);
  });

  it('refuses a "Relancer" without the CSRF token, and changes nothing', async () => {
    await operator.get('/backoffice/instances');
    const before = await jobs('archives.action', 'actionId', archiveActionId);
    const res = await operator.post(`/backoffice/actions/${archiveActionId}/relancer`, { _csrf: null });
    assert.equal(res.statusCode, 403);
    assert.equal((await instances().findAction(archiveActionId))?.state, 'failed');
    assert.equal(await jobs('archives.action', 'actionId', archiveActionId), before);
  });

  it('"Relancer" puts a failed provisioning back in the queue, attempts from zero, instance being created again', async () => {
    await operator.get('/backoffice/instances');
    const before = await jobs('instance.provision', 'orderId', orderId);
    const res = await operator.post(`/backoffice/actions/${provisionActionId}/relancer`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/backoffice/instances?relance=1');
    const action = (await instances().findAction(provisionActionId))!;
    assert.equal(action.state, 'scheduled');
    assert.equal(action.attempts, 0);
    assert.equal(action.last_error, null);
    const instance = (await instances().find(instanceId))!;
    assert.equal(instance.state, 'creating');
    assert.equal(instance.failure_reason, null);
    assert.equal(await jobs('instance.provision', 'orderId', orderId), before + 1);
    const audit = await t.container.services.audit.list({ limit: 5, offset: 0, action: 'action.retried' });
    assert.equal((audit[0]?.details as { actionId?: number }).actionId, provisionActionId);
    const shown = await operator.get(res.headers.location!);
    assert.match(shown.body, /Action relancée\./);
    assert.match(shown.body, /<span class="badge warn">en création<\/span>/);
    assert.doesNotMatch(shown.body, new RegExp(`action="/backoffice/actions/${provisionActionId}/relancer"`));
  });

  it('"Relancer" from the instance page puts a failed action back in the queue and comes back to the page', async () => {
    await operator.get(`/backoffice/instances/${instanceId}`);
    const before = await jobs('archives.action', 'actionId', archiveActionId);
    const res = await operator.post(`/backoffice/actions/${archiveActionId}/relancer`, { depuis: 'instance' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/backoffice/instances/${instanceId}?relance=1`);
    assert.equal((await instances().findAction(archiveActionId))?.state, 'scheduled');
    assert.equal(await jobs('archives.action', 'actionId', archiveActionId), before + 1);
    const shown = await operator.get(res.headers.location!);
    assert.match(shown.body, /Action relancée\./);
    assert.match(shown.body, /<td[^>]*>Archivage<\/td>\s*<td[^>]*><span class="badge warn">planifiée<\/span><\/td>\s*<td[^>]*>0<\/td>/);
  });

  it('refuses to run again an action that has not failed: a notice, and nothing changes', async () => {
    await operator.get('/backoffice/instances');
    const before = await jobs('instance.provision', 'orderId', orderId);
    const res = await operator.post(`/backoffice/actions/${provisionActionId}/relancer`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/backoffice/instances?relance=0');
    assert.match((await operator.get(res.headers.location!)).body, /Cette action ne peut pas être relancée\./);
    assert.equal((await instances().findAction(provisionActionId))?.state, 'scheduled');
    assert.equal(await jobs('instance.provision', 'orderId', orderId), before);
    assert.equal((await operator.post('/backoffice/actions/999999/relancer', {})).statusCode, 404);
  });
});
