import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { InstanceClient } from '../../../test/support/instance-client.ts';
import { provisionInstance } from './use-cases/provision-instance.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';

let t: TestApp;
let dataDir: string;
let port: number;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-instances-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A customer's order, paid by transfer; returns the order id (its provisioning job is queued). */
async function paidOrder(alias: string, name: string): Promise<{ agent: Agent; orderId: number }> {
  const agent = await signedInCustomer(t, alias);
  const { orderId, quoteNumber } = await orderAndValidate(t, agent, name);
  const quote = await t.container.services.billing.findDocument({ number: quoteNumber });
  const op = await t.container.services.accounts.createOperator(`op-${alias}@example.org`);
  assert.ok(op.ok);
  const operator = await t.container.services.accounts.findUserByEmail(`op-${alias}@example.org`);
  const paid = await recordPayment(t.container.deps, operator!.id, quoteNumber, { method: 'transfer', amountCents: quote!.gross_cents, receivedOn: t.container.services.billing.today(), reference: quoteNumber, bank: '' });
  assert.ok(paid.ok);
  return { agent, orderId };
}

describe('provisioning on payment', () => {
  it('creates the instance, secures it with the chosen password, serves it through the front door, and says so', async () => {
    const { agent, orderId } = await paidOrder('prov', 'prov-asso');
    const host = `prov-asso.localhost:${port}`;
    // As soon as the payment is settled, before the job runs, the address says what is happening.
    const pending = await new InstanceClient(port, host).request('GET', '/');
    assert.equal(pending.status, 503);
    assert.equal(pending.headers['retry-after'], '30');
    assert.match(pending.body, /en cours de création/);
    await provisionInstance(t.container.deps, orderId);
    await provisionInstance(t.container.deps, orderId); // a replayed job changes nothing
    const instance = await t.container.services.instances.findByName('prov-asso');
    assert.equal(instance?.state, 'active');
    assert.ok(instance?.period_start && instance.period_end);
    assert.equal((await t.container.services.orders.find(orderId))?.admin_password_enc, null, 'the order password is erased');
    const client = new InstanceClient(port, host);
    assert.equal(await client.signIn('admin', 'admin'), false, 'the default password does not work');
    assert.equal(await client.signIn('admin', 'tournesol-geant-42'), true, 'the password chosen at order time works');
    const mail = await lastMailTo(t, 'prov@example.org', 'instances.ready');
    assert.match(mail.text_body, new RegExp(`http://prov-asso\\.localhost:${port}`));
    const list = await agent.get('/instances');
    assert.match(list.body, /prov-asso/);
    assert.match(list.body, /Active/);
    const page = await agent.get(`/instances/${instance!.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Création de l&#39;instance/);
    assert.match(page.body, /terminée/);
    assert.match(page.body, /3 au maximum/);
  });

  it('changes the admin password through an action; the old one stops working', async () => {
    const { agent, orderId } = await paidOrder('pwd', 'pwd-asso');
    await provisionInstance(t.container.deps, orderId);
    const instance = (await t.container.services.instances.findByName('pwd-asso'))!;
    await agent.get(`/instances/${instance.id}`);
    const mismatch = await agent.post(`/instances/${instance.id}/mot-de-passe`, { password: 'moulin-rouge-77', password_confirm: 'moulin-rouge-78' });
    assert.equal(mismatch.statusCode, 422);
    assert.match(mismatch.body, /doivent être identiques/);
    const res = await agent.post(`/instances/${instance.id}/mot-de-passe`, { password: 'moulin-rouge-77', password_confirm: 'moulin-rouge-77' });
    assert.equal(res.statusCode, 303);
    const actions = await agent.get('/instances/actions');
    assert.match(actions.body, /Mot de passe admin/);
    assert.match(actions.body, /planifiée/);
    assert.match(actions.body, /hx-trigger="every 2s"/, 'the list refreshes itself while an action runs');
    const action = (await t.container.services.instances.actionsForInstance(instance.id)).find((a) => a.kind === 'set_password')!;
    await t.container.services.instances.runAction(action.id);
    const done = await t.container.services.instances.findAction(action.id);
    assert.equal(done?.state, 'done');
    assert.equal(done?.payload_enc, null, 'the password is erased once applied');
    const client = new InstanceClient(port, `pwd-asso.localhost:${port}`);
    assert.equal(await client.signIn('admin', 'tournesol-geant-42'), false);
    assert.equal(await client.signIn('admin', 'moulin-rouge-77'), true);
    const table = await agent.get('/instances/actions/tableau', { 'hx-request': 'true' });
    assert.match(table.body, /terminée/);
    assert.doesNotMatch(table.body, /hx-trigger/, 'no more refresh once every action is finished');
  });

  it('restarts an instance whose process died', async () => {
    const { orderId } = await paidOrder('crash', 'crash-asso');
    await provisionInstance(t.container.deps, orderId);
    const ep = t.container.driver.endpoint('crash-asso')!;
    const pid = await new Promise<number>((resolve) => {
      // the pid of whoever listens on the port
      import('node:child_process').then(({ execFile }) => execFile('sh', ['-c', `ss -ltnp 'sport = :${ep.port}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2`], (_e, out) => resolve(Number(String(out).trim()))));
    });
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    let back = false;
    for (let i = 0; i < 60 && !back; i++) {
      await new Promise((r) => setTimeout(r, 200));
      back = await t.container.driver.health('crash-asso');
    }
    assert.ok(back, 'the instance answers again');
  });

  it('applies the plan’s limits: a 4th simultaneous session on Opale is refused, existing ones go on; Émeraude has no limit', async () => {
    const { orderId } = await paidOrder('limite', 'limite-asso');
    await provisionInstance(t.container.deps, orderId);
    const host = `limite-asso.localhost:${port}`;
    const browsers = [1, 2, 3].map((n) => new InstanceClient(port, host, `Navigateur ${n}`));
    for (const b of browsers) assert.equal(await b.signIn('admin', 'tournesol-geant-42'), true);
    const fourth = new InstanceClient(port, host, 'Navigateur 4');
    const refused = await fourth.request('GET', '/login');
    assert.equal(refused.status, 429);
    assert.match(refused.body, /Opale/);
    assert.match(refused.body, /3 connexions simultanées au maximum/);
    for (const b of browsers) assert.equal((await b.request('GET', '/members')).status, 200, 'signed-in sessions are never cut');

    const emeraude = await signedInCustomer(t, 'illimite');
    const { quoteNumber } = await orderAndValidate(t, emeraude, 'illimite-asso', 'emeraude');
    const quote = await t.container.services.billing.findDocument({ number: quoteNumber });
    const operator = (await t.container.services.accounts.findUserByEmail('op-limite@example.org'))!;
    await recordPayment(t.container.deps, operator.id, quoteNumber, { method: 'transfer', amountCents: quote!.gross_cents, receivedOn: t.container.services.billing.today(), reference: quoteNumber, bank: '' });
    await provisionInstance(t.container.deps, quote!.order_id!);
    for (let n = 1; n <= 6; n++) assert.notEqual((await new InstanceClient(port, `illimite-asso.localhost:${port}`, `N${n}`).request('GET', '/login')).status, 429);
  });

  it('serves a 20 MB download through an Opale instance at the plan’s rate (32 Mbps)', async () => {
    const { orderId } = await paidOrder('debit', 'debit-asso');
    await provisionInstance(t.container.deps, orderId);
    const client = new InstanceClient(port, `debit-asso.localhost:${port}`);
    const size = 20_000_000;
    const started = performance.now();
    const res = await client.request('GET', `/blob?size=${size}`);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(res.status, 200);
    assert.equal(res.size, size);
    const expected = (size * 8) / 32_000_000; // 5 s
    // The plan's rate within ±10 %. The bucket keeps an absolute schedule (GCRA), so a late timer on a
    // loaded machine is caught up by the next pieces instead of adding up.
    assert.ok(seconds >= expected * 0.9, `20 MB in ${seconds.toFixed(2)} s, faster than the plan (${expected} s)`);
    assert.ok(seconds <= expected * 1.1, `20 MB in ${seconds.toFixed(2)} s, slower than the plan (${expected} s)`);
  });

  it('watches live instances: probes for the SLA, daily traffic and peak sessions, storage; alerts when one is down', async () => {
    const operator = await signedInOperator(t, 'veille@example.org');
    void operator;
    await t.container.monitor.run();
    const debit = (await t.container.services.instances.findByName('debit-asso'))!;
    const usage = await t.container.monitor.usageSeries(debit.id);
    assert.ok(usage.length === 1 && usage[0]!.bytes_out >= 20_000_000, JSON.stringify(usage));
    assert.deepEqual(await t.container.monitor.availability(debit.id), { percent: 100, probes: 1 });
    const limite = (await t.container.services.instances.findByName('limite-asso'))!;
    assert.equal((await t.container.monitor.usageSeries(limite.id))[0]?.peak_sessions, 3);

    const customer = new Agent(t.app);
    await customer.get('/connexion');
    assert.equal((await customer.post('/connexion', { identifier: 'debit', password: 'velo-rouge-2026!' })).statusCode, 303);
    const page = await customer.get(`/instances/${debit.id}`);
    assert.match(page.body, /Disponibilité \(30 jours\)/);
    assert.match(page.body, /100 % — engagement du forfait : 99,5 %/);
    assert.match(page.body, /<svg[^>]+role="img"/);

    // The instance stops answering: after 3 failed probes it is marked down and the operator hears of it.
    await t.container.driver.stop('debit-asso');
    for (let i = 0; i < 3; i++) await t.container.monitor.run();
    const down = (await t.container.services.instances.findByName('debit-asso'))!;
    assert.ok(down.down_since);
    assert.equal(down.failed_probes, 3);
    assert.equal((await lastMailTo(t, 'veille@example.org', 'instances.down')).template, 'instances.down');
    assert.equal((await t.container.monitor.availability(debit.id)).probes, 4);
    await t.container.driver.start('debit-asso');
    await t.container.monitor.run();
    assert.equal((await t.container.services.instances.findByName('debit-asso'))!.down_since, null);

    // Storage over 80 % of the plan: one warning mail for the period.
    await t.container.services.settings.updatePlan('opale', { name: 'Opale', priceCents: 4499, bandwidthMbps: 32, slaPercent: 99.5, maxSessions: 3, storageBytes: 1 });
    await t.container.monitor.run();
    await t.container.monitor.run();
    const warnings = await t.container.database.db.selectFrom('mail_messages').select('id').where('template', '=', 'instances.storage_warning').where((eb) => eb(eb.val('debit@example.org'), '=', eb.fn.any('recipients'))).execute();
    assert.equal(warnings.length, 1);
    await t.container.services.settings.updatePlan('opale', { name: 'Opale', priceCents: 4499, bandwidthMbps: 32, slaPercent: 99.5, maxSessions: 3, storageBytes: 1024 ** 3 });
  });

  it('brings every live instance back when ecrin starts again', async () => {
    await t.container.driver.stopAll(); // what a stopped ecrin leaves: no instance server running
    assert.equal(await t.container.driver.health('prov-asso'), false);
    await t.container.services.instances.startLive();
    for (const name of ['prov-asso', 'pwd-asso', 'limite-asso']) assert.equal(await t.container.driver.health(name), true, name);
    const client = new InstanceClient(port, `pwd-asso.localhost:${port}`, 'Retour');
    assert.equal(await client.signIn('admin', 'moulin-rouge-77'), true);
  });

  it('passes a WebSocket upgrade through, both ways', async () => {
    const bytes = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/echo', headers: { host: `prov-asso.localhost:${port}`, connection: 'Upgrade', upgrade: 'websocket', 'user-agent': 'ecrin-test' } });
      req.on('upgrade', (res, socket) => {
        assert.equal(res.statusCode, 101);
        socket.write('bonjour');
        socket.once('data', (d: Buffer) => {
          socket.destroy();
          resolve(d.toString());
        });
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(bytes, 'bonjour');
  });

  it('answers a forged Host with a clear page and replaces forged X-Forwarded-* headers', async () => {
    const client = new InstanceClient(port, `inconnue.localhost:${port}`);
    const unknown = await client.request('GET', '/');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /Aucune instance d&#39;hébergement ne porte ce nom/);
    const evil = new InstanceClient(port, 'prov-asso.evil.example');
    assert.equal((await evil.request('GET', '/')).status, 404);
    // Forged X-Forwarded-* are replaced by the front door's own: the instance redirects to its real address.
    const forged = new InstanceClient(port, `prov-asso.localhost:${port}`, 'Faussaire');
    const res = await forged.request('GET', '/', undefined, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, `http://prov-asso.localhost:${port}/login?next=%2F`);
  });
});
