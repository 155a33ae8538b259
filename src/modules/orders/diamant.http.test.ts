import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Agent } from '../../../test/support/agent.ts';
import { lastMailTo, prefilledValidation, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { recordTransfer } from '../../../test/support/paid-order.ts';
import { InstanceClient } from '../../../test/support/instance-client.ts';
import { provisionInstance } from '../instances/use-cases/provision-instance.ts';
import { reissueQuote } from './use-cases/reissue-quote.ts';
import { runLifecycleDay } from '../lifecycle/use-cases/run-lifecycle.ts';
import { addDays } from '../../platform/dates.ts';
import type { ManualClock } from '../../platform/clock.ts';

/**
 * Diamant from end to end, through the portal and the back office: the request with its needs,
 * the operator's custom quote (limits and lines), the payment, the instance made with the custom
 * limits — enforced by the real front door on a real stand-in instance — and the terms kept for
 * its renewal.
 */
let t: TestApp;
let dataDir: string;
let port: number;
let operator: Agent;
const PASSWORD = 'tournesol-geant-42';

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-diamant-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
  operator = await signedInOperator(t, 'diamant-ops@example.org');
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const requestForm = (over: Record<string, string> = {}) => ({
  instance_name: 'grande-asso',
  flavour: 'diacamma.asso',
  needs: 'Quarante bénévoles connectés en même temps le samedi.\nEnviron 20 Go de pièces jointes.',
  password: PASSWORD,
  password_confirm: PASSWORD,
  payment_method: 'transfer',
  ...over,
});

const quoteForm = (over: Record<string, string> = {}) => ({
  max_sessions: '2',
  bandwidth: '50',
  storage: '5',
  sla: '99,9',
  hosting_label: 'Hébergement Diacamma — forfait Diamant — 1 an',
  hosting_price: '900',
  line_label_0: 'Reprise des données existantes',
  line_quantity_0: '1',
  line_price_0: '300',
  line_label_1: 'Séance de formation annuelle',
  line_quantity_1: '2',
  line_price_1: '80',
  line_yearly_1: '1',
  validity: '20',
  note: 'Devis établi selon vos besoins.',
  ...over,
});

/** The customer's Diamant request, sent: its order id. */
async function sendRequest(agent: Agent, name: string): Promise<number> {
  const form = await agent.get('/instances/diamant');
  assert.equal(form.statusCode, 200);
  const draft = await agent.post('/instances/diamant', requestForm({ instance_name: name }));
  assert.equal(draft.statusCode, 303, draft.body);
  const orderPath = String(draft.headers.location);
  const page = await agent.get(orderPath);
  assert.match(page.body, /Envoyer la demande de devis/);
  assert.match(page.body, /Sur devis/);
  assert.match(page.body, /action="\/commandes\/\d+\/demander"/);
  const sent = await agent.post(`${orderPath}/demander`, prefilledValidation(page.body));
  assert.equal(sent.statusCode, 303, sent.body);
  return Number(orderPath.split('/').pop());
}

describe('Diamant: the request', () => {
  it('is offered from "Nouvelle commande d\'hébergement" and refuses empty needs, a bad name and an invalid password with messages', async () => {
    const agent = await signedInCustomer(t, 'diamant-form');
    const form = await agent.get('/instances/nouvelle');
    assert.match(form.body, /href="\/instances\/diamant"/, 'the order form leads to the Diamant request');
    await agent.get('/instances/diamant');
    const empty = await agent.post('/instances/diamant', requestForm({ needs: '   ', instance_name: 'a', password_confirm: 'autre-chose-2026' }));
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Décrivez vos besoins/);
    assert.match(empty.body, /3 à 40 caractères/);
    assert.match(empty.body, /doivent être identiques/);
    const long = await agent.post('/instances/diamant', requestForm({ needs: 'x'.repeat(5001) }));
    assert.equal(long.statusCode, 422);
    assert.match(long.body, /Ce texte est trop long/);
    // the ordinary form still refuses Diamant: it has no price to show
    const direct = await agent.post('/instances/nouvelle', { ...requestForm(), plan: 'diamant' });
    assert.equal(direct.statusCode, 422);
    assert.equal(await t.container.database.db.selectFrom('orders').select('id').where('instance_name', '=', 'grande-asso').executeTakeFirst(), undefined);
  });

  it('goes to the operators with the needs, holds the name, and is acknowledged; the CGV box is required', async () => {
    const agent = await signedInCustomer(t, 'diamant-req');
    await agent.get('/instances/diamant');
    const draft = await agent.post('/instances/diamant', requestForm({ instance_name: 'tenue-asso' }));
    const orderPath = String(draft.headers.location);
    const page = await agent.get(orderPath);
    const noBox = await agent.post(`${orderPath}/demander`, { ...prefilledValidation(page.body), accept: '' });
    assert.equal(noBox.statusCode, 422);
    assert.match(noBox.body, /Cochez la case pour accepter les conditions générales de vente/);
    const sent = await agent.post(`${orderPath}/demander`, prefilledValidation(page.body));
    assert.equal(sent.statusCode, 303);
    const shown = await agent.get(String(sent.headers.location));
    assert.match(shown.body, /Votre demande de devis Diamant est envoyée/);
    assert.match(shown.body, /Demande de devis envoyée — à chiffrer/);
    assert.match((await agent.get('/espace')).body, /1 demande de devis Diamant en cours de chiffrage/);
    const orderId = Number(orderPath.split('/').pop());
    const order = await t.container.services.orders.find(orderId);
    assert.equal(order?.status, 'requested');
    assert.equal(order?.terms_version, 1);
    const opsMail = await lastMailTo(t, 'diamant-ops@example.org', 'orders.diamant.operator');
    assert.match(opsMail.text_body, /Quarante bénévoles connectés/);
    assert.match(opsMail.text_body, new RegExp(`/backoffice/diamant/${orderId}`));
    await lastMailTo(t, 'diamant-req@example.org', 'orders.diamant.ack');
    // the name is held while the operator writes the quote
    const other = await signedInCustomer(t, 'diamant-other');
    await other.get('/instances/nouvelle');
    const taken = await other.post('/instances/nouvelle', { instance_name: 'tenue-asso', plan: 'opale', flavour: 'diacamma.asso', password: PASSWORD, password_confirm: PASSWORD, payment_method: 'transfer' });
    assert.equal(taken.statusCode, 422);
    assert.match(taken.body, /Ce nom est déjà pris/);
    // no quote exists yet, and a request sent twice is refused
    assert.equal(await t.container.services.billing.latestQuoteForOrder(orderId), undefined);
    const again = await agent.post(`${orderPath}/demander`, prefilledValidation(page.body));
    assert.equal(again.statusCode, 409);
  });
});

describe('Diamant: the operator\'s custom quote, the payment and the instance', () => {
  it('lists the request from the operator\'s home, refuses invalid limits and prices, issues the quote, and provisions with the custom limits enforced by the front door', async () => {
    const agent = await signedInCustomer(t, 'diamant-flow');
    const orderId = await sendRequest(agent, 'grande-asso');
    const home = await operator.get('/backoffice');
    assert.match(home.body, /href="\/backoffice\/diamant"/);
    const list = await operator.get('/backoffice/diamant');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`href="/backoffice/diamant/${orderId}"`));
    const page = await operator.get(`/backoffice/diamant/${orderId}`);
    assert.match(page.body, /Quarante bénévoles connectés/);

    const bad = await operator.post(`/backoffice/diamant/${orderId}/devis`, quoteForm({ max_sessions: 'beaucoup', bandwidth: '-5', storage: '0', sla: '120', hosting_price: '-900', line_price_0: '-300', line_quantity_1: '0', validity: '0' }));
    assert.equal(bad.statusCode, 422);
    for (const message of [/nombre entier de connexions simultanées/, /bande passante en Mbps/, /stockage en Go/, /disponibilité garantie/, /prix unitaire hors taxes/, /quantité entière/, /1 à 365 jours/]) assert.match(bad.body, message);
    const empty = await operator.post(`/backoffice/diamant/${orderId}/devis`, quoteForm({ hosting_price: '', line_label_0: '' }));
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Ce champ est obligatoire/);
    assert.equal(await t.container.services.billing.latestQuoteForOrder(orderId), undefined, 'nothing issued on bad input');

    const issued = await operator.post(`/backoffice/diamant/${orderId}/devis`, quoteForm());
    assert.equal(issued.statusCode, 303, issued.body);
    const after = await operator.get(String(issued.headers.location));
    const number = /Le devis (DEV-\d{4}-\d{4}) a été émis/.exec(after.body)?.[1];
    assert.ok(number, 'the operator is told the quote number');
    const quote = await t.container.services.billing.findDocument({ number });
    assert.equal(quote?.order_id, orderId);
    // 900 € of hosting + 300 € once + 2 × 80 € of yearly training
    assert.equal(quote?.gross_cents, 136000);
    const content = quote!.content as { lines: { label: string; detail: string | null; netCents: number }[]; validUntil: string };
    assert.match(content.lines[0]!.detail ?? '', /50 Mbps, 2 connexions simultanées au maximum, 5 Go de stockage, SLA 99,9 %/);
    assert.equal(content.validUntil > t.container.services.billing.today(), true);
    const pdf = await t.container.services.billing.pdf(quote!.id);
    assert.equal(pdf?.subarray(0, 4).toString(), '%PDF');
    const mail = await lastMailTo(t, 'diamant-flow@example.org', 'billing.quote');
    assert.match(mail.subject, new RegExp(number));
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'validated');
    const twice = await operator.post(`/backoffice/diamant/${orderId}/devis`, quoteForm({ hosting_price: '1' }));
    assert.equal(twice.statusCode, 409);
    assert.match(twice.body, /déjà son devis/);

    // the customer sees the quote and how to pay it, as for any order
    const orderPage = await agent.get(`/commandes/${orderId}`);
    assert.match(orderPage.body, new RegExp(number));
    assert.match(orderPage.body, /Régler votre commande/);

    await recordTransfer(t.container, number);
    await provisionInstance(t.container.deps, orderId);
    const instance = await t.container.services.instances.findByName('grande-asso');
    assert.equal(instance?.state, 'active');
    assert.deepEqual(instance?.custom_limits, { maxSessions: 2, bandwidthMbps: 50, storageBytes: 5 * 1024 ** 3, slaPercent: 99.9 });
    assert.deepEqual(t.container.services.instances.route('grande-asso')?.limits, { planName: 'Diamant', maxSessions: 2, bandwidthMbps: 50 });
    assert.equal((await t.container.services.archives.quota(instance!)).totalBytes, 5 * 1024 ** 3, 'the storage quota is the custom one');
    const instancePage = await agent.get(`/instances/${instance!.id}`);
    assert.match(instancePage.body, /50 Mbps/);

    // the renewal reuses the custom terms: the yearly lines, and the limits
    const terms = await t.container.services.orders.renewalTermsOf(instance!.id);
    assert.equal(terms?.yearlyCents, 90000 + 16000);
    assert.deepEqual(terms?.lines.map((l) => l.label), ['Hébergement Diacamma — forfait Diamant — 1 an', 'Séance de formation annuelle']);
    assert.deepEqual(terms?.limits, instance?.custom_limits);

    // the front door holds the custom limit: 2 sessions, not the Diamant plan's "unlimited"
    const host = `grande-asso.localhost:${port}`;
    const person = (n: number) => new InstanceClient(port, host, `Navigateur ${n}`, `127.0.0.${n}`);
    assert.equal(await person(1).signIn('admin', PASSWORD), true);
    assert.equal(await person(2).signIn('admin', PASSWORD), true);
    const third = await person(3).request('GET', '/login');
    assert.equal(third.status, 429, 'a third session is beyond the custom limit');
    // a catalogue change does not drop the custom limits
    await t.container.services.instances.refreshLimits();
    assert.equal(t.container.services.instances.route('grande-asso')?.limits.maxSessions, 2);
  });

  it('a Diamant quote re-issued by the operator keeps its custom terms and price', async () => {
    const agent = await signedInCustomer(t, 'diamant-reedite');
    const orderId = await sendRequest(agent, 'reedite-asso');
    await operator.get(`/backoffice/diamant/${orderId}`);
    assert.equal((await operator.post(`/backoffice/diamant/${orderId}/devis`, quoteForm())).statusCode, 303);
    const first = (await t.container.services.billing.latestQuoteForOrder(orderId))!;
    const opId = (await t.container.services.accounts.findUserByEmail('diamant-ops@example.org'))!.id;
    const again = await reissueQuote(t.container.deps, opId, orderId);
    assert.ok(again.ok, JSON.stringify(again));
    const second = (await t.container.services.billing.findDocument({ number: again.quoteNumber }))!;
    assert.equal(second.gross_cents, first.gross_cents);
    assert.equal(await t.container.services.billing.isCancelled(first.id), true);
    assert.match((second.content as { lines: { detail: string | null }[] }).lines[0]!.detail ?? '', /2 connexions simultanées au maximum/);
  });

  it('an instance on a catalogue plan has no custom terms to renew', async () => {
    assert.equal(await t.container.services.orders.renewalTermsOf(987654), null);
  });

  it('the automatic renewal of a Diamant instance is priced from its custom terms, and paying it keeps the custom limits', async () => {
    const instance = (await t.container.services.instances.findByName('grande-asso'))!;
    const periodEnd = String(instance.period_end);
    const day = addDays(periodEnd, -29); // 30 days before the next period starts
    (t.clock as ManualClock).set(`${day}T07:30:00Z`);
    const summary = await runLifecycleDay(t.container.deps, day);
    assert.equal(summary.renewalsIssued, 1, JSON.stringify(summary));
    const renewal = await t.container.database.db.selectFrom('orders').selectAll().where('kind', '=', 'renewal').where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
    assert.equal(renewal.plan_code, instance.plan_code);
    const quote = (await t.container.services.billing.latestQuoteForOrder(renewal.id))!;
    // the yearly lines only: 900 € of hosting + 2 × 80 € of training; the one-off 300 € is not renewed
    assert.equal(quote.gross_cents, 106000);
    const lines = (quote.content as { lines: { label: string; periodStart: string | null; periodEnd: string | null }[] }).lines;
    assert.deepEqual(lines.map((l) => l.label), ['Hébergement Diacamma — forfait Diamant — 1 an', 'Séance de formation annuelle']);
    assert.deepEqual([lines[0]!.periodStart, lines[0]!.periodEnd], [addDays(periodEnd, 1), renewal.renews_to]);
    await recordTransfer(t.container, quote.number);
    const renewed = (await t.container.services.instances.find(instance.id))!;
    assert.equal(renewed.period_end, renewal.renews_to);
    assert.deepEqual(renewed.custom_limits, instance.custom_limits);
    assert.equal(t.container.services.instances.route('grande-asso')?.limits.maxSessions, 2);
  });
});
