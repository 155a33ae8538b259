import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';
import { Agent, linkIn, pathOf } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { lastMailTo, orderAndValidate, prefilledValidation, signedInCustomer, signedInOperator } from '../support/customers.ts';
import { formsOf, typedFields, valuesOf, type PageForm } from '../support/html-forms.ts';
import { paidOrder } from '../support/paid-order.ts';
import { SiteDriver } from '../support/site-driver.ts';

/**
 * Input hygiene in one place: every text field of every form of the portal and the back office,
 * found on the pages themselves, refuses a NUL (it was a 500: PostgreSQL refuses NUL in text) with a
 * French 422 naming the field; line breaks in one-line fields and bidi overrides likewise; text
 * areas keep their lines. Fastify's own errors go through the French page with the security
 * headers; several Host headers are refused; reserved and look-alike instance names are refused;
 * a customer holds at most 3 validated unpaid orders.
 */
let t: TestApp;
let customer: Agent;
let operator: Agent;
let setupLink: string;
let signupLink: string;
let draftId: number;
let instanceId: number;
let quoteNumber: string;
let invoiceNumber: string;

before(async () => {
  t = await createTestApp({ driver: new SiteDriver((_n, _req, res) => res.end('ok')) });
  setupLink = pathOf((await t.container.services.accounts.firstOperatorLink())!);
  customer = await signedInCustomer(t, 'hygiene');
  const paid = await paidOrder(t, customer, 'hygiene-site');
  await provisionInstance(t.container.deps, paid.orderId);
  instanceId = (await t.container.services.instances.findByName('hygiene-site'))!.id;
  invoiceNumber = (await t.container.services.billing.invoiceForQuote((await t.container.services.billing.findDocument({ number: paid.quoteNumber }))!.id))!.number;
  quoteNumber = (await orderAndValidate(t, customer, 'hygiene-devis')).quoteNumber;
  await customer.get('/instances/nouvelle');
  const draft = await customer.post('/instances/nouvelle', { instance_name: 'hygiene-brouillon', plan: 'opale', flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' });
  draftId = Number(String(draft.headers.location).split('/').pop());
  const visitor = new Agent(t.app);
  await visitor.get('/inscription');
  await visitor.post('/inscription', { alias: 'nouvelle', name: 'Nouvelle', email: 'nouvelle@example.org', organisation: 'Asso nouvelle' });
  signupLink = pathOf(linkIn((await lastMailTo(t, 'nouvelle@example.org', 'accounts.welcome')).text_body, '/mot-de-passe/definir'));
  operator = await signedInOperator(t);
});
after(async () => {
  await t.close();
});

/** The pages whose forms are checked, and who opens them. */
function pages(): { who: () => Agent; path: string }[] {
  const anonymous = () => new Agent(t.app);
  return [
    { who: anonymous, path: '/inscription' },
    { who: anonymous, path: '/connexion' },
    { who: anonymous, path: '/mot-de-passe-oublie' },
    { who: anonymous, path: signupLink },
    { who: anonymous, path: setupLink },
    { who: () => customer, path: '/compte' },
    { who: () => customer, path: '/compte/personne/modifier' },
    { who: () => customer, path: '/compte/personne-morale/modifier' },
    { who: () => customer, path: '/instances/nouvelle' },
    { who: () => customer, path: `/commandes/${draftId}/modifier` },
    { who: () => customer, path: `/commandes/${draftId}` },
    { who: () => customer, path: `/instances/${instanceId}` },
    { who: () => operator, path: '/backoffice/clients' },
    { who: () => operator, path: '/backoffice/courriels' },
    { who: () => operator, path: '/backoffice/journal' },
    { who: () => operator, path: '/backoffice/commandes' },
    { who: () => operator, path: '/backoffice/documents' },
    { who: () => operator, path: `/backoffice/documents/${quoteNumber}` },
    { who: () => operator, path: `/backoffice/documents/${invoiceNumber}` },
    { who: () => operator, path: '/backoffice/reglages' },
    { who: () => operator, path: '/backoffice/forfaits' },
    { who: () => operator, path: '/backoffice/instances' },
  ];
}

async function submit(agent: Agent, form: PageForm, values: Record<string, string>) {
  if (form.method === 'GET') return agent.get(`${form.action}?${new URLSearchParams(values).toString()}`);
  return agent.post(form.action, values);
}

describe('every text field of every form', () => {
  it('refuses a NUL with a French 422 naming the field, and stores nothing', async () => {
    let checked = 0;
    const auditBefore = await t.container.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    for (const p of pages()) {
      const agent = p.who();
      const page = await agent.get(p.path);
      assert.equal(page.statusCode, 200, `${p.path}: ${page.statusCode}`);
      const forms = formsOf(page.body).filter((f) => typedFields(f).length > 0);
      for (const form of forms) {
        for (const field of typedFields(form)) {
          const res = await submit(agent, form, valuesOf(form, { [field.name]: `abc\u0000def` }));
          assert.equal(res.statusCode, 422, `${form.method} ${form.action} ${field.name}: ${res.statusCode}\n${res.body.slice(0, 300)}`);
          assert.match(res.body, /contient un caractère nul/, `${form.action} ${field.name}`);
          assert.match(res.body, /<html lang="fr">/);
          assert.doesNotMatch(res.body, /at [\w.]+ \(|stack/i);
          checked++;
        }
      }
    }
    const auditAfter = await t.container.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(auditAfter.n), Number(auditBefore.n), 'no refused submission did anything');
    assert.ok(checked >= 60, `only ${checked} fields checked`);
    console.log(`# NUL refused in ${checked} text fields of ${pages().length} pages`);
  });

  it('names the field in the reader’s language', async () => {
    await customer.get('/compte/personne-morale/modifier');
    const res = await customer.post('/compte/personne-morale', { name: 'Asso\u0000', country: 'FR' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Le champ « Nom » contient un caractère nul/);
    // Sent by htmx for the panel: the error page takes the page's main instead (not swapped into the form).
    const partial = await customer.post('/compte/personne-morale', { name: 'Asso\u0000', country: 'FR' }, { 'hx-request': 'true' });
    assert.equal(partial.statusCode, 422);
    assert.deepEqual([partial.headers['hx-retarget'], partial.headers['hx-reselect'], partial.headers['hx-reswap']], ['#main', '#main', 'outerHTML']);
    assert.match(partial.body, /Rechargez la page pour retrouver le formulaire/);
    const en = await customer.post('/compte/personne-morale?lang=en', { name: 'Asso\u0000', country: 'FR' });
    assert.match(en.body, /The field “Name” holds a NUL character/);
    await customer.get('/compte?lang=fr');
  });

  it('refuses line breaks in one-line fields and bidi overrides anywhere; text areas keep their lines', async () => {
    await customer.get('/compte/personne-morale/modifier');
    const crlf = await customer.post('/compte/personne-morale', { name: 'Asso\r\nBcc: x@example.org', country: 'FR' });
    assert.equal(crlf.statusCode, 422);
    assert.match(crlf.body, /tient sur une seule ligne/);
    const bidi = await customer.post('/compte/personne-morale', { name: 'facture\u202Efdp.exe', country: 'FR' });
    assert.equal(bidi.statusCode, 422);
    assert.match(bidi.body, /inverse le sens d’écriture/);
    const search = await operator.get('/backoffice/clients?q=%E2%80%AEabc');
    assert.equal(search.statusCode, 422, 'in a query string too');
    // The operator's postal address is a text area: its line breaks are wanted.
    const page = await operator.get('/backoffice/reglages');
    const form = formsOf(page.body).find((f) => f.action === '/backoffice/reglages/identite')!;
    const saved = await operator.post(form.action, valuesOf(form, { address: '12 rue Marius Charles\nBâtiment B' }));
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
    assert.equal((await t.container.services.settings.operatorIdentity()).address, '12 rue Marius Charles\nBâtiment B');
  });
});

describe('Fastify’s own errors and the Host header', () => {
  let port: number;
  before(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });

  function raw(request: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
      socket.on('close', () => resolve(out));
      socket.on('error', () => resolve(out));
    });
  }

  function assertFrenchPage(response: string, status: number, sentence: RegExp) {
    const [head = '', body = ''] = response.split('\r\n\r\n', 2);
    assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), head);
    assert.match(head, /content-type: text\/html; charset=utf-8/i);
    assert.match(head, /content-security-policy: default-src 'self'/i, 'with the security headers');
    assert.match(head, /x-content-type-options: nosniff/i);
    assert.match(head, /referrer-policy: same-origin/i);
    assert.match(body, /<html lang="fr">/);
    assert.match(body, sentence);
    assert.doesNotMatch(body, /"statusCode"|FST_ERR/);
  }

  it('a malformed URL: the French error page, 400', async () => {
    const res = await raw(`GET /faq%zz HTTP/1.1\r\nHost: portail.localhost:${port}\r\nConnection: close\r\n\r\n`);
    assertFrenchPage(res, 400, /Cette adresse web est mal formée/);
  });

  it('an oversized header: the French error page, 431', async () => {
    const res = await raw(`GET / HTTP/1.1\r\nHost: portail.localhost:${port}\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    assertFrenchPage(res, 431, /trop volumineuse/);
  });

  it('a malformed JSON body: the French error page, 400', async () => {
    const res = await raw(`POST /connexion HTTP/1.1\r\nHost: portail.localhost:${port}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{bad}`);
    assertFrenchPage(res, 400, /La demande est incorrecte/);
  });

  it('two Host headers: 400, whichever site they name', async () => {
    const portal = await raw(`GET /faq HTTP/1.1\r\nHost: portail.localhost:${port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    assertFrenchPage(portal, 400, /plusieurs sites à la fois/);
    const instance = await raw(`GET / HTTP/1.1\r\nHost: hygiene-site.localhost:${port}\r\nhost: portail.localhost\r\nConnection: close\r\n\r\n`);
    assertFrenchPage(instance, 400, /plusieurs sites à la fois/);
    const one = await raw(`GET / HTTP/1.1\r\nHost: hygiene-site.localhost:${port}\r\nConnection: close\r\n\r\n`);
    assert.match(one, /^HTTP\/1\.1 200 /, 'one Host header reaches the instance');
  });
});

describe('instance names', () => {
  const form = (instance_name: string) => ({ instance_name, plan: 'opale', flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' });

  it('refuses network names, the portal’s words, the trade name and look-alikes of the portal', async () => {
    await customer.get('/instances/nouvelle');
    for (const name of ['portail-connexion', 'paiement-securise', 'wpad', 'isatap', 'mta-sts', 'autodiscover', 'connexion', 'compte-verification', 'p0rtail', 'paiement-secur1se', 'sleto', 'sleto-asso', 'mon-sleto', 'portail-sleto']) {
      const res = await customer.post('/instances/nouvelle', form(name));
      assert.equal(res.statusCode, 422, name);
      assert.match(res.body, /Ce nom est réservé, ou ressemble trop à une adresse du portail/, name);
    }
  });

  it('still takes ordinary names', async () => {
    await customer.get('/instances/nouvelle');
    for (const name of ['amis-du-velo', 'chorale-de-domene', 'asso-2026']) {
      const res = await customer.post('/instances/nouvelle', form(name));
      assert.equal(res.statusCode, 303, `${name}: ${res.body.slice(0, 200)}`);
      const id = Number(String(res.headers.location).split('/').pop());
      await customer.get(`/commandes/${id}`);
      assert.equal((await customer.post(`/commandes/${id}/annuler`, { confirme: '1' })).statusCode, 303);
    }
  });
});

describe('validated unpaid orders', () => {
  it('at most 3 per customer (the setting), with a clear French message; paying one makes room', async () => {
    const agent = await signedInCustomer(t, 'squatteur');
    const quotes: string[] = [];
    for (const name of ['squat-un', 'squat-deux', 'squat-trois']) quotes.push((await orderAndValidate(t, agent, name)).quoteNumber);
    await agent.get('/instances/nouvelle');
    const draft = await agent.post('/instances/nouvelle', form('squat-quatre'));
    const orderPath = String(draft.headers.location);
    const page = await agent.get(orderPath);
    const refused = await agent.post(`${orderPath}/valider`, prefilledValidation(page.body));
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /Vous avez déjà 3 commandes validées en attente de règlement : c’est le maximum/);
    assert.equal((await t.container.services.orders.find(Number(orderPath.split('/').pop())))?.status, 'draft', 'the draft is kept as it was');
    const mails = await t.container.database.db
      .selectFrom('mail_messages')
      .select('id')
      .where('template', '=', 'billing.quote')
      .where((eb) => eb(eb.val('squatteur@example.org'), '=', eb.fn.any('recipients')))
      .execute();
    assert.equal(mails.length, 3, 'no fourth quote mailed');
    // The operator records the transfer of one: the fourth can be validated.
    const { recordTransfer } = await import('../support/paid-order.ts');
    await recordTransfer(t.container, quotes[0]!);
    const again = await agent.get(orderPath);
    assert.equal((await agent.post(`${orderPath}/valider`, prefilledValidation(again.body))).statusCode, 303);
    // The limit is a setting of the back office ("Facturation").
    await t.container.services.settings.updateBilling({ maxUnpaidOrders: 4 });
    assert.equal((await t.container.services.settings.billing()).maxUnpaidOrders, 4);
    await t.container.services.settings.updateBilling({ maxUnpaidOrders: 3 });
  });

  function form(instance_name: string) {
    return { instance_name, plan: 'opale', flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' };
  }
});
