import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { orderAndValidate, signedInCustomer } from '../../test/support/customers.ts';
import { recordTransfer } from '../../test/support/paid-order.ts';
import { InstanceClient } from '../../test/support/instance-client.ts';
import { provisionInstance } from '../modules/instances/use-cases/provision-instance.ts';

/**
 * Plan limits nobody can game, through the real front door to real stand-in instances: sessions
 * are the ones the instance issued. Several people are played from several loopback addresses.
 */
let t: TestApp;
let dataDir: string;
let port: number;
const PASSWORD = 'tournesol-geant-42';

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-sessions-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function instance(alias: string, name: string, plan = 'opale'): Promise<string> {
  const agent = await signedInCustomer(t, alias);
  const { orderId, quoteNumber } = await orderAndValidate(t, agent, name, plan);
  await recordTransfer(t.container, quoteNumber);
  await provisionInstance(t.container.deps, orderId);
  return `${name}.localhost:${port}`;
}

const person = (host: string, n: number) => new InstanceClient(port, host, `Navigateur ${n}`, `127.0.0.${n}`);

describe('simultaneous sessions on Opale (3 at most)', () => {
  it('3 made-up sessionid cookies from one address hold one place: the owner and another person still get in', async () => {
    const host = await instance('faux', 'faux-cookies');
    const attacker = person(host, 9);
    for (const fake of ['inventee1', 'inventee2', 'inventee3']) {
      attacker.cookies.set('sessionid', fake.padEnd(32, '0'));
      assert.notEqual((await attacker.request('GET', '/login')).status, 429);
    }
    const owner = person(host, 1);
    assert.equal(await owner.signIn('admin', PASSWORD), true, 'the owner gets in');
    assert.equal(await person(host, 2).signIn('admin', PASSWORD), true, 'so does a colleague: the invented cookies took one place');
    const fourth = await person(host, 3).request('GET', '/login');
    assert.equal(fourth.status, 429, 'the plan’s limit itself holds');
    assert.equal((await owner.request('GET', '/members')).status, 200);
  });

  it('a sign-out at the limit frees its place at once; signing out and in again at the limit is let in', async () => {
    const host = await instance('sortie', 'sortie-asso');
    const [a, b, c] = [1, 2, 3].map((n) => person(host, n));
    for (const p of [a!, b!, c!]) assert.equal(await p.signIn('admin', PASSWORD), true);
    assert.equal((await person(host, 4).request('GET', '/login')).status, 429, 'full');
    // c signs out and straight back in: its place is its own.
    assert.equal((await c!.request('GET', '/logout')).status, 302);
    assert.equal(c!.cookies.has('sessionid'), false);
    assert.equal(await c!.signIn('admin', PASSWORD), true, 'signed in again at the limit');
    // b signs out: a newcomer takes the place at once (not 10 minutes later).
    assert.equal((await b!.request('GET', '/logout')).status, 302);
    assert.equal(await person(host, 4).signIn('admin', PASSWORD), true, 'the freed place is taken at once');
    assert.equal((await b!.request('GET', '/login')).status, 429, 'and the plan is full again');
    for (const p of [a!, c!]) assert.equal((await p.request('GET', '/members')).status, 200, 'signed-in sessions are never cut');
    assert.equal(t.container.frontDoor.sessions.current('sortie-asso', Date.now()), 3);
  });
});

describe('the front door’s memory', () => {
  it('15,000 requests with made-up cookies (2 kB each) grow it by less than 10 MB', async (ctx) => {
    const host = await instance('memoire', 'memoire-asso', 'emeraude');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const send = (i: number) =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/health', agent, headers: { host, cookie: `sessionid=${i.toString(36).padStart(2000, 'f')}; csrftoken=x` } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    for (let i = 0; i < 500; i++) await send(i); // warm up: pools, caches, JIT
    gc();
    const before = process.memoryUsage().heapUsed;
    const n = 15_000;
    let next = 1000;
    const worker = async () => {
      while (next < 1000 + n) assert.equal(await send(next++), 200);
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    agent.destroy();
    ctx.diagnostic(`heap grew by ${(grown / 1048576).toFixed(2)} MiB over ${n} requests; sessions kept: ${JSON.stringify(t.container.frontDoor.sessions.size())}`);
    assert.ok(grown < 10 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
    assert.equal(t.container.frontDoor.sessions.current('memoire-asso', Date.now()), 1, 'one anonymous place, not 15,000 sessions');
  });
});
