import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, signedInCustomer } from '../../../test/support/customers.ts';
import { activeInstances } from '../../../test/support/instances.ts';
import { recordTransfer } from '../../../test/support/paid-order.ts';
import { DAY, type ManualClock } from '../../platform/clock.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { proratedCents } from '../orders/proration.ts';
import { applyPlanChange } from './use-cases/apply-plan-change.ts';

/**
 * "Changer de forfait" for real: an active Opale instance, half-way through its year, moves to
 * Émeraude — the quote for the prorated difference with its computation on the line, the CGV
 * accepted, the change applied at the front door once the transfer is recorded, the period's end
 * unchanged; and every wrong request refused with a French message and nothing stored.
 */
let t: TestApp;
let dataDir: string;

const text = (body: string) => body.replace(/[\u202f\u00a0]/g, ' ');
const db = () => t.container.database.db;
const ordersOf = (instanceId: number) => db().selectFrom('orders').selectAll().where('instance_id', '=', instanceId).execute();

async function signIn(identifier: string): Promise<Agent> {
  const agent = new Agent(t.app);
  agent.host = new URL(t.container.urls.portal()).host;
  await agent.get('/connexion');
  const res = await agent.post('/connexion', { identifier, password: 'velo-rouge-2026!' });
  assert.equal(res.statusCode, 303, res.body);
  return agent;
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-plan-change-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.container.urls.setPublicPort(Number(new URL(address).port));
});

after(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('changing plan during the year', () => {
  it('Opale → Émeraude half-way: a quote for the prorated difference, applied once paid, the period unchanged', async () => {
    await activeInstances(t, 'montee', ['montee-asso']);
    const instance = (await t.container.services.instances.findByName('montee-asso'))!;
    assert.equal(instance.plan_code, 'opale');
    assert.deepEqual([String(instance.period_start), String(instance.period_end)], ['2026-03-01', '2027-02-28']);

    // Six months later (the session lapsed meanwhile): from the instance page, by its link.
    (t.clock as ManualClock).advance(184 * DAY);
    const agent = await signIn('montee');
    const page = await agent.get(`/instances/${instance.id}`);
    assert.match(page.body, new RegExp(`<a href="/instances/${instance.id}/forfait">Changer de forfait</a>`));
    const offer = await agent.get(`/instances/${instance.id}/forfait`);
    assert.equal(offer.statusCode, 200);
    const amount = proratedCents(12999, 4499, 181, 365);
    assert.equal(amount, 4215); // 8 500 × 181 / 365 = 4 215,07
    assert.match(text(offer.body), /Émeraude — 42,15 € à régler \(Changement de forfait Opale → Émeraude du 01\/09\/2026 au 28\/02\/2027 : 85,00 € × 181\/365 jours\)/);
    assert.doesNotMatch(offer.body, /Diamant/, 'a plan on quote is not offered online');
    assert.match(offer.body, /Le passage à un forfait moins cher se fait au renouvellement\./, 'the renewal is built: the downgrade is said to happen then');

    // Bad input: nothing stored, the reason said on the field.
    const noTerms = await agent.post(`/instances/${instance.id}/forfait`, { plan: 'emeraude', cgv_version: '1' });
    assert.equal(noTerms.statusCode, 422);
    assert.match(noTerms.body, /Cochez la case pour accepter les conditions générales de vente\./);
    for (const plan of ['opale', 'diamant', 'inconnu', '']) {
      const res = await agent.post(`/instances/${instance.id}/forfait`, { plan, accept: '1', cgv_version: '1' });
      assert.equal(res.statusCode, 422, plan);
      assert.match(text(res.body), /Choisissez un forfait plus complet \(plus cher\) que le forfait actuel/, plan);
    }
    const oldTerms = await agent.post(`/instances/${instance.id}/forfait`, { plan: 'emeraude', accept: '1', cgv_version: '0' });
    assert.equal(oldTerms.statusCode, 422);
    assert.match(oldTerms.body, /Les CGV ont changé depuis votre acceptation/);
    assert.equal((await ordersOf(instance.id)).length, 0);

    // Someone else's instance: not found, whatever the method.
    const other = await signedInCustomer(t, 'voisine');
    assert.equal((await other.get(`/instances/${instance.id}/forfait`)).statusCode, 404);
    assert.equal((await other.post(`/instances/${instance.id}/forfait`, { plan: 'emeraude', accept: '1', cgv_version: '1' })).statusCode, 404);

    // The order and its quote.
    const ordered = await agent.post(`/instances/${instance.id}/forfait`, { plan: 'emeraude', accept: '1', cgv_version: '1' });
    assert.equal(ordered.statusCode, 303, ordered.body);
    const [order] = await ordersOf(instance.id);
    assert.ok(order);
    assert.equal(ordered.headers.location, `/commandes/${order.id}`);
    assert.deepEqual([order.kind, order.status, order.from_plan_code, order.plan_code, order.terms_version], ['upgrade', 'validated', 'opale', 'emeraude', 1]);
    const orderPage = text((await agent.get(`/commandes/${order.id}`)).body);
    assert.match(orderPage, /<h1>Changement de forfait — montee-asso<\/h1>/);
    assert.match(orderPage, /Opale → Émeraude/);
    assert.match(orderPage, /42,15 €/);
    const quote = (await t.container.services.billing.latestQuoteForOrder(order.id))!;
    assert.equal(quote.gross_cents, 4215);
    const line = (quote.content as BillingDocument).lines[0]!;
    assert.equal(line.label, 'Changement de forfait Opale → Émeraude du 01/09/2026 au 28/02/2027 : 85,00 € × 181/365 jours');
    assert.deepEqual([line.periodStart, line.periodEnd], ['2026-09-01', '2027-02-28']);
    assert.doesNotMatch((quote.content as BillingDocument).note ?? '', /12 mois/);
    const quoteMail = await lastMailTo(t, 'montee@example.org', 'billing.quote');
    assert.match(text(quoteMail.text_body), /pour le passage de http:\/\/montee-asso\.localhost:\d+ au forfait Émeraude/);
    assert.match(quoteMail.subject, /changement de forfait/);

    // A second request while the first awaits payment: refused, with the way to the first.
    const again = await agent.post(`/instances/${instance.id}/forfait`, { plan: 'emeraude', accept: '1', cgv_version: '1' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, new RegExp(`href="/commandes/${order.id}"`));
    assert.match(text(again.body), /Un changement de forfait de cette instance attend déjà son règlement/);
    assert.equal((await ordersOf(instance.id)).length, 1);
    // It is not an order "awaiting an instance" in the instances list.
    const list = (await agent.get('/instances')).body;
    assert.doesNotMatch(list, new RegExp(`/commandes/${order.id}"`));
    assert.ok(!list.split('\n').some((l) => l.trim() === '}'), 'no stray brace of the template under the list');

    // Paid: applied at once, limits included; the period does not move.
    await recordTransfer(t.container, quote.number);
    const after = (await t.container.services.instances.find(instance.id))!;
    assert.equal(after.plan_code, 'emeraude');
    assert.deepEqual([String(after.period_start), String(after.period_end)], ['2026-03-01', '2027-02-28']);
    assert.equal(t.container.services.instances.route('montee-asso')?.limits.maxSessions, null, 'Émeraude: no session limit at the front door');
    assert.equal(t.container.services.instances.route('montee-asso')?.limits.bandwidthMbps, 80);
    const invoice = (await t.container.services.billing.invoiceForQuote(quote.id))!;
    assert.deepEqual((invoice.content as BillingDocument).servicePeriod, { start: '2026-09-01', end: '2027-02-28' });
    const invoiceMail = await lastMailTo(t, 'montee@example.org', 'billing.invoice');
    assert.match(text(invoiceMail.text_body), /passe dès maintenant au forfait Émeraude/);
    assert.doesNotMatch(invoiceMail.text_body, /en cours de création/);
    // Applied once, whatever replays the event.
    await applyPlanChange(t.container.deps, { orderId: order.id, instanceId: instance.id, planCode: 'emeraude' });
    const audits = await db().selectFrom('audit_log').select('details').where('action', '=', 'instance.plan_changed').execute();
    assert.equal(audits.length, 1);
    assert.deepEqual(audits[0]!.details, { orderId: order.id, instanceId: instance.id, from: 'opale', to: 'emeraude' });
    // No provisioning for a plan change.
    const provisions = await db().selectFrom('hosting_actions').select('id').where('instance_id', '=', instance.id).where('kind', '=', 'provision').execute();
    assert.equal(provisions.length, 1);

    const paidPage = text((await agent.get(`/instances/${instance.id}`)).body);
    assert.match(paidPage, /Émeraude/);
    assert.doesNotMatch(paidPage, /Changer de forfait/, 'no dearer plan is sold online');
    assert.match(text((await agent.get(`/commandes/${order.id}`)).body), /Votre instance est passée au nouveau forfait\./);
    (t.clock as ManualClock).advance(-184 * DAY);
  });
});
