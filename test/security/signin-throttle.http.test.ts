import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY, SECOND, type ManualClock } from '../../src/platform/clock.ts';
import { signInDelay, SIGNIN_ALERT_AFTER, SIGNIN_FREE_FAILURES } from '../../src/modules/accounts/accounts.service.ts';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInCustomer, signedInOperator } from '../support/customers.ts';

/**
 * Sign-in throttling per (account, address), with growing delays: a stranger guessing from one
 * address slows only that address; the holder signs in from theirs with the right password, and
 * is told by e-mail of repeated failures.
 */
let t: TestApp;
const clock = () => t.clock as ManualClock;

before(async () => {
  t = await createTestApp();
  await signedInCustomer(t, 'titulaire');
  await signedInOperator(t, 'ops@example.org');
});
after(async () => {
  await t.close();
});

function from(ip: string): Agent {
  const agent = new Agent(t.app);
  agent.ip = ip;
  return agent;
}

async function attempt(agent: Agent, identifier: string, password: string) {
  if (agent.lastCsrf === null) await agent.get('/connexion');
  return agent.post('/connexion', { identifier, password });
}

async function failuresMails(email: string) {
  return t.container.database.db
    .selectFrom('mail_messages')
    .selectAll()
    .where('template', '=', 'accounts.signin_failures')
    .where((eb) => eb(eb.val(email), '=', eb.fn.any('recipients')))
    .execute();
}

describe('sign-in throttling per (account, address)', () => {
  it('10 wrong passwords from one address, then the right one from another: signed in', async () => {
    const stranger = from('198.51.100.66');
    let waited = 0;
    for (let i = 0; i < 10; i++) {
      // Each try as soon as it is allowed: 10 real failures within 8 minutes.
      const delay = signInDelay(i);
      clock().advance(delay);
      waited += delay;
      assert.equal((await attempt(stranger, 'titulaire', `devine-${i}-mot`)).statusCode, 401, `try ${i + 1}`);
    }
    assert.ok(waited < 8 * 60 * SECOND);
    const holder = from('203.0.113.10');
    const res = await attempt(holder, 'titulaire', 'velo-rouge-2026!');
    assert.equal(res.statusCode, 303, 'the holder is not locked out by a stranger');
    assert.equal(res.headers.location, '/espace');
  });

  it('the same for the operator: a stranger cannot lock the back office', async () => {
    const stranger = from('198.51.100.67');
    for (let i = 0; i < 12; i++) await attempt(stranger, 'ops@example.org', `devine-${i}-mot`);
    const operator = from('203.0.113.11');
    const res = await attempt(operator, 'ops@example.org', 'lanterne-magique-77');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/backoffice');
  });

  it('from the guessing address: a few tries free, then delays that double up to 15 minutes', async () => {
    assert.deepEqual([0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20].map(signInDelay), [0, 0, 0, 15_000, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    const stranger = from('198.51.100.68');
    for (let i = 0; i < SIGNIN_FREE_FAILURES; i++) assert.equal((await attempt(stranger, 'titulaire', `x-${i}-mauvais`)).statusCode, 401);
    const waiting = await attempt(stranger, 'titulaire', 'velo-rouge-2026!');
    assert.equal(waiting.statusCode, 429, 'the right password too, from this address, while it waits');
    assert.equal(waiting.headers['retry-after'], '15');
    clock().advance(15 * SECOND);
    assert.equal((await attempt(stranger, 'titulaire', 'encore-faux-1')).statusCode, 401);
    clock().advance(15 * SECOND);
    assert.equal((await attempt(stranger, 'titulaire', 'encore-faux-2')).statusCode, 429, 'the next delay is 30 s');
    clock().advance(15 * SECOND);
    assert.equal((await attempt(stranger, 'titulaire', 'velo-rouge-2026!')).statusCode, 303, 'no lock: the delay passed, the right password works');
  });

  it('an unknown account is slowed the same way (nothing tells it apart)', async () => {
    const stranger = from('198.51.100.69');
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await attempt(stranger, 'personne-inconnue', `x-${i}-mauvais`)).statusCode);
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429]);
  });

  it('the holder is told by e-mail of repeated failures, once a day, at their own address only', async () => {
    await signedInCustomer(t, 'prevenue', { organisation: { email: 'bureau@prevenue.example' } });
    const stranger = from('198.51.100.70');
    for (let i = 0; i < SIGNIN_ALERT_AFTER + 5; i++) {
      clock().advance(20 * 60 * SECOND);
      await attempt(stranger, 'prevenue', `devine-${i}-mot`);
    }
    const mails = await failuresMails('prevenue@example.org');
    assert.equal(mails.length, 1, 'told once');
    assert.deepEqual(mails[0]!.recipients, ['prevenue@example.org'], 'not the organisation’s address');
    assert.match(mails[0]!.text_body, /Nous avons refusé 10 tentatives de connexion à votre compte prevenue/);
    assert.match(mails[0]!.text_body, /la dernière venait de l’adresse 198\.51\.100\.70/);
    assert.match(mails[0]!.text_body, /Votre compte n’est pas bloqué/);
    clock().advance(DAY);
    for (let i = 0; i < SIGNIN_ALERT_AFTER; i++) {
      clock().advance(20 * 60 * SECOND);
      await attempt(stranger, 'prevenue', `encore-${i}-mot`);
    }
    assert.equal((await failuresMails('prevenue@example.org')).length, 2, 'told again the next day');
  });
});
