import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';
import { routeTable } from '../../src/web/route-table.ts';
import { supportQuoteFor, supportRequest } from '../support/support-requests.ts';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { lastMailTo, orderAndValidate, signedInCustomer, signedInOperator } from '../support/customers.ts';
import { paidOrder } from '../support/paid-order.ts';
import { SiteDriver } from '../support/site-driver.ts';

/**
 * Every route of the built app, enumerated from Fastify itself (onRoute), tried by the wrong
 * person: a visitor, another customer with the first customer's ids, a customer on the back
 * office — 401/403/404 or the sign-in page, never the other's data. The same enumeration checks
 * CSRF on every state-changing route: no token, another session's token, another origin — each
 * refused, while the right request gets through (so the check is not vacuous). A route added
 * without an entry in ROUTES fails the test.
 */

/** Who may use a route. */
type Access =
  /** anyone: public pages, forms before sign-in */
  | 'public'
  /** programs: health, metrics, static files, the signed PayPal webhook */
  | 'machine'
  /** a signed-in customer, on their own things */
  | 'customer'
  /** the operator only */
  | 'operator';

interface Entry {
  access: Access;
  /** the concrete URL, with the first customer's ids */
  url?: (f: Fixture) => string;
  /** a body for a state-changing route (its CSRF checks); the control request may do what it says */
  form?: (f: Fixture) => Record<string, string>;
  /** the control runs on a fresh session of its own (it ends or changes the session) */
  freshSession?: boolean;
  /** what another customer gets with the first one's ids: 404 (the default for a URL with ids), or a redirect to their own page */
  other?: 'not_found' | 'redirect' | 'own';
}

interface Fixture {
  userA: number;
  orderDraft: number;
  orderToCancel: number;
  orderValidated: number;
  quoteValidated: string;
  quotePaid: string;
  invoice: string;
  instance: number;
  action: number;
  archive: number;
  mail: number;
  supportRequest: number;
  supportQuote: string;
}

const ROUTES: Record<string, Entry> = {
  // --- public pages and forms ---------------------------------------------------------------
  'GET /': { access: 'public' },
  'GET /faq': { access: 'public' },
  'GET /cgv': { access: 'public' },
  'GET /mentions-legales': { access: 'public' },
  'GET /connexion': { access: 'public' },
  'GET /inscription': { access: 'public' },
  'GET /mot-de-passe-oublie': { access: 'public' },
  'GET /mot-de-passe/definir': { access: 'public', url: () => '/mot-de-passe/definir?jeton=x' },
  'GET /installation': { access: 'public', url: () => '/installation?jeton=x' },
  'GET /courriel/confirmer': { access: 'public', url: () => '/courriel/confirmer?jeton=x' },
  'GET /paiement/paypal/retour': { access: 'public', url: () => '/paiement/paypal/retour?token=XYZ123' },
  'GET /paiement/paypal/annulation': { access: 'public' },
  'GET /demande-information': { access: 'public' },
  'POST /demande-information': { access: 'public', form: () => ({ organisation: '' }) },
  'POST /inscription': { access: 'public', form: () => ({ alias: '', name: '', email: '', organisation: '' }) },
  'POST /connexion': { access: 'public', form: () => ({ identifier: 'personne', password: 'rien-du-tout' }) },
  'POST /mot-de-passe-oublie': { access: 'public', form: () => ({ email: 'personne@example.org' }) },
  'POST /mot-de-passe/definir': { access: 'public', form: () => ({ jeton: 'x', password: 'a', password_confirm: 'a' }) },
  'POST /installation': { access: 'public', form: () => ({ jeton: 'x' }) },
  'POST /courriel/confirmer': { access: 'public', form: () => ({ jeton: 'x' }) },
  // --- programs -------------------------------------------------------------------------------
  'GET /healthz': { access: 'machine' },
  'GET /readyz': { access: 'machine' },
  'GET /metrics': { access: 'machine' },
  'GET /favicon.ico': { access: 'machine' },
  'GET /static/*': { access: 'machine', url: () => '/static/app.css' },
  'GET /static/htmx.min.js': { access: 'machine' },
  'POST /api/paypal/webhook': { access: 'machine' },
  'GET /agenda/:token': { access: 'machine', url: () => '/agenda/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics' },
  // --- the customer's own --------------------------------------------------------------------
  'GET /espace': { access: 'customer' },
  'GET /compte': { access: 'customer' },
  'GET /compte/personne': { access: 'customer' },
  'GET /compte/personne-morale': { access: 'customer' },
  'GET /compte/personne/modifier': { access: 'customer' },
  'GET /compte/personne-morale/modifier': { access: 'customer' },
  'GET /instances': { access: 'customer' },
  'GET /instances/nouvelle': { access: 'customer' },
  'GET /instances/actions': { access: 'customer' },
  'GET /instances/actions/tableau': { access: 'customer' },
  'GET /instances/:id': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}` },
  'GET /instances/:id/actions': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/actions` },
  'GET /commandes/:id': { access: 'customer', other: 'not_found', url: (f) => `/commandes/${f.orderValidated}` },
  'GET /commandes/:id/modifier': { access: 'customer', other: 'not_found', url: (f) => `/commandes/${f.orderDraft}/modifier` },
  'GET /factures': { access: 'customer' },
  'GET /seances': { access: 'customer' },
  'GET /factures/:file': { access: 'customer', other: 'not_found', url: (f) => `/factures/${f.invoice}.pdf` },
  'GET /paiement/paypal/:number': { access: 'customer', other: 'redirect', url: (f) => `/paiement/paypal/${f.quoteValidated}` },
  'POST /paiement/paypal/:number': { access: 'customer', other: 'redirect', url: (f) => `/paiement/paypal/${f.quoteValidated}`, form: () => ({}) },
  'GET /accompagnement/devis/:number': { access: 'customer', other: 'not_found', url: (f) => `/accompagnement/devis/${f.supportQuote}` },
  'POST /accompagnement/devis/:number': { access: 'customer', other: 'not_found', url: (f) => `/accompagnement/devis/${f.supportQuote}`, form: () => ({ decision: 'accepted', signer: '' }) },
  'POST /deconnexion': { access: 'customer', form: () => ({}), freshSession: true },
  // (bodies hold nothing of the first customer's: what a page echoes of its own form is the sender's)
  'POST /compte/personne': { access: 'customer', form: () => ({ name: 'Nom neutre', email: 'neutre@example.org', locale: 'fr' }) },
  'POST /compte/personne-morale': { access: 'customer', form: () => ({ name: 'Structure neutre', country: 'FR' }) },
  'POST /compte/mot-de-passe': { access: 'customer', form: () => ({ current: 'pas-le-bon', password: 'x', password_confirm: 'y' }) },
  'GET /compte/donnees': { access: 'customer' },
  // (another customer gets their own data: the ZIP is always the requester's)
  'GET /compte/donnees/archive.zip': { access: 'customer', other: 'own' },
  'POST /compte/cloturer': { access: 'customer', form: () => ({ confirmation: 'non' }) },
  'POST /instances/nouvelle': { access: 'customer', form: () => ({ instance_name: '' }) },
  'GET /instances/diamant': { access: 'customer' },
  'POST /instances/diamant': { access: 'customer', form: () => ({ instance_name: '' }) },
  'POST /commandes/:id/demander': { access: 'customer', other: 'not_found', url: (f) => `/commandes/${f.orderDraft}/demander`, form: () => ({}) },
  'GET /instances/:id/forfait': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/forfait` },
  'POST /instances/:id/forfait': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/forfait`, form: () => ({ plan: 'emeraude' }) },
  'POST /instances/:id/renouvellement/annuler': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/renouvellement/annuler`, form: () => ({}) },
  'POST /instances/:id/renouvellement/forfait': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/renouvellement/forfait`, form: () => ({ plan: 'opale' }) },
  'GET /instances/:id/archives': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives` },
  'GET /instances/:id/archives/:archiveId/export': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives/${f.archive}/export` },
  'GET /instances/:id/archives/:archiveId/restaurer': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives/${f.archive}/restaurer` },
  'POST /instances/:id/archives': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives`, form: () => ({ name: '' }) },
  'POST /instances/:id/archives/import': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives/import`, form: () => ({}) },
  'POST /instances/:id/archives/:archiveId/supprimer': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives/${f.archive}/supprimer`, form: () => ({}) },
  'POST /instances/:id/archives/:archiveId/restaurer': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/archives/${f.archive}/restaurer`, form: () => ({ confirm_name: 'x' }) },
  'GET /instances/:id/fin': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/fin` },
  'POST /instances/:id/fin': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/fin`, form: () => ({ confirm_name: 'x' }) },
  'GET /archives-finales': { access: 'customer', other: 'own' },
  'GET /archives-finales/:archiveId/telecharger': { access: 'customer', other: 'not_found', url: (f) => `/archives-finales/${f.archive}/telecharger` },
  'POST /instances/:id/mot-de-passe': { access: 'customer', other: 'not_found', url: (f) => `/instances/${f.instance}/mot-de-passe`, form: () => ({ password: 'a', password_confirm: 'b' }) },
  'POST /commandes/:id/modifier': { access: 'customer', other: 'not_found', url: (f) => `/commandes/${f.orderDraft}/modifier`, form: () => ({ instance_name: '' }) },
  'POST /commandes/:id/valider': { access: 'customer', other: 'not_found', url: (f) => `/commandes/${f.orderDraft}/valider`, form: () => ({}) },
  'POST /commandes/:id/annuler': { access: 'customer', other: 'not_found', url: (f) => `/commandes/${f.orderToCancel}/annuler`, form: () => ({}) },
  // --- the back office ----------------------------------------------------------------------
  'GET /backoffice': { access: 'operator' },
  'GET /backoffice/clients': { access: 'operator' },
  'GET /backoffice/clients/:id': { access: 'operator', url: (f) => `/backoffice/clients/${f.userA}` },
  'GET /backoffice/commandes': { access: 'operator' },
  'GET /backoffice/documents': { access: 'operator' },
  'GET /backoffice/documents/:number': { access: 'operator', url: (f) => `/backoffice/documents/${f.quoteValidated}` },
  'GET /backoffice/courriels': { access: 'operator' },
  'GET /backoffice/courriels/:id': { access: 'operator', url: (f) => `/backoffice/courriels/${f.mail}` },
  'GET /backoffice/courriels/:id/html': { access: 'operator', url: (f) => `/backoffice/courriels/${f.mail}/html` },
  'GET /backoffice/journal': { access: 'operator' },
  'GET /backoffice/demandes': { access: 'operator' },
  'GET /backoffice/diamant': { access: 'operator' },
  'GET /backoffice/diamant/:id': { access: 'operator', url: (f) => `/backoffice/diamant/${f.orderDraft}` },
  'POST /backoffice/diamant/:id/devis': { access: 'operator', url: (f) => `/backoffice/diamant/${f.orderDraft}/devis`, form: () => ({ storage: '' }) },
  'GET /backoffice/demandes/:id': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}` },
  'GET /backoffice/reglages': { access: 'operator' },
  'GET /backoffice/forfaits': { access: 'operator' },
  'GET /backoffice/instances': { access: 'operator' },
  'GET /backoffice/instances/:id': { access: 'operator', url: (f) => `/backoffice/instances/${f.instance}` },
  'POST /backoffice/demandes/:id/devis': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/devis`, form: () => ({ session_label_0: '' }) },
  'POST /backoffice/agenda/revoquer': { access: 'operator', form: () => ({}) },
  'GET /backoffice/demandes/:id/seances': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/seances` },
  'POST /backoffice/demandes/:id/seances': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/seances`, form: () => ({ date: '' }) },
  'GET /backoffice/demandes/:id/seances/:sid': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/seances/1` },
  'POST /backoffice/demandes/:id/seances/:sid': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/seances/1`, form: () => ({ date: '' }) },
  'POST /backoffice/demandes/:id/facturer': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/facturer`, form: () => ({}) },
  'POST /backoffice/demandes/:id/seances/:sid/realisee': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/seances/1/realisee`, form: () => ({ hours: '' }) },
  'POST /backoffice/demandes/:id/seances/:sid/annuler': { access: 'operator', url: (f) => `/backoffice/demandes/${f.supportRequest}/seances/1/annuler`, form: () => ({}) },
  'POST /backoffice/courriels/:id/renvoyer': { access: 'operator', url: (f) => `/backoffice/courriels/${f.mail}/renvoyer`, form: () => ({}) },
  'POST /backoffice/courriels/:id/lien': { access: 'operator', url: (f) => `/backoffice/courriels/${f.mail}/lien`, form: () => ({}) },
  'POST /backoffice/reglages/:section': { access: 'operator', url: () => '/backoffice/reglages/identite', form: () => ({ tradeName: '' }) },
  'POST /backoffice/forfaits/:code': { access: 'operator', url: () => '/backoffice/forfaits/opale', form: () => ({ name: '' }) },
  'POST /backoffice/documents/:number/reglements': { access: 'operator', url: (f) => `/backoffice/documents/${f.quoteValidated}/reglements`, form: () => ({ amount: 'x' }) },
  'POST /backoffice/documents/:number/reglements/:payment/annuler': { access: 'operator', url: (f) => `/backoffice/documents/${f.quoteValidated}/reglements/1/annuler`, form: () => ({ reason: '' }) },
  'POST /backoffice/documents/:number/reediter': { access: 'operator', url: (f) => `/backoffice/documents/${f.quoteValidated}/reediter`, form: () => ({}) },
  'POST /backoffice/documents/:number/annuler': { access: 'operator', url: (f) => `/backoffice/documents/${f.quoteValidated}/annuler`, form: () => ({}) },
  'POST /backoffice/documents/:number/avoirs': { access: 'operator', url: (f) => `/backoffice/documents/${f.invoice}/avoirs`, form: () => ({ amount: '0', reason: '' }) },
  'POST /backoffice/instances/:id/redemarrer': { access: 'operator', url: (f) => `/backoffice/instances/${f.instance}/redemarrer`, form: () => ({}) },
  'POST /backoffice/actions/:id/relancer': { access: 'operator', url: (f) => `/backoffice/actions/${f.action}/relancer`, form: () => ({}) },
};

const CSRF_REFUSED = /Le formulaire a expiré ou n&#39;a pas été envoyé depuis ce site/;
const FOREIGN_ORIGIN = 'http://vitrine.localhost:3000';

let t: TestApp;
let dataDir: string;
let f: Fixture;
let customerA: Agent;
let customerB: Agent;
let operator: Agent;
/** what only the first customer's pages show */
let secretsOfA: RegExp[];

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-matrix-'));
  t = await createTestApp({ driver: new SiteDriver((_n, _req, res) => res.end('ok')), env: { DATA_DIR: dataDir } });
  customerA = await signedInCustomer(t, 'matrice-a');
  customerB = await signedInCustomer(t, 'matrice-b');
  operator = await signedInOperator(t);
  const paid = await paidOrder(t, customerA, 'matrice-site');
  await provisionInstance(t.container.deps, paid.orderId);
  const instance = (await t.container.services.instances.findByName('matrice-site'))!;
  const invoice = (await t.container.services.billing.invoiceForQuote((await t.container.services.billing.findDocument({ number: paid.quoteNumber }))!.id))!;
  const validated = await orderAndValidate(t, customerA, 'matrice-devis');
  const draft = async (name: string) => {
    await customerA.get('/instances/nouvelle');
    const res = await customerA.post('/instances/nouvelle', { instance_name: name, plan: 'opale', flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' });
    return Number(String(res.headers.location).split('/').pop());
  };
  await customerA.get(`/instances/${instance.id}`);
  await customerA.post(`/instances/${instance.id}/mot-de-passe`, { password: 'nouveau-mot-2027', password_confirm: 'nouveau-mot-2027' });
  const [action] = await t.container.services.instances.actionsForInstance(instance.id);
  f = {
    userA: (await t.container.services.accounts.findUserByEmail('matrice-a@example.org'))!.id,
    orderDraft: await draft('matrice-brouillon'),
    orderToCancel: await draft('matrice-a-annuler'),
    orderValidated: validated.orderId,
    quoteValidated: validated.quoteNumber,
    quotePaid: paid.quoteNumber,
    invoice: invoice.number,
    instance: instance.id,
    action: action!.id,
    archive: (await t.container.services.archives.createArchive(instance, 'matrice-archive', 'created', null)).id,
    mail: (await lastMailTo(t, 'matrice-a@example.org', 'accounts.welcome')).id,
    supportRequest: await supportRequest(t, { email: 'matrice-a@example.org' }),
    supportQuote: '',
  };
  f.supportQuote = await supportQuoteFor(t, f.userA, (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id);
  secretsOfA = [/matrice-a@example\.org/, /Association matrice-a/, /matrice-site/, /matrice-devis/, /matrice-brouillon/, new RegExp(f.quoteValidated), new RegExp(f.invoice)];
});
after(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function urlOf(key: string): string {
  const entry = ROUTES[key]!;
  return entry.url ? entry.url(f) : key.slice(key.indexOf(' ') + 1);
}

async function freshToken(agent: Agent): Promise<string> {
  await agent.get('/');
  return agent.lastCsrf!;
}

function assertNoneOfA(body: string, headers: Record<string, unknown>, what: string) {
  // (the language switch links back to the URL the requester typed: it echoes their own request)
  const shown = `${body.replace(/<a href="[^"]*" lang="(en|fr)"[^>]*>/g, '')}\n${String(headers.location ?? '')}`;
  for (const secret of secretsOfA) assert.doesNotMatch(shown, secret, `${what}: shows ${secret}`);
}

describe('the routes of the app', () => {
  it('every route has an entry in the matrix, and every entry is a route', () => {
    const routes = routeTable(t.app);
    const keys = new Set(routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`));
    const missing = [...keys].filter((k) => !(k in ROUTES));
    assert.deepEqual(missing, [], `routes without an entry in test/security/authorization-matrix.test.ts: ${missing.join(', ')}`);
    const stale = Object.keys(ROUTES).filter((k) => !keys.has(k));
    assert.deepEqual(stale, [], `entries for routes that no longer exist: ${stale.join(', ')}`);
    // HEAD answers as GET does (Fastify adds it to every GET route).
    const heads = routes.filter((r) => r.method === 'HEAD').map((r) => `GET ${r.url}`);
    assert.deepEqual(heads.filter((k) => !(k in ROUTES)), []);
    console.log(`# authorization matrix: ${keys.size} routes (+ ${heads.length} HEAD), ${Object.values(ROUTES).filter((e) => e.form).length} state-changing`);
  });
});

describe('tried by the wrong person', () => {
  it('a visitor: the sign-in page (GET, HEAD) or 401 (POST, with a valid token of its own)', async () => {
    for (const [key, entry] of Object.entries(ROUTES)) {
      if (entry.access !== 'customer' && entry.access !== 'operator') continue;
      const visitor = new Agent(t.app);
      const url = urlOf(key);
      if (key.startsWith('GET ')) {
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await t.app.inject({ method, url, headers: { host: visitor.host }, remoteAddress: visitor.ip });
          assert.equal(res.statusCode, 303, `${method} ${url}`);
          assert.equal(String(res.headers.location), `/connexion?retour=${encodeURIComponent(url)}`, `${method} ${url}`);
        }
      } else if (key === 'POST /deconnexion') {
        // Signing out is open to anyone: a visitor has no session to end.
        await freshToken(visitor);
        const res = await visitor.post(url, entry.form!(f));
        assert.deepEqual([res.statusCode, res.headers.location], [303, '/']);
      } else {
        await freshToken(visitor);
        const res = await visitor.post(url, entry.form!(f));
        assert.equal(res.statusCode, 401, `${key}: ${res.statusCode}`);
        assert.match(res.body, /Connectez-vous pour accéder à cette page/);
      }
    }
  });

  it('another customer, with the first customer’s ids: not found, and nothing of theirs', async () => {
    let tried = 0;
    for (const [key, entry] of Object.entries(ROUTES)) {
      if (entry.access !== 'customer' || key === 'POST /deconnexion') continue;
      const url = urlOf(key);
      const res = key.startsWith('GET ') ? await customerB.get(url) : await customerB.post(url, entry.form!(f));
      if (entry.other === 'not_found') {
        assert.equal(res.statusCode, 404, `${key} (${url}) as another customer: ${res.statusCode}`);
      } else if (entry.other === 'redirect') {
        assert.equal(res.statusCode, 303, key);
        assert.match(String(res.headers.location), /^\/factures\?erreur=(quote_unknown|paypal_not_configured)$/);
      } else {
        assert.ok(res.statusCode < 500, `${key}: ${res.statusCode}`);
      }
      assertNoneOfA(res.body, res.headers, `${key} as another customer`);
      tried++;
    }
    // Nothing of A's changed.
    assert.equal((await t.container.services.orders.find(f.orderToCancel))?.status, 'draft');
    assert.equal((await t.container.services.accounts.getAccount(f.userA))?.organisation?.name, 'Association matrice-a');
    assert.ok(tried >= 25, `${tried} routes tried`);
  });

  it('a customer on the back office: 403, every route', async () => {
    for (const [key, entry] of Object.entries(ROUTES)) {
      if (entry.access !== 'operator') continue;
      const url = urlOf(key);
      const res = key.startsWith('GET ') ? await customerA.get(url) : await customerA.post(url, entry.form!(f));
      assert.equal(res.statusCode, 403, `${key} as a customer: ${res.statusCode}`);
      assert.match(res.body, /Vous n&#39;avez pas accès à cette page/);
    }
  });

  it('programs’ routes give nothing away: metrics need their token, the webhook its signature', async () => {
    const visitor = new Agent(t.app);
    for (const key of ['GET /healthz', 'GET /readyz', 'GET /favicon.ico', 'GET /static/*', 'GET /static/htmx.min.js']) assert.equal((await visitor.get(urlOf(key))).statusCode, 200, key);
    assert.equal((await visitor.get('/metrics')).statusCode, 404);
    assert.equal((await visitor.get(urlOf('GET /agenda/:token'))).statusCode, 404, 'the calendar feed needs its secret');
    const hook = await t.app.inject({ method: 'POST', url: '/api/paypal/webhook', headers: { host: visitor.host, 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(hook.statusCode, 404, 'PayPal is not configured here');
  });
});

describe('CSRF on every state-changing route', () => {
  /** who legitimately sends this form */
  function actorFor(entry: Entry): Agent {
    if (entry.access === 'operator') return operator;
    if (entry.access === 'customer') return customerA;
    return new Agent(t.app);
  }

  it('no token, another session’s token, another origin: refused (403) — the right request passes', async () => {
    const foreign = await freshToken(customerB);
    const stateChanging = Object.entries(ROUTES).filter(([key]) => !key.startsWith('GET '));
    let checked = 0;
    for (const [key, entry] of stateChanging) {
      if (key === 'POST /api/paypal/webhook') continue; // signed by PayPal instead (skipCsrf), see the webhook tests
      const actor = actorFor(entry);
      const url = urlOf(key);
      const token = await freshToken(actor);
      for (const [what, fields, headers] of [
        ['no token', { ...entry.form!(f), _csrf: null }, {}],
        ['another session’s token', { ...entry.form!(f), _csrf: foreign }, {}],
        ['another origin', { ...entry.form!(f), _csrf: token }, { origin: FOREIGN_ORIGIN }],
        ['same-site, cross-origin', { ...entry.form!(f), _csrf: token }, { 'sec-fetch-site': 'same-site' }],
      ] as const) {
        const res = await actor.post(url, fields, headers);
        assert.equal(res.statusCode, 403, `${key}, ${what}: ${res.statusCode}`);
        assert.match(res.body, CSRF_REFUSED, `${key}, ${what}`);
      }
      checked++;
    }
    // The controls last (some of them do what they say: cancel, sign out, reissue).
    for (const [key, entry] of stateChanging) {
      if (key === 'POST /api/paypal/webhook') continue;
      let actor = actorFor(entry);
      if (entry.freshSession) actor = entry.access === 'customer' ? await signInAgain('matrice-a', 'velo-rouge-2026!') : actor;
      const res = await actor.post(urlOf(key), { ...entry.form!(f), _csrf: await freshToken(actor) }, { origin: `http://${actor.host}`, 'sec-fetch-site': 'same-origin' });
      assert.doesNotMatch(res.body, CSRF_REFUSED, `${key}: the right request was refused as CSRF (${res.statusCode})`);
      assert.ok(res.statusCode < 500, `${key}: ${res.statusCode}`);
    }
    assert.equal(checked, stateChanging.length - 1);
    console.log(`# CSRF refused 4 ways on ${checked} state-changing routes; the webhook is signed instead`);
  });

  async function signInAgain(identifier: string, password: string): Promise<Agent> {
    const agent = new Agent(t.app);
    await agent.get('/connexion');
    assert.equal((await agent.post('/connexion', { identifier, password })).statusCode, 303);
    return agent;
  }
});
