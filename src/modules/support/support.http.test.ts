import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { ManualClock, SECOND } from '../../platform/clock.ts';
import { MIN_FILL_MS, SUPPORT_LIMITS } from './support.service.ts';

let t: TestApp;
let operator: Agent;
const clock = new ManualClock('2026-10-05T08:00:00Z');
before(async () => {
  t = await createTestApp({ clock });
  // The operator exists: requests are e-mailed to them.
  operator = await signedInOperator(t);
});
after(async () => {
  await t.close();
});

function visitor(): Agent {
  const a = new Agent(t.app);
  a.host = new URL(t.container.urls.portal()).host;
  return a;
}

function stampOf(body: string): string {
  const m = /name="stamp" value="([^"]+)"/.exec(body);
  assert.ok(m, 'the form carries its stamp');
  return m[1]!;
}

const FILLED = {
  subject: 'support',
  organisation: 'Club de tennis de Domène',
  contact: 'Paul Durand',
  email: 'paul@example.org',
  phone: '06 12 34 56 78',
  instance_name: '',
  difficulties: 'Le rapprochement bancaire.\nLes cotisations.',
  expectations: 'Être autonome pour la saisie.',
  format: 'on_site',
  availability: 'Les samedis matin',
  site_web: '',
};

/** Opens the form, waits as a person would, sends it. */
async function send(agent: Agent, fields: Record<string, string>, waitMs = MIN_FILL_MS + SECOND) {
  const form = await agent.get('/demande-information');
  assert.equal(form.statusCode, 200);
  clock.advance(waitMs);
  return agent.post('/demande-information', { stamp: stampOf(form.body), ...fields });
}

async function requestsFrom(email: string) {
  return t.container.database.db.selectFrom('support_requests').selectAll().where('email', '=', email).execute();
}

describe('"Demande information"', () => {
  it('is reached from the home page and the FAQ, and a visitor without an account sends one: recorded, the operator e-mailed, the requester acknowledged', async () => {
    const a = visitor();
    assert.match((await a.get('/')).body, /href="\/demande-information"/);
    assert.match((await a.get('/faq')).body, /href="\/demande-information"/);
    const res = await send(a, FILLED);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Demande envoyée/);
    const [row] = await requestsFrom('paul@example.org');
    assert.ok(row);
    assert.equal(row.user_id, null);
    assert.equal(row.organisation, 'Club de tennis de Domène');
    assert.equal(row.difficulties, 'Le rapprochement bancaire.\nLes cotisations.');
    assert.equal(row.format, 'on_site');
    const ack = await lastMailTo(t, 'paul@example.org', 'support.request.ack');
    assert.match(ack.subject, new RegExp(`demande information n° ${row.id} est bien reçue`));
    assert.match(ack.text_body, /Le rapprochement bancaire/);
    const operatorMail = await t.container.database.db.selectFrom('mail_messages').selectAll().where('template', '=', 'support.request.operator').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.match(operatorMail.subject, /Club de tennis de Domène/);
    assert.match(operatorMail.text_body, new RegExp(`/backoffice/demandes/${row.id}`));
    assert.match(operatorMail.text_body, /Format souhaité : Sur site/);
  });

  it('a signed-in customer finds it on their home, prefilled, and the request is linked to the account', async () => {
    const customer = await signedInCustomer(t, 'demandeur');
    const home = await customer.get('/espace');
    assert.match(home.body, /href="\/demande-information"/);
    const form = await customer.get('/demande-information');
    assert.match(form.body, /value="demandeur@example.org"/);
    const res = await send(customer, { ...FILLED, email: 'demandeur@example.org' });
    assert.equal(res.statusCode, 200, res.body);
    const [row] = await requestsFrom('demandeur@example.org');
    const user = await t.container.services.accounts.findUserByEmail('demandeur@example.org');
    assert.equal(row?.user_id, user!.id);
  });

  it('refuses empty and oversized fields with French messages, keeping what was typed and recording nothing', async () => {
    const a = visitor();
    const empty = await send(a, { ...FILLED, email: 'vide@example.org', organisation: '', difficulties: '', format: '' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Ce champ est obligatoire/);
    assert.match(empty.body, /Choisissez une réponse de la liste/);
    assert.match(empty.body, /Les samedis matin/, 'what was typed is kept');
    const long = await send(a, { ...FILLED, email: 'long@example.org', difficulties: 'x'.repeat(SUPPORT_LIMITS.difficulties + 1) });
    assert.equal(long.statusCode, 422);
    assert.match(long.body, /Ce texte est trop long/);
    const huge = await send(a, { ...FILLED, email: 'long@example.org', organisation: 'y'.repeat(50_000) });
    assert.equal(huge.statusCode, 422);
    const bad = await send(a, { ...FILLED, email: 'pas-une-adresse', phone: 'abc' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Cette adresse courriel n&#39;est pas valide|Cette adresse courriel n'est pas valide/);
    assert.match(bad.body, /numéro de téléphone n/);
    const subject = await send(a, { ...FILLED, email: 'sujet@example.org', subject: 'spam' });
    assert.equal(subject.statusCode, 422);
    assert.equal((await requestsFrom('vide@example.org')).length + (await requestsFrom('long@example.org')).length + (await requestsFrom('sujet@example.org')).length, 0);
  });

  it('a customer can name only an instance of their own', async () => {
    const customer = await signedInCustomer(t, 'demandeur-instance');
    const res = await send(customer, { ...FILLED, email: 'demandeur-instance@example.org', instance_name: 'pas-la-mienne' });
    assert.equal(res.statusCode, 422);
    assert.equal((await requestsFrom('demandeur-instance@example.org')).length, 0);
  });

  it('spam: a filled honeypot is thanked and nothing is kept; a form sent too fast, a stale or a forged stamp is refused', async () => {
    const a = visitor();
    const mailsBefore = await t.container.database.db.selectFrom('mail_messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const pot = await send(a, { ...FILLED, email: 'robot@example.org', site_web: 'https://spam.example' });
    assert.equal(pot.statusCode, 200);
    assert.match(pot.body, /Demande envoyée/);
    assert.equal((await requestsFrom('robot@example.org')).length, 0);
    const fast = await send(a, { ...FILLED, email: 'rapide@example.org' }, MIN_FILL_MS - SECOND);
    assert.equal(fast.statusCode, 422);
    assert.match(fast.body, /envoyé trop vite/);
    assert.match(fast.body, /name="stamp" value="[^"]+"/, 'the form comes back with a new stamp');
    const stale = await send(a, { ...FILLED, email: 'rapide@example.org' }, 25 * 3600 * SECOND);
    assert.equal(stale.statusCode, 422);
    assert.match(stale.body, /affiché il y a trop longtemps/);
    const form = await a.get('/demande-information');
    clock.advance(MIN_FILL_MS + SECOND);
    const forged = await a.post('/demande-information', { ...FILLED, email: 'rapide@example.org', stamp: `${clock.now().getTime() - 60_000}.${stampOf(form.body).split('.')[1]}` });
    assert.equal(forged.statusCode, 422);
    const none = await a.post('/demande-information', { ...FILLED, email: 'rapide@example.org' });
    assert.equal(none.statusCode, 422);
    assert.equal((await requestsFrom('rapide@example.org')).length, 0);
    const mailsAfter = await t.container.database.db.selectFrom('mail_messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(mailsAfter.n, mailsBefore.n, 'no e-mail for refused or dropped requests');
  });

  it('one address sends at most 5 a hour (then the French rate-limit page)', async () => {
    const a = visitor();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(a, { ...FILLED, email: `lot${i}@example.org` })).statusCode);
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.equal(statuses[5], 429);
    assert.equal((await requestsFrom('lot5@example.org')).length, 0);
  });

  it('the operator lists the requests in the back office and opens one; a customer cannot', async () => {
    const dashboard = await operator.get('/backoffice');
    assert.match(dashboard.body, /href="\/backoffice\/demandes"/);
    const list = await operator.get('/backoffice/demandes');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Club de tennis de Domène/);
    const [row] = await requestsFrom('paul@example.org');
    const one = await operator.get(`/backoffice/demandes/${row!.id}`);
    assert.equal(one.statusCode, 200);
    assert.match(one.body, /Le rapprochement bancaire\.<br>Les cotisations\./);
    assert.equal((await operator.get('/backoffice/demandes/999999')).statusCode, 404);
    const customer = await signedInCustomer(t, 'curieux');
    assert.equal((await customer.get('/backoffice/demandes')).statusCode, 403);
  });
});
