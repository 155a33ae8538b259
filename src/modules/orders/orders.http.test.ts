import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { cgvVersionShown, lastMailTo, orderAndValidate, signedInCustomer, VALIDATION_FORM } from '../../../test/support/customers.ts';
import { DAY, type ManualClock } from '../../platform/clock.ts';
import { issueOrderQuote } from './use-cases/validate-order.ts';
import { expireLapsedOrders } from './use-cases/expire-lapsed-orders.ts';
import { decryptSecret, deriveKey } from '../../platform/secrets.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

const draftForm = (over: Record<string, string> = {}) => ({
  instance_name: 'bidule',
  plan: 'opale',
  flavour: 'diacamma.asso',
  password: 'tournesol-geant-42',
  password_confirm: 'tournesol-geant-42',
  payment_method: 'transfer',
  ...over,
});

describe('"Vos instances d\'hébergement"', () => {
  it('starts empty and explains what to do', async () => {
    const agent = await signedInCustomer(t, 'vide');
    const page = await agent.get('/instances');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Vous n&#39;avez encore aucune instance/);
    assert.match(page.body, /Nouvelle commande d&#39;hébergement/);
  });

  it('asks visitors to sign in', async () => {
    const res = await new Agent(t.app).get('/instances');
    assert.equal(res.statusCode, 303);
  });
});

describe('"Nouvelle commande d\'hébergement"', () => {
  it('refuses invalid, reserved and malformed names with a message on the field', async () => {
    const agent = await signedInCustomer(t, 'noms');
    await agent.get('/instances/nouvelle');
    for (const [name, message] of [
      ['ab', /3 à 40 caractères/],
      ['-bidule', /3 à 40 caractères/],
      ['bidule-', /3 à 40 caractères/],
      ['Bi_dule', /3 à 40 caractères/],
      ['x'.repeat(41), /3 à 40 caractères/],
      ['portail', /Ce nom est réservé/],
      ['backoffice', /Ce nom est réservé/],
    ] as const) {
      const res = await agent.post('/instances/nouvelle', draftForm({ instance_name: name }));
      assert.equal(res.statusCode, 422, name);
      assert.match(res.body, message, name);
      assert.match(res.body, /id="f-instance_name-error"/);
    }
  });

  it('prices on the server: a tampered price is ignored, a custom-quote or unknown plan refused', async () => {
    const agent = await signedInCustomer(t, 'prix');
    await agent.get('/instances/nouvelle');
    const diamant = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'prix-a', plan: 'diamant' }));
    assert.equal(diamant.statusCode, 422);
    assert.match(diamant.body, /établi sur devis/);
    const unknown = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'prix-b', plan: 'platine' }));
    assert.equal(unknown.statusCode, 422);
    const { quoteNumber } = await orderAndValidate(t, agent, 'prix-c');
    const quote = await t.container.services.billing.findDocument({ number: quoteNumber });
    assert.equal(quote?.gross_cents, 4499);
    // a form field named like a price changes nothing
    await agent.get('/instances/nouvelle');
    const tampered = await agent.post('/instances/nouvelle', { ...draftForm({ instance_name: 'prix-d' }), price_cents: '1', price: '0.01', amount: '1' });
    assert.equal(tampered.statusCode, 303);
  });

  it('offers only the payment methods that exist: without PayPal, the transfer is preselected and PayPal refused', async () => {
    const agent = await signedInCustomer(t, 'sans-paypal');
    const form = await agent.get('/instances/nouvelle');
    assert.match(form.body, /<input type="radio" name="payment_method" value="transfer" checked>/);
    assert.doesNotMatch(form.body, /value="paypal"/);
    const res = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'sans-pp', payment_method: 'paypal' }));
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Choisissez un moyen de paiement de la liste/);
    // the button's route answers without PayPal too: back to "Vos factures", with the reason
    const { quoteNumber } = await orderAndValidate(t, agent, 'sans-pp-2');
    const go = await agent.post(`/paiement/paypal/${quoteNumber}`, {});
    assert.equal(go.statusCode, 303);
    assert.equal(go.headers.location, '/factures?erreur=paypal_not_configured');
    assert.match((await agent.get(String(go.headers.location))).body, /Le paiement par PayPal n’est pas disponible pour le moment/);
  });

  it('stores the admin password encrypted, and refuses two different entries', async () => {
    const agent = await signedInCustomer(t, 'secret');
    await agent.get('/instances/nouvelle');
    const mismatch = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'secret-a', password_confirm: 'autre-chose-2026' }));
    assert.equal(mismatch.statusCode, 422);
    assert.match(mismatch.body, /doivent être identiques/);
    const comma = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'secret-a', password: 'tournesol,geant=42', password_confirm: 'tournesol,geant=42' }));
    assert.equal(comma.statusCode, 422);
    assert.match(comma.body, /ne peut pas contenir de virgule/);
    const ok = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'secret-a' }));
    const id = Number(String(ok.headers.location).split('/').pop());
    const row = await t.container.services.orders.find(id);
    assert.ok(row?.admin_password_enc);
    assert.equal(row.admin_password_enc.includes(Buffer.from('tournesol-geant-42')), false);
    assert.equal(decryptSecret(deriveKey(t.config.secretKey, 'instance-admin-password'), row.admin_password_enc), 'tournesol-geant-42');
  });
});

describe('CGV and validation', () => {
  it('validates in one step: the CGV box and the billing address, every problem shown at once', async () => {
    // a customer who never filled in "Personne morale": no address
    const agent = await signedInCustomer(t, 'cgv', { organisation: { address: '', postcode: '', city: '', legal_form: '' } });
    await agent.get('/instances/nouvelle');
    const draft = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'cgv-test' }));
    const path = String(draft.headers.location);
    const id = Number(path.split('/').pop());
    const page = await agent.get(path);
    assert.match(page.body, /Adresse de facturation de Association cgv/);
    // nothing ticked, nothing filled: every problem at once, nothing accepted or validated
    const empty = await agent.post(`${path}/valider`, {});
    assert.equal(empty.statusCode, 422);
    for (const m of ['Cochez la case pour accepter les conditions générales de vente', 'Ce champ est obligatoire']) assert.match(empty.body, new RegExp(m));
    assert.equal((empty.body.match(/<li><a href="#f-/g) ?? []).length, 5, 'legal form, address, postcode, city, CGV');
    let order = await t.container.services.orders.find(id);
    assert.equal(order?.status, 'draft');
    assert.equal(order?.terms_version, null, 'no acceptance recorded while the step fails');
    // a company must give its SIREN; a bad postcode is named; the typed values come back
    const company = await agent.post(`${path}/valider`, { ...VALIDATION_FORM, legal_form: 'societe', postcode: '384', city: 'Domène' });
    assert.equal(company.statusCode, 422);
    assert.match(company.body, /Indiquez le SIREN ou le SIRET de votre structure/);
    assert.match(company.body, /Ce code postal n&#39;est pas valide/);
    assert.match(company.body, /value="3 place du Marché"/);
    // the box unticked with a good address: refused, and the address is not saved yet
    const unticked = await agent.post(`${path}/valider`, { ...VALIDATION_FORM, accept: '' });
    assert.equal(unticked.statusCode, 422);
    assert.equal((await t.container.services.accounts.getAccount(order!.user_id))?.organisation?.address, null);
    // all good: the address is saved back to the organisation, the acceptance recorded, the quote issued
    const ok = await agent.post(`${path}/valider`, { ...VALIDATION_FORM, legal_form: 'societe', registration_number: '820 103 315 00017' });
    assert.equal(ok.statusCode, 303, ok.body);
    order = await t.container.services.orders.find(id);
    assert.equal(order?.status, 'validated');
    assert.equal(order?.terms_version, 1);
    assert.ok(order?.terms_accepted_at);
    assert.ok(order?.terms_accepted_ip);
    assert.equal(order?.terms_accepted_by, order?.user_id);
    const org = (await t.container.services.accounts.getAccount(order!.user_id))?.organisation;
    assert.deepEqual([org?.address, org?.postcode, org?.city, org?.legal_form, org?.registration_number], ['3 place du Marché', '38420', 'Domène', 'societe', '82010331500017']);
    const quote = (await t.container.services.billing.latestQuoteForOrder(id))!;
    const buyer = (quote.content as { buyer: { addressLines: string[]; postcode: string; registrationNumber: string } }).buyer;
    assert.deepEqual([buyer.addressLines, buyer.postcode, buyer.registrationNumber], [['3 place du Marché'], '38420', '82010331500017']);
  });

  it('refuses an order whose buyer has no postal address, at the service too', async () => {
    const agent = await signedInCustomer(t, 'sans-adresse', { organisation: { address: '', postcode: '', city: '' } });
    await agent.get('/instances/nouvelle');
    const draft = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'sans-adresse' }));
    const id = Number(String(draft.headers.location).split('/').pop());
    const user = (await t.container.services.accounts.findUserByEmail('sans-adresse@example.org'))!;
    const current = { id: user.id, alias: user.alias, name: user.name, email: user.email, role: 'customer' as const, organisationId: user.organisation_id, sessionId: 0 };
    assert.ok((await t.container.services.orders.acceptTerms(current, id, true, null)).ok);
    const refused = await issueOrderQuote(t.container.deps, current, id, null);
    assert.deepEqual(refused, { ok: false, errors: { address: 'required', postcode: 'required', city: 'required' } });
    assert.equal((await t.container.services.orders.find(id))?.status, 'draft');
    assert.equal(await t.container.services.billing.latestQuoteForOrder(id), undefined);
  });

  it('asks for the CGV again when a new version is published', async () => {
    const agent = await signedInCustomer(t, 'cgv-nouvelles');
    await agent.get('/instances/nouvelle');
    const draft = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'cgv-nouvelles' }));
    const path = String(draft.headers.location);
    await agent.get(path);
    const version = await t.container.services.settings.publishTerms('Conditions générales de vente', 'Nouvelle version.');
    const page = await agent.get(path);
    assert.match(page.body, new RegExp(`version ${version}\\)`));
    const stale = await agent.post(`${path}/valider`, { ...VALIDATION_FORM, cgv_version: String(version - 1) });
    assert.equal(stale.statusCode, 422);
    assert.match(stale.body, /Les CGV ont changé depuis votre acceptation/);
    const ok = await agent.post(`${path}/valider`, { ...VALIDATION_FORM, cgv_version: String(version) });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal((await t.container.services.orders.find(Number(path.split('/').pop())))?.terms_version, version);
  });

  it('issues the quote, e-mails it with its PDF, and shows how to pay', async () => {
    const agent = await signedInCustomer(t, 'devis', { organisation: { email: 'bureau@devis.example' } });
    const { orderId, quoteNumber } = await orderAndValidate(t, agent, 'devis-asso');
    assert.match(quoteNumber, /^DEV-\d{4}-\d{4}$/);
    const mail = await lastMailTo(t, 'devis@example.org', 'billing.quote');
    assert.deepEqual(mail.recipients, ['devis@example.org', 'bureau@devis.example']);
    assert.deepEqual(mail.attachments, [{ kind: 'document_pdf', documentId: (await t.container.services.billing.findDocument({ number: quoteNumber }))!.id, filename: `${quoteNumber}.pdf` }]);
    assert.match(mail.text_body, /FR76 1680 7001 2932 6233 9521 322/);
    assert.match(mail.text_body, new RegExp(`référence ${quoteNumber}`));
    const page = await agent.get(`/commandes/${orderId}`);
    assert.match(page.body, /En attente de paiement/);
    assert.doesNotMatch(page.body, /Payer avec PayPal/, 'no PayPal button while PayPal is not configured');
    assert.match(page.body, /CCBPFRPPGRE/);
    const pdf = await agent.get(`/factures/${quoteNumber}.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const again = await agent.get(`/factures/${quoteNumber}.pdf`);
    assert.ok(again.rawPayload.equals(pdf.rawPayload), 'a reprint gives the same bytes');
    const other = await signedInCustomer(t, 'curieux');
    assert.equal((await other.get(`/factures/${quoteNumber}.pdf`)).statusCode, 404, "another customer cannot read it");
    const list = await agent.get('/factures');
    assert.match(list.body, new RegExp(quoteNumber));
    assert.match(list.body, /à payer/);
  });

  it('lets one of two customers validating the same name win, and tells the other', async () => {
    const a = await signedInCustomer(t, 'course-a');
    const b = await signedInCustomer(t, 'course-b');
    const drafts = [];
    for (const agent of [a, b]) {
      await agent.get('/instances/nouvelle');
      const d = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'meme-nom' }));
      assert.equal(d.statusCode, 303);
      const path = String(d.headers.location);
      const version = cgvVersionShown((await agent.get(path)).body);
      drafts.push({ agent, path, version });
    }
    const results = await Promise.all(drafts.map(({ agent, path, version }) => agent.post(`${path}/valider`, { ...VALIDATION_FORM, cgv_version: version })));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [303, 409]);
    const loser = results.find((r) => r.statusCode === 409)!;
    assert.match(loser.body, /Ce nom est déjà pris/);
    const live = await sql<{ n: number }>`select count(*)::int as n from orders where instance_name = 'meme-nom' and status = 'validated'`.execute(t.container.database.db);
    assert.equal(live.rows[0]!.n, 1);
  });

  it('frees the name of a cancelled order; refuses a name released less than the reservation ago (90 days, a setting)', async () => {
    const agent = await signedInCustomer(t, 'annule');
    const { orderId } = await orderAndValidate(t, agent, 'libere');
    await agent.get(`/commandes/${orderId}`);
    // a destructive button asks first: without the confirmation, a page asks, and nothing changes
    const asked = await agent.post(`/commandes/${orderId}/annuler`, {});
    assert.equal(asked.statusCode, 200);
    assert.match(asked.body, /Annuler la commande libere \? Son devis est annulé/);
    assert.match(asked.body, /name="confirme" value="1"/);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'validated');
    assert.equal((await agent.post(`/commandes/${orderId}/annuler`, { confirme: '1' })).statusCode, 303);
    const list = await agent.get('/factures');
    assert.match(list.body, /annulé/);
    await orderAndValidate(t, agent, 'libere');
    await t.container.database.db.insertInto('released_instance_names').values({ name: 'ancienne', released_at: t.clock.now() }).execute();
    await agent.get('/instances/nouvelle');
    const res = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'ancienne' }));
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Ce nom est déjà pris, ou réservé après la fin d’une instance\./);
    // The reservation is « Réglages » → « Cycle de l'abonnement »: 10 days, and the name released 11 days ago is free.
    const { settings } = t.container.services;
    await t.container.database.db.insertInto('released_instance_names').values({ name: 'recente', released_at: new Date(t.clock.now().getTime() - 11 * DAY) }).execute();
    const refused = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'recente' }));
    assert.equal(refused.statusCode, 422, 'reserved 90 days by default');
    await settings.updateLifecycle({ nameQuarantineDays: 10 });
    try {
      assert.equal((await agent.post('/instances/nouvelle', draftForm({ instance_name: 'ancienne' }))).statusCode, 422, 'released today: still reserved');
      const taken = await agent.post('/instances/nouvelle', draftForm({ instance_name: 'recente' }));
      assert.equal(taken.statusCode, 303, taken.body);
    } finally {
      await settings.updateLifecycle({ nameQuarantineDays: 90 });
    }
  });

  it('lets a quote expire after 30 days: the order lapses and frees its name', async () => {
    const agent = await signedInCustomer(t, 'expire');
    const { orderId, quoteNumber } = await orderAndValidate(t, agent, 'expire-bientot');
    (t.clock as ManualClock).advance(31 * DAY);
    await agent.get('/connexion'); // the session lapsed meanwhile too
    assert.equal((await agent.post('/connexion', { identifier: 'expire', password: 'velo-rouge-2026!' })).statusCode, 303);
    const list = await agent.get('/factures');
    assert.match(list.body, new RegExp(`${quoteNumber}[\\s\\S]*?expiré`));
    assert.ok((await expireLapsedOrders(t.container.deps)).expired >= 1);
    assert.equal((await t.container.services.orders.find(orderId))?.status, 'expired');
    const pay = await agent.get(`/paiement/paypal/${quoteNumber}`);
    assert.equal(pay.statusCode, 303);
    assert.match(String(pay.headers.location), /erreur=(quote_expired|paypal_not_configured)/);
    (t.clock as ManualClock).advance(-31 * DAY);
  });
});
