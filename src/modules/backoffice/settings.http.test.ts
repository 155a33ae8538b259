import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { lastMailTo, orderAndValidate, signedInCustomer, signedInOperator, VALIDATION_FORM } from '../../../test/support/customers.ts';
import { addDays } from '../../platform/dates.ts';
import { supportRequest } from '../../../test/support/support-requests.ts';
import { issueSupportQuote } from '../support/use-cases/issue-support-quote.ts';
import type { BillingDocument } from '../billing/document.types.ts';

let t: TestApp;
let operator: Agent;
let customer: Agent;
let instances = 0;

const db = () => t.container.database.db;
const settings = () => t.container.services.settings;

const BANK = { accountHolder: 'Laurent GAY', iban: 'FR76 1680 7001 2932 6233 9521 322', bic: 'CCBPFRPPGRE', chequePayee: 'SLETO', chequeAddress: 'Sleto - Laurent GAY\n12 rue Marius CHARLES\n38420 DOMENE' };
const IDENTITY = {
  tradeName: 'SLETO',
  ownerName: 'Laurent GAY',
  legalStatus: 'Entrepreneur individuel (EI)',
  address: '12 rue Marius Charles',
  postcode: '38420',
  city: 'Domène',
  country: 'France',
  siret: '820 103 315 00017',
  email: 'contact@sleto.fr',
  phone: '',
  publicationDirector: 'Laurent GAY',
  websiteHost: 'SLETO, 12 rue Marius Charles, 38420 Domène',
};
const BILLING = { quoteValidityDays: '30', paymentDueDays: '30', maxUnpaidOrders: '20', latePenaltyText: "trois fois le taux d'intérêt légal", prefixQuote: 'DEV', prefixInvoice: 'FAC', prefixCreditNote: 'AVO', supportHourly: '80,00', supportTiers: '10 h : 10 %\n20 h : 15 %' };

async function save(section: string, fields: Record<string, string>) {
  await operator.get('/backoffice/reglages');
  return operator.post(`/backoffice/reglages/${section}`, fields);
}

/** A new quote for the customer, as it was issued. */
async function newQuote() {
  const { quoteNumber } = await orderAndValidate(t, customer, `reglo-${++instances}`);
  return (await t.container.services.billing.findDocument({ number: quoteNumber }))!;
}

async function lastAudit(action: 'settings.updated' | 'terms.published') {
  return db().selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id', 'desc').executeTakeFirst();
}

before(async () => {
  t = await createTestApp();
  operator = await signedInOperator(t);
  customer = await signedInCustomer(t, 'reglo');
  // These tests issue many quotes for one customer: more than the 3 unpaid orders allowed by default.
  await t.container.services.settings.updateBilling({ maxUnpaidOrders: 20 });
});
after(async () => {
  await t?.close();
});

describe('"Réglages"', () => {
  it('shows the current settings in one form per section', async () => {
    const page = await operator.get('/backoffice/reglages');
    assert.equal(page.statusCode, 200);
    for (const id of ['identite', 'tva', 'banque', 'facturation', 'cgv']) assert.match(page.body, new RegExp(`<form method="post" action="/backoffice/reglages/${id}">\\s*<input type="hidden" name="_csrf"`));
    assert.match(page.body, /name="iban" type="text" value="FR76 1680 7001 2932 6233 9521 322"/);
    assert.match(page.body, /name="siret" type="text" value="820 103 315 00017"/);
    assert.match(page.body, /<textarea id="f-chequeAddress" name="chequeAddress"[^>]*>Sleto - Laurent GAY\n12 rue Marius CHARLES/);
    assert.match(page.body, /name="vatFranchise" type="checkbox" value="1" checked> Franchise en base de TVA \(art\. 293 B du CGI\)/);
    assert.match(page.body, /<tr data-terms="1">\s*<td>1 <span class="badge ok">en vigueur<\/span>/);
    assert.equal((await customer.get('/backoffice/reglages')).statusCode, 403);
  });

  it('changes the IBAN for new quotes only: an old quote keeps its content and its PDF bytes', async () => {
    const old = await newQuote();
    const oldPdf = (await operator.get(`/factures/${old.number}.pdf`)).rawPayload;
    assert.equal(oldPdf.subarray(0, 5).toString(), '%PDF-');

    const res = await save('banque', { ...BANK, accountHolder: 'SLETO — Laurent GAY', iban: 'fr76 3000 6000 0112 3456 7890 189', bic: 'bnpa fr pp' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/backoffice/reglages?enregistre=banque#banque');
    const shown = await operator.get(res.headers.location!);
    assert.match(shown.body, /<section class="panel" id="banque">\s*<h2>Banque et chèques<\/h2>\s*<div class="notice success" role="status">Réglages enregistrés\.<\/div>/);
    assert.equal((await settings().operatorIdentity()).iban, 'FR76 3000 6000 0112 3456 7890 189');
    assert.equal((await settings().operatorIdentity()).bic, 'BNPAFRPP');
    assert.deepEqual((await lastAudit('settings.updated'))?.details, { section: 'banque', changed: ['accountHolder', 'iban', 'bic'] });

    const fresh = await newQuote();
    assert.equal((fresh.content as BillingDocument).seller.iban, 'FR76 3000 6000 0112 3456 7890 189');
    // the account holder ("titulaire") goes beside IBAN and BIC
    assert.equal((fresh.content as BillingDocument).seller.accountHolder, 'SLETO — Laurent GAY');
    assert.match((await lastMailTo(t, 'reglo@example.org', 'billing.quote')).text_body, /titulaire SLETO — Laurent GAY, IBAN FR76 3000 6000 0112 3456 7890 189, BIC BNPAFRPP/);
    const again = (await t.container.services.billing.findDocument({ number: old.number }))!;
    assert.deepEqual(again.content, old.content);
    assert.equal((again.content as BillingDocument).seller.iban, 'FR76 1680 7001 2932 6233 9521 322');
    assert.ok((await operator.get(`/factures/${old.number}.pdf`)).rawPayload.equals(oldPdf), 'the old PDF is the same bytes');
    assert.ok(!(await operator.get(`/factures/${fresh.number}.pdf`)).rawPayload.equals(oldPdf));

    const same = await save('banque', { ...BANK, accountHolder: 'SLETO — Laurent GAY', iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'BNPAFRPP' });
    assert.equal(same.headers.location, '/backoffice/reglages?inchange=banque#banque');
    assert.match((await operator.get(same.headers.location!)).body, /Aucune modification : rien n&#39;a été enregistré\./);
  });

  it('refuses an invalid IBAN, BIC or SIRET with a message on the field, and keeps what was typed', async () => {
    const before = await settings().operatorIdentity();
    const iban = await save('banque', { ...BANK, iban: 'FR76 3000 6000 0112 3456 7890 188', bic: 'BNP' });
    assert.equal(iban.statusCode, 422);
    assert.match(iban.body, /<p class="error" id="f-iban-error">IBAN invalide : vérifiez chaque caractère/);
    assert.match(iban.body, /<p class="error" id="f-bic-error">BIC invalide : 8 ou 11 caractères/);
    assert.match(iban.body, /value="FR76 3000 6000 0112 3456 7890 188"/);
    for (const siret of ['820 103 315 00018', '1234', '820103315']) {
      const res = await save('identite', { ...IDENTITY, siret });
      assert.equal(res.statusCode, 422, siret);
      assert.match(res.body, /SIRET invalide : 14 chiffres dont la clé de contrôle doit être juste\./, siret);
    }
    const empty = await save('identite', { ...IDENTITY, tradeName: '', email: 'pas-une-adresse' });
    assert.match(empty.body, /<p class="error" id="f-tradeName-error">Ce champ est obligatoire\.<\/p>/);
    assert.match(empty.body, /<p class="error" id="f-email-error">Adresse de courriel invalide\.<\/p>/);
    assert.doesNotMatch(empty.body, /ZodError|at .*\.ts:\d+/);
    assert.deepEqual(await settings().operatorIdentity(), before);

    const ok = await save('identite', { ...IDENTITY, tradeName: 'SLETO Hébergement', siret: '82010331500017' });
    assert.equal(ok.statusCode, 303);
    assert.equal((await settings().operatorIdentity()).siret, '820 103 315 00017');
    assert.deepEqual((await lastAudit('settings.updated'))?.details, { section: 'identite', changed: ['tradeName'] });
    assert.equal(((await newQuote()).content as BillingDocument).seller.tradeName, 'SLETO Hébergement');
  });

  it('checks the billing rules: validity, due days, penalty text, and three different prefixes', async () => {
    const before = await settings().billing();
    const bad = await save('facturation', { ...BILLING, quoteValidityDays: '0', paymentDueDays: '90', latePenaltyText: 'x', prefixQuote: 'D3V' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="f-quoteValidityDays-error">Durée invalide/);
    assert.match(bad.body, /id="f-paymentDueDays-error">Délai invalide/);
    assert.match(bad.body, /id="f-latePenaltyText-error">Indiquez le taux des pénalités/);
    assert.match(bad.body, /id="f-prefixQuote-error">Préfixe invalide : 2 à 6 lettres majuscules/);
    for (const prefixes of [{ prefixInvoice: 'DEV' }, { prefixCreditNote: 'DEV' }, { prefixInvoice: 'AVO' }, { prefixQuote: 'FACTURE' }, { prefixQuote: 'D' }]) {
      const res = await save('facturation', { ...BILLING, ...prefixes });
      assert.equal(res.statusCode, 422, JSON.stringify(prefixes));
      assert.match(res.body, /Les préfixes des devis, factures et avoirs doivent être tous différents|Préfixe invalide/);
    }
    assert.deepEqual(await settings().billing(), before);

    const ok = await save('facturation', { ...BILLING, quoteValidityDays: '45', prefixQuote: 'devis' });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.deepEqual((await lastAudit('settings.updated'))?.details, { section: 'facturation', changed: ['quoteValidityDays', 'prefixes'] });
    const quote = await newQuote();
    assert.match(quote.number, /^DEVIS-2026-\d{4}$/);
    assert.equal(quote.seq, Number((await db().selectFrom('documents').select((eb) => eb.fn.max('seq').as('m')).where('kind', '=', 'quote').where('number', 'like', 'DEV-%').executeTakeFirstOrThrow()).m) + 1, 'numbering goes on, no gap');
    assert.equal(quote.valid_until, addDays(quote.issue_date, 45));
    assert.equal((await save('facturation', BILLING)).statusCode, 303);
  });

  it('switches the VAT franchise off: new quotes carry 20 % VAT and the VAT number', async () => {
    for (const [fields, message] of [
      [{ vatRatePercent: '0', vatNumber: 'FR40820103315' }, /Hors franchise, indiquez un taux de TVA supérieur à 0\./],
      [{ vatRatePercent: 'vingt', vatNumber: 'FR40820103315' }, /Taux de TVA invalide/],
      [{ vatRatePercent: '20', vatNumber: '' }, /le numéro de TVA intracommunautaire est obligatoire/],
      [{ vatRatePercent: '20', vatNumber: 'FR4' }, /Numéro de TVA intracommunautaire invalide/],
    ] as const) {
      const res = await save('tva', fields);
      assert.equal(res.statusCode, 422, JSON.stringify(fields));
      assert.match(res.body, message);
    }
    assert.equal((await settings().operatorIdentity()).vatFranchise, true);

    const res = await save('tva', { vatRatePercent: '20', vatNumber: 'FR 40 820103315' });
    assert.equal(res.statusCode, 303, res.body);
    assert.deepEqual((await lastAudit('settings.updated'))?.details, { section: 'tva', changed: ['vatNumber', 'vatFranchise'] }, 'the rate was 20 already');
    const vat = (await newQuote()).content as BillingDocument;
    assert.equal(vat.vatFranchise, false);
    assert.equal(vat.lines[0]!.vatRatePercent, 20);
    assert.ok(vat.totals.vatCents > 0);
    assert.deepEqual([vat.totals.netCents, vat.totals.vatCents, vat.totals.grossCents], [4499, 900, 5399]);
    assert.equal(vat.seller.vatNumber, 'FR40820103315');
    const page = await operator.get('/backoffice/reglages');
    assert.match(page.body, /name="vatFranchise" type="checkbox" value="1"> /);

    assert.equal((await save('tva', { vatFranchise: '1', vatRatePercent: '20', vatNumber: 'FR40820103315' })).statusCode, 303);
    const back = (await newQuote()).content as BillingDocument;
    assert.equal(back.vatFranchise, true);
    assert.equal(back.totals.vatCents, 0);
  });

  it('publishes CGV version 2: a draft accepted under version 1 must accept version 2', async () => {
    await customer.get('/instances/nouvelle');
    const draft = await customer.post('/instances/nouvelle', { instance_name: 'reglo-cgv', plan: 'opale', flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' });
    const path = String(draft.headers.location);
    await customer.get(path);

    const empty = await save('cgv', { title: '', body: '' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /id="f-title-error">Ce champ est obligatoire/);
    assert.match(empty.body, /id="f-body-error">Ce champ est obligatoire/);
    assert.equal((await settings().currentTerms())?.version, 1);

    const res = await save('cgv', { title: 'Conditions générales de vente 2026', body: 'Les présentes conditions lient {tradeName} et ses clients.' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/backoffice/reglages?publie=2#cgv');
    const page = await operator.get(res.headers.location!);
    assert.match(page.body, /Version 2 des CGV publiée\. Les clients devront l’accepter à leur prochaine commande\./);
    assert.match(page.body, /<tr data-terms="2">\s*<td>2 <span class="badge ok">en vigueur<\/span><\/td>\s*<td>Conditions générales de vente 2026<\/td>/);
    assert.match(page.body, /<tr data-terms="1">\s*<td>1<\/td>/);
    assert.deepEqual((await lastAudit('terms.published'))?.details, { version: 2, title: 'Conditions générales de vente 2026' });
    assert.equal((await settings().currentTerms())?.body, 'Les présentes conditions lient SLETO Hébergement et ses clients.');

    // the box was ticked on a page showing version 1: version 2 must be read first
    const outdated = await customer.post(`${path}/valider`, { ...VALIDATION_FORM, cgv_version: '1' });
    assert.equal(outdated.statusCode, 422);
    assert.match(outdated.body, /Les CGV ont changé/);
    assert.equal((await t.container.services.orders.find(Number(path.split('/').pop())))?.status, 'draft');
    const reread = await customer.get(path);
    assert.match(reread.body, /name="cgv_version" value="2"/);
    assert.equal((await customer.post(`${path}/valider`, { ...VALIDATION_FORM, cgv_version: '2' })).statusCode, 303);
    const order = await t.container.services.orders.find(Number(path.split('/').pop()));
    assert.equal(order?.terms_version, 2);
    assert.match((await lastMailTo(t, 'reglo@example.org', 'billing.quote')).subject, /reglo-cgv/);
  });

  it('edits the accompaniment’s hourly rate and volume tiers, checked, used by the next support quotes', async () => {
    const page = await operator.get('/backoffice/reglages');
    assert.match(page.body, /Accompagnement : tarif horaire \(€ HT\)/);
    assert.match(page.body, /name="supportHourly" type="text" value="80,00"/);
    assert.match(page.body, />10 h : 10 %\n20 h : 15 %<\/textarea>/);
    const before = await settings().billing();
    for (const [fields, message] of [
      [{ supportHourly: '0' }, /Tarif invalide/],
      [{ supportHourly: 'quatre-vingts' }, /Tarif invalide/],
      [{ supportTiers: 'dix heures' }, /Remises invalides/],
      [{ supportTiers: '10 h : 10 %\n10 h : 12 %' }, /Remises invalides/],
      [{ supportTiers: '10 h : 150 %' }, /Remises invalides/],
    ] as const) {
      const res = await save('facturation', { ...BILLING, ...fields });
      assert.equal(res.statusCode, 422, JSON.stringify(fields));
      assert.match(res.body, message);
    }
    assert.deepEqual(await settings().billing(), before);
    const ok = await save('facturation', { ...BILLING, supportHourly: '90', supportTiers: '25 h : 20 %; 8 h : 5 %' });
    assert.equal(ok.statusCode, 303, ok.body);
    const now = await settings().billing();
    assert.equal(now.supportHourlyCents, 9000);
    assert.deepEqual(now.supportTiers, [{ fromHours: 8, percent: 5 }, { fromHours: 25, percent: 20 }]);
    const user = (await t.container.services.accounts.findUserByEmail('reglo@example.org'))!;
    const operatorId = (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
    const requestId = await supportRequest(t, { email: 'reglo@example.org' }, user.id);
    const quote = await issueSupportQuote(t.container.deps, requestId, { sessions: [{ label: 'Séances', hours: 10 }], extras: [], note: '', validityDays: 30, invoicing: 'completion', depositPercent: 0 }, { operatorId, ip: null });
    const line = ((await t.container.services.billing.findDocument({ number: quote.number }))!.content as BillingDocument).lines[0]!;
    assert.equal(line.unitPriceCents, 8550, '90 € less 5 % from 8 h');
    assert.match(line.detail!.replace(/[\u00a0\u202f]/g, ' '), /10 h × 90,00 €\/h, remise de 5 % à partir de 8 h/);
    assert.equal((await save('facturation', BILLING)).statusCode, 303);
  });
});
