import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInOperator } from '../../../test/support/customers.ts';
import { activeInstances } from '../../../test/support/instances.ts';
import type { ManualClock } from '../../platform/clock.ts';
import { operatorId } from '../../../test/support/paid-order.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { expireLapsedOrders } from '../orders/use-cases/expire-lapsed-orders.ts';
import { recordPayment } from '../payments/use-cases/record-payment.ts';
import { renewalQuoteExtendedMail } from './lifecycle.mails.ts';
import { runLifecycleDay } from './use-cases/run-lifecycle.ts';

/**
 * « Réglages » → « Cycle de l'abonnement »: the hosting year's delays, checked with clear French
 * messages, saved with an audit entry and read by the next sweep; and « Mon espace »'s renewal
 * banner, from the renewal order to the grace period, and after « Annuler la commande automatique ».
 */
let t: TestApp;
let dataDir: string;
let operator: Agent;
let customer: Agent;
const clock = () => t.clock as ManualClock;
const db = () => t.container.database.db;
const text = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ').replace(/&#39;/g, "'");
const DEFAULTS = { renewalLeadDays: 30, reminderDays: [15, 7, 1], graceDays: 15, retentionDays: 30, nameQuarantineDays: 90 };

async function save(fields: Record<string, string>) {
  await operator.get('/backoffice/reglages');
  return operator.post('/backoffice/reglages/cycle', fields);
}

/** The customer signed in again (the clock moved past the session's life), on « Mon espace ». */
async function signedIn(): Promise<Agent> {
  const agent = new Agent(t.app);
  await agent.get('/connexion');
  const res = await agent.post('/connexion', { identifier: 'cyclique', password: 'velo-rouge-2026!' });
  assert.equal(res.statusCode, 303, res.body);
  return agent;
}

async function home(): Promise<string> {
  const res = await (await signedIn()).get('/espace');
  assert.equal(res.statusCode, 200);
  return text(res.body);
}

async function sweep(day: string) {
  clock().set(`${day}T07:30:00Z`);
  return runLifecycleDay(t.container.deps, day);
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-cycle-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.container.urls.setPublicPort(Number(new URL(address).port));
  operator = await signedInOperator(t, 'ops-cycle@example.org');
  // the clock starts on 2026-03-01: the periods end on 2027-02-28
  customer = await activeInstances(t, 'cyclique', ['cyclique-un', 'cyclique-deux']);
});

after(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('« Réglages » → « Cycle de l’abonnement »', () => {
  it('shows every delay of the hosting year, and what follows the retention', async () => {
    const page = await operator.get('/backoffice/reglages');
    assert.equal(page.statusCode, 200);
    const body = text(page.body);
    assert.match(body, /<section class="panel" id="cycle">\s*<h2>Cycle de l’abonnement<\/h2>/);
    assert.match(body, /<form method="post" action="\/backoffice\/reglages\/cycle">/);
    assert.match(body, /name="renewalLeadDays" type="text" value="30"/);
    assert.match(body, /name="reminderDays" type="text" value="15, 7, 1"/);
    assert.match(body, /name="graceDays" type="text" value="15"/);
    assert.match(body, /name="retentionDays" type="text" value="30"/);
    assert.match(body, /<label for="f-nameQuarantineDays">Réservation du nom d’une instance supprimée \(jours\) <span class="req" aria-hidden="true">\*<\/span><\/label>[\s\S]*?name="nameQuarantineDays" type="text" value="90"/);
    assert.match(body, /reste téléchargeable 90 jours .*son nom ne peut être repris qu’après 90 jours \(réglage « Réservation du nom d’une instance supprimée »\)/);
    assert.equal((await customer.get('/backoffice/reglages')).statusCode, 403);
    await operator.get('/backoffice/reglages');
    assert.equal((await customer.post('/backoffice/reglages/cycle', { renewalLeadDays: '40', reminderDays: '', graceDays: '1', retentionDays: '1', nameQuarantineDays: '90' })).statusCode, 403);
    assert.deepEqual(await t.container.services.settings.lifecycle(), DEFAULTS);
  });

  it('refuses bad delays with a French message on each field, keeps what was typed, and changes nothing', async () => {
    const cases: [Record<string, string>, Record<string, RegExp>][] = [
      [
        { renewalLeadDays: '0', reminderDays: '15, 7, 1', graceDays: '91', retentionDays: 'trente', nameQuarantineDays: '366' },
        {
          renewalLeadDays: /Délai invalide : un nombre entier de jours, de 1 à 120\./,
          graceDays: /Délai de grâce invalide : un nombre entier de jours, de 0 à 90\./,
          retentionDays: /Durée de conservation invalide : un nombre entier de jours, de 1 à 365\./,
          nameQuarantineDays: /Délai de réservation invalide : un nombre entier de jours, de 0 à 365\./,
        },
      ],
      [{ renewalLeadDays: '30', reminderDays: '15, 7, 15', graceDays: '15', retentionDays: '30', nameQuarantineDays: '90' }, { reminderDays: /Le rappel à 15 jours figure deux fois/ }],
      [{ renewalLeadDays: '30', reminderDays: '40, 7', graceDays: '15', retentionDays: '30', nameQuarantineDays: '90' }, { reminderDays: /Le rappel à 40 jours viendrait avant la commande de renouvellement \(30 jours avant l’échéance\) : chaque rappel doit être de 1 à 29 jours\./ }],
      [{ renewalLeadDays: '30', reminderDays: '30', graceDays: '15', retentionDays: '30', nameQuarantineDays: '90' }, { reminderDays: /Le rappel à 30 jours viendrait avant la commande/ }],
      [{ renewalLeadDays: '30', reminderDays: '0, 7', graceDays: '15', retentionDays: '30', nameQuarantineDays: '90' }, { reminderDays: /Un rappel part au plus tard 1 jour avant l’échéance : « 0 » n’est pas possible\./ }],
      [{ renewalLeadDays: '30', reminderDays: '15, sept, 1', graceDays: '15', retentionDays: '30', nameQuarantineDays: '90' }, { reminderDays: /Rappels invalides : des nombres entiers de jours séparés par des virgules, par exemple « 15, 7, 1 » \(6 au plus\)\./ }],
      [{ renewalLeadDays: '30', reminderDays: '20, 15, 10, 7, 3, 2, 1', graceDays: '15', retentionDays: '30', nameQuarantineDays: '90' }, { reminderDays: /Rappels invalides/ }],
      [{ renewalLeadDays: '', reminderDays: '15', graceDays: '-1', retentionDays: '2,5', nameQuarantineDays: '' }, { renewalLeadDays: /Délai invalide/, graceDays: /Délai de grâce invalide/, retentionDays: /Durée de conservation invalide/, nameQuarantineDays: /Délai de réservation invalide/ }],
    ];
    for (const [fields, expected] of cases) {
      const res = await save(fields);
      assert.equal(res.statusCode, 422, JSON.stringify(fields));
      const body = text(res.body);
      assert.match(body, /Le formulaire contient des erreurs/);
      for (const [field, message] of Object.entries(expected)) assert.match(body, new RegExp(`<p class="error" id="f-${field}-error">${message.source}`), `${field} for ${JSON.stringify(fields)}`);
      // what was typed stays in the form
      assert.ok(body.includes(`name="reminderDays" type="text" value="${fields.reminderDays}"`), JSON.stringify(fields));
      assert.doesNotMatch(body, /at Object\.|Error:/);
    }
    assert.deepEqual(await t.container.services.settings.lifecycle(), DEFAULTS);
  });

  it('saves valid delays with an audit entry; the same values again save nothing', async () => {
    const res = await save({ renewalLeadDays: ' 40 ', reminderDays: '1 20;7', graceDays: '0', retentionDays: '20', nameQuarantineDays: '0' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/backoffice/reglages?enregistre=cycle#cycle');
    assert.deepEqual(await t.container.services.settings.lifecycle(), { renewalLeadDays: 40, reminderDays: [20, 7, 1], graceDays: 0, retentionDays: 20, nameQuarantineDays: 0 });
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'settings.updated').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual(audit.details, { section: 'cycle', changed: ['renewalLeadDays', 'reminderDays', 'graceDays', 'retentionDays', 'nameQuarantineDays'] });
    const shown = text((await operator.get(res.headers.location!)).body);
    assert.match(shown, /<section class="panel" id="cycle">\s*<h2>Cycle de l’abonnement<\/h2>\s*<div class="notice success" role="status">Réglages enregistrés\.<\/div>/);
    assert.match(shown, /name="reminderDays" type="text" value="20, 7, 1"/);
    assert.match(shown, /son nom ne peut être repris qu’après 0 jours/);
    const same = await save({ renewalLeadDays: '40', reminderDays: '20, 7, 1', graceDays: '0', retentionDays: '20', nameQuarantineDays: '0' });
    assert.equal(same.headers.location, '/backoffice/reglages?inchange=cycle#cycle');
    // no reminder at all is a choice too
    const none = await save({ renewalLeadDays: '40', reminderDays: '', graceDays: '0', retentionDays: '20', nameQuarantineDays: '0' });
    assert.equal(none.statusCode, 303);
    assert.deepEqual((await t.container.services.settings.lifecycle()).reminderDays, []);
    await t.container.services.settings.updateLifecycle(DEFAULTS);
  });
});

describe('the delays drive the next sweep, and « Mon espace » shows the renewal waiting', () => {
  it('issues the renewal at the new lead, reminds on the new days, and the banner follows the year', async () => {
    const one = (await t.container.services.instances.findByName('cyclique-un'))!;
    const two = (await t.container.services.instances.findByName('cyclique-deux'))!;
    assert.equal(one.period_end, '2027-02-28');
    assert.equal((await save({ renewalLeadDays: '45', reminderDays: '20, 3', graceDays: '5', retentionDays: '10', nameQuarantineDays: '90' })).statusCode, 303);

    // nothing yet: no banner on « Mon espace »
    assert.equal((await sweep('2027-01-14')).renewalsIssued, 0, '46 days before the start of the next period');
    assert.doesNotMatch(await home(), /Renouvellement de vos instances/);

    assert.equal((await sweep('2027-01-15')).renewalsIssued, 2, '45 days before: the new lead');
    const page = await home();
    const order = (await db().selectFrom('orders').selectAll().where('kind', '=', 'renewal').where('instance_id', '=', one.id).executeTakeFirstOrThrow());
    const quote = (await t.container.services.billing.latestQuoteForOrder(order.id))!;
    assert.match(page, /<section class="renewal-banner" aria-labelledby="renewal-banner-title">\s*<h2 id="renewal-banner-title">Renouvellement de vos instances<\/h2>\s*<div role="status">/);
    assert.ok(page.includes(`cyclique-un : l’abonnement se termine le 28/02/2027. La commande automatique de renouvellement vous attend : devis ${quote.number}, 44,99 € à régler, pour la période du 01/03/2027 au 29/02/2028 (forfait Opale).`), page);
    assert.ok(page.includes(`<a class="button small" href="/commandes/${order.id}">Régler le renouvellement de cyclique-un</a>`));
    assert.ok(page.includes(`<a href="/instances/${one.id}#renouvellement">Annuler la commande automatique de cyclique-un ou choisir un autre forfait</a>`));
    assert.match(page, /cyclique-deux : l’abonnement se termine le 28\/02\/2027/);

    // the reminders of the settings: 20 days before, then 3 days before, each once
    assert.equal((await sweep('2027-02-08')).reminders, 0);
    assert.equal((await sweep('2027-02-09')).reminders, 2, '20 days before the start');
    assert.equal((await sweep('2027-02-10')).reminders, 0);
    assert.equal((await sweep('2027-02-25')).reminders, 0, 'no reminder 4 days before any more');
    assert.equal((await sweep('2027-02-26')).reminders, 2, '3 days before');

    // « Annuler la commande automatique » on the second: its line says the end and the data kept
    const agent = await signedIn();
    await agent.get(`/instances/${two.id}`);
    // without JavaScript the question comes on a page of its own; nothing is cancelled yet
    const asked = await agent.post(`/instances/${two.id}/renouvellement/annuler`, {});
    assert.equal(asked.statusCode, 200);
    const question = text(asked.body);
    assert.ok(question.includes('Annuler la commande automatique de renouvellement de cyclique-deux ? L’instance s’arrêtera à l’échéance du 28/02/2027 ; ses données seront conservées 10 jours.'), question);
    assert.match(question, /<form method="post" action="\/instances\/\d+\/renouvellement\/annuler">[\s\S]*name="confirme" value="1"[\s\S]*<button type="submit" class="danger">Annuler la commande automatique<\/button>/);
    assert.equal((await db().selectFrom('orders').select('status').where('kind', '=', 'renewal').where('instance_id', '=', two.id).executeTakeFirstOrThrow()).status, 'validated');
    const declined = await agent.post(`/instances/${two.id}/renouvellement/annuler`, { confirme: '1' });
    assert.equal(declined.statusCode, 303);
    assert.equal((await db().selectFrom('orders').select('status').where('kind', '=', 'renewal').where('instance_id', '=', two.id).executeTakeFirstOrThrow()).status, 'cancelled');
    // the first lapses unpaid: the grace of the settings (5 days), then the suspension
    assert.equal((await sweep('2027-03-01')).grace, 1);
    const grace = await home();
    assert.ok(grace.includes(`cyclique-un : l’abonnement est échu depuis le 28/02/2027. Le devis ${quote.number} (44,99 €) n’est pas réglé : l’instance sera suspendue le 06/03/2027.`), grace);
    assert.match(grace, /cyclique-deux : vous avez annulé la commande automatique, l’abonnement prend fin le 28\/02\/2027\. Les données seront conservées jusqu’au 10\/03\/2027/);
    assert.equal((await sweep('2027-03-05')).suspended, 0);
    assert.equal((await sweep('2027-03-06')).suspended, 1, 'suspended after the 5 days of grace');
    assert.match(await home(), /cyclique-un est suspendue depuis le 06\/03\/2027 : le devis DEV-\d{4}-\d{4,} \(44,99 €\) n’est pas réglé\. Un règlement la rétablit aussitôt ; ses données sont conservées jusqu’au 15\/03\/2027\./);
    await t.container.services.settings.updateLifecycle(DEFAULTS);
  });
});

describe('lengthening the delays after a renewal quote was issued', () => {
  it('replaces the unpaid quote by one payable until the data goes, once per lengthening, carrying what was paid; paying it serves the instance at once', async () => {
    const one = (await t.container.services.instances.findByName('cyclique-un'))!;
    assert.equal(one.state, 'suspended', 'suspended by the test before, 5 days of grace and 10 of retention');
    const order = await db().selectFrom('orders').selectAll().where('kind', '=', 'renewal').where('instance_id', '=', one.id).executeTakeFirstOrThrow();
    const status = async () => (await db().selectFrom('orders').select('status').where('id', '=', order.id).executeTakeFirstOrThrow()).status;
    const latest = async () => (await t.container.services.billing.latestQuoteForOrder(order.id))!;
    const requotedMails = () => db().selectFrom('mail_messages').selectAll().where('template', '=', 'lifecycle.renewal_requoted').orderBy('id').execute();
    const opId = await operatorId(t.container);
    const record = (number: string, amountCents: number, receivedOn: string) => recordPayment(t.container.deps, opId, number, { method: 'transfer', amountCents, receivedOn, reference: number, bank: '', confirmed: true });
    const old = await latest();
    assert.equal(String(old.valid_until), '2027-03-15', 'payable until the data was to go');
    // The quote lapses unpaid: the order expires, and the quote can no longer be paid.
    clock().set('2027-03-16T00:10:00Z');
    await expireLapsedOrders(t.container.deps);
    assert.equal(await status(), 'expired');
    assert.deepEqual(await record(old.number, old.gross_cents, '2027-03-16'), { ok: false, error: 'quote_expired' });

    // The operator gives 40 days of retention instead of 10: the data is now kept until 14/04/2027.
    operator = await signedInOperator(t, 'ops-cycle-mars@example.org');
    assert.equal((await save({ renewalLeadDays: '30', reminderDays: '15, 7, 1', graceDays: '5', retentionDays: '40', nameQuarantineDays: '90' })).statusCode, 303);
    const day = await sweep('2027-03-16');
    assert.equal(day.requoted, 1, JSON.stringify(day));
    assert.equal(day.retentionOver, 0, 'the retention now runs until 14/04/2027');
    assert.equal((await sweep('2027-03-16')).requoted, 0, 'once: the same day again replaces nothing');
    assert.equal((await sweep('2027-03-17')).requoted, 0, 'nor the next day');
    const fresh = await latest();
    assert.notEqual(fresh.number, old.number);
    assert.equal(String(fresh.valid_until), '2027-04-14');
    assert.equal(fresh.gross_cents, old.gross_cents);
    assert.deepEqual((fresh.content as BillingDocument).lines, (old.content as BillingDocument).lines, 'the same lines, the same period');
    assert.equal(await t.container.services.billing.stateOf(old), 'cancelled');
    assert.equal(await status(), 'validated', 'awaiting payment again');
    const audit = await db().selectFrom('audit_log').select('details').where('action', '=', 'quote.reissued').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual(audit.details, { orderId: order.id, quote: fresh.number, previous: old.number, reason: 'lifecycle_delays_lengthened', validUntil: '2027-04-14' });
    // One e-mail, with the new quote's PDF: the new number, the amount, the new dates.
    const first = await requotedMails();
    assert.equal(first.length, 1);
    const body = text(first[0]!.text_body);
    assert.ok(body.includes(`Le devis de renouvellement ${old.number} est donc remplacé par le devis ${fresh.number} (ci-joint), aux mêmes lignes et au même montant`), body);
    assert.match(body, /les données de http:\/\/cyclique-un\.localhost:\d+, suspendue, sont désormais conservées jusqu'au 14\/04\/2027, et un règlement la rétablit aussitôt\./);
    assert.match(body, /Pour régler 44,99 €/);
    assert.doesNotMatch(body, /déjà reçus/);
    assert.deepEqual(first[0]!.attachments, [{ kind: 'document_pdf', documentId: fresh.id, filename: `${fresh.number}.pdf` }]);
    assert.ok((await home()).includes(`le devis ${fresh.number} (44,99 €) n’est pas réglé`));

    // 10 € arrive on the new quote; the retention is lengthened once more (50 days): the money follows.
    clock().set('2027-03-18T09:00:00Z');
    const part = await record(fresh.number, 1000, '2027-03-18');
    assert.ok(part.ok && part.outcome.state !== 'paid', JSON.stringify(part));
    operator = await signedInOperator(t, 'ops-cycle-mars-bis@example.org');
    assert.equal((await save({ renewalLeadDays: '30', reminderDays: '15, 7, 1', graceDays: '5', retentionDays: '50', nameQuarantineDays: '90' })).statusCode, 303);
    assert.equal((await sweep('2027-03-19')).requoted, 1);
    const third = await latest();
    assert.equal(String(third.valid_until), '2027-04-24');
    assert.equal(await t.container.services.payments.paidCents(third.id), 1000, 'the 10 € received are carried to the new quote');
    assert.equal(await t.container.services.payments.paidCents(fresh.id), 0);
    const second = (await requotedMails())[1]!;
    assert.match(text(second.text_body), /Les 10,00 € déjà reçus sont reportés sur le nouveau devis\./);
    assert.match(text(second.text_body), /Pour régler 34,99 €/);

    // The rest paid on the last quote: served at once, the period from the old end.
    clock().set('2027-03-20T09:00:00Z');
    const rest = await record(third.number, 3499, '2027-03-20');
    assert.ok(rest.ok && rest.outcome.state === 'paid', JSON.stringify(rest));
    const served = (await t.container.services.instances.find(one.id))!;
    assert.deepEqual([served.state, served.period_start, served.period_end], ['active', '2027-03-01', '2028-02-29']);
    assert.equal((await sweep('2027-03-21')).requoted, 0, 'a paid renewal is never requoted');
    await t.container.services.settings.updateLifecycle(DEFAULTS);
  });
});

describe('the replacement quote\'s e-mail', () => {
  it('says when service stops for an instance not yet suspended, and that a payment restores one that is', () => {
    const facts = { site: 'SLETO', name: 'Marie', instanceUrl: 'https://asso.example.org', quoteNumber: 'DEV-2027-0042', previousNumber: 'DEV-2027-0017', dueCents: 4499, paidCents: 0, payUrl: 'https://p/commandes/1', instancePageUrl: 'https://p/instances/1', periodEnd: '2027-02-28', renewsFrom: '2027-03-01', renewsTo: '2028-02-29', planName: 'Opale', suspendOn: '2027-03-21', dataUntil: '2027-04-19', iban: 'FR76', bic: 'AGRIFRPP', accountHolder: 'SLETO', paypal: true };
    const served = text(renewalQuoteExtendedMail({ ...facts, suspended: false }).text);
    assert.match(served, /sans règlement, https:\/\/asso\.example\.org ne sera suspendue que le 21\/03\/2027 et ses données seront conservées jusqu'au 19\/04\/2027\./);
    assert.match(served, /par PayPal \(le plus rapide\)/);
    const suspended = text(renewalQuoteExtendedMail({ ...facts, suspended: true }).text);
    assert.doesNotMatch(suspended, /ne sera suspendue que/);
    assert.match(suspended, /suspendue, sont désormais conservées jusqu'au 19\/04\/2027, et un règlement la rétablit aussitôt/);
  });
});
