import assert from 'node:assert/strict';
import { maskLinks } from '../notifications/mail-links.ts';
import { after, before, describe, it } from 'node:test';
import { Agent, linkIn, pathOf } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { MAIL_HTML_CSP } from './backoffice.routes.ts';
import { MailRepository } from '../notifications/mail.repository.ts';

let t: TestApp;
let operator: Agent;
let operatorId: number;
let customer: Agent;
let customerId: number;

async function userByEmail(email: string) {
  return t.container.database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
}

async function mailsOf(userId: number) {
  return t.container.database.db.selectFrom('mail_messages').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').execute();
}

async function signUp(alias: string, email: string, organisation: string, name = 'Camille Martin') {
  const agent = new Agent(t.app);
  await agent.get('/inscription');
  const res = await agent.post('/inscription', { alias, name, email, organisation });
  assert.equal(res.statusCode, 200, res.body);
  return { agent, user: await userByEmail(email) };
}

async function setPasswordFromLink(agent: Agent, link: string, password: string) {
  await agent.get(pathOf(link));
  const jeton = new URL(link).searchParams.get('jeton')!;
  const res = await agent.post('/mot-de-passe/definir', { jeton, password, password_confirm: password });
  assert.equal(res.statusCode, 303, res.body);
  return res;
}

/** Rows of a table body that link to a customer page. */
function customerLinks(body: string): string[] {
  return [...body.matchAll(/<td[^>]*><a href="\/backoffice\/clients\/(\d+)">/g)].map((m) => m[1]!);
}

before(async () => {
  t = await createTestApp();
  const created = await t.container.services.accounts.createOperator('op@example.org');
  assert.ok(created.ok);
  operator = new Agent(t.app);
  const set = await setPasswordFromLink(operator, created.link, 'lanterne-magique-77');
  assert.equal(set.headers.location, '/backoffice?bienvenue=1');
  operatorId = (await userByEmail('op@example.org')).id;

  const signed = await signUp('zoe', 'Zoe.Lambert@Example.org', 'Association des Jardins Partagés');
  customer = signed.agent;
  customerId = signed.user.id;
  const mail = (await mailsOf(customerId))[0]!;
  await setPasswordFromLink(customer, linkIn(mail.text_body, '/mot-de-passe/definir'), 'arrosoir-vert-2026');
});
after(async () => {
  await t?.close();
});

describe('back office access', () => {
  const pages = () => [
    '/backoffice',
    '/backoffice/clients',
    '/backoffice/clients?q=zoe',
    `/backoffice/clients/${customerId}`,
    '/backoffice/courriels',
    '/backoffice/courriels/1',
    '/backoffice/courriels/1/html',
    '/backoffice/journal',
  ];

  it('refuses a customer on every page (403) and sends a visitor to the sign-in page', async () => {
    const visitor = new Agent(t.app);
    for (const url of pages()) {
      const asCustomer = await customer.get(url);
      assert.equal(asCustomer.statusCode, 403, `customer on ${url}`);
      assert.doesNotMatch(asCustomer.body, /Zoe\.Lambert@Example\.org|Jardins Partagés/, `nothing leaks on ${url}`);
      const asVisitor = await visitor.get(url);
      assert.equal(asVisitor.statusCode, 303, `visitor on ${url}`);
      assert.equal(asVisitor.headers.location, `/connexion?retour=${encodeURIComponent(url)}`);
    }
    const retry = await customer.post('/backoffice/courriels/1/renvoyer', {});
    assert.equal(retry.statusCode, 403);
    const anonymous = await visitor.post('/backoffice/courriels/1/renvoyer', {});
    assert.equal(anonymous.statusCode, 401);
  });

  it('shows the back office link and the dashboard to the operator only', async () => {
    const home = await operator.get('/backoffice?bienvenue=1');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Bienvenue dans le back office/);
    assert.match(home.body, /Aucun serveur SMTP n&#39;est configuré : les courriels sont conservés dans la boîte d&#39;envoi ci-dessous/);
    assert.match(home.body, /href="\/backoffice\/clients"/);
    assert.match(home.body, /href="\/backoffice\/courriels"/);
    assert.match(home.body, /href="\/backoffice\/journal"/);
    const plain = await operator.get('/backoffice');
    assert.doesNotMatch(plain.body, /Bienvenue dans le back office/);
    assert.doesNotMatch((await customer.get('/espace')).body, /href="\/backoffice"/);
  });

  it('counts customers, recent sign-ups and pending mail on the dashboard', async () => {
    const db = t.container.database.db;
    const customers = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'customer').executeTakeFirstOrThrow();
    const pending = await db.selectFrom('mail_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    assert.ok(Number(pending.n) > 0);
    const body = (await operator.get('/backoffice')).body;
    const tile = (label: string) => new RegExp(`${label}</span><br><strong>(\\d+)</strong>`).exec(body)?.[1];
    assert.equal(tile('Clients'), String(customers.n));
    assert.equal(tile('Inscriptions des 7 derniers jours'), String(customers.n));
    assert.equal(tile('Courriels en attente'), String(pending.n));
  });
});

describe('customers', () => {
  it('lists customers and finds them by organisation or e-mail, whatever the case', async () => {
    await signUp('bruno', 'bruno@example.org', 'Club de Tennis de Quimper');
    const all = await operator.get('/backoffice/clients');
    assert.equal(all.statusCode, 200);
    assert.match(all.body, />zoe</);
    assert.match(all.body, />bruno</);

    const byOrg = await operator.get('/backoffice/clients?q=' + encodeURIComponent('jardins PARTAG'));
    assert.match(byOrg.body, />zoe</);
    assert.doesNotMatch(byOrg.body, />bruno</);
    assert.deepEqual(customerLinks(byOrg.body), [String(customerId)]);

    const byMail = await operator.get('/backoffice/clients?q=' + encodeURIComponent('ZOE.LAMBERT@example'));
    assert.deepEqual(customerLinks(byMail.body), [String(customerId)]);

    const none = await operator.get('/backoffice/clients?q=' + encodeURIComponent('introuvable%_'));
    assert.deepEqual(customerLinks(none.body), []);
    assert.match(none.body, /Aucun client ne correspond à « introuvable%_ »/);
  });

  it('pages the list 25 by 25', async () => {
    const { accounts } = t.container.services;
    for (let i = 1; i <= 27; i++) {
      const n = String(i).padStart(2, '0');
      const res = await accounts.signUp(
        { alias: `pagi${n}`, name: `Personne ${n}`, email: `pagi${n}@example.org`, organisation: `Pagination Org ${n}`, locale: 'fr' },
        { ip: null, userAgent: null },
      );
      assert.ok(res.ok);
    }
    const first = await operator.get('/backoffice/clients?q=pagination+org');
    assert.equal(customerLinks(first.body).length, 25);
    assert.match(first.body, /27 résultat\(s\)/);
    assert.match(first.body, /Page 1 sur 2/);
    assert.match(first.body, /href="\/backoffice\/clients\?q=pagination\+org&amp;page=2" rel="next"/);
    const second = await operator.get('/backoffice/clients?q=pagination+org&page=2');
    assert.equal(customerLinks(second.body).length, 2);
    assert.match(second.body, /Page 2 sur 2/);
    assert.doesNotMatch(second.body, /rel="next"/);
    assert.match(second.body, /rel="prev"/);
    const shown = new Set([...customerLinks(first.body), ...customerLinks(second.body)]);
    assert.equal(shown.size, 27, 'no customer shown twice, none missing');
    const beyond = await operator.get('/backoffice/clients?q=pagination+org&page=9');
    assert.equal(beyond.statusCode, 200);
    assert.deepEqual(customerLinks(beyond.body), []);
  });

  it('shows a customer with the organisation, the audit entries and the mails', async () => {
    const res = await operator.get(`/backoffice/clients/${customerId}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Client zoe/);
    assert.match(res.body, /Zoe\.Lambert@Example\.org/);
    assert.match(res.body, /Association des Jardins Partagés/);
    assert.match(res.body, /France \(FR\)/);
    assert.match(res.body, /<code class="muted">signup<\/code>/);
    assert.match(res.body, /<code class="muted">password\.set<\/code>/);
    assert.match(res.body, /accounts\.welcome/);
    assert.doesNotMatch(res.body, /lien non encore utilisé/, 'zoe used her link');

    const bruno = await userByEmail('bruno@example.org');
    const unverified = await operator.get(`/backoffice/clients/${bruno.id}`);
    assert.match(unverified.body, /lien non encore utilisé/);
    assert.match(unverified.body, /Club de Tennis de Quimper/);
    assert.doesNotMatch(unverified.body, /Jardins Partagés/, 'only this customer’s entries');
  });

  it('answers 404 for an unknown, malformed or operator id', async () => {
    for (const url of ['/backoffice/clients/999999', '/backoffice/clients/abc', '/backoffice/clients/1e3', `/backoffice/clients/${operatorId}`, '/backoffice/clients/99999999999999']) {
      const res = await operator.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(res.body, /Page introuvable/);
    }
  });

  it('escapes what customers typed', async () => {
    const { user } = await signUp('xss', 'xss@example.org', '<script>alert(2)</script> Asso', '<img src=x onerror=alert(1)>');
    const list = await operator.get('/backoffice/clients?q=xss');
    assert.match(list.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(list.body, /&lt;script&gt;alert\(2\)&lt;\/script&gt; Asso/);
    assert.doesNotMatch(list.body, /<img src=x|<script>alert/);
    const detail = await operator.get(`/backoffice/clients/${user.id}`);
    assert.match(detail.body, /&lt;script&gt;alert\(2\)/);
    assert.doesNotMatch(detail.body, /<img src=x|<script>alert/);
  });
});

describe('mail outbox', () => {
  it('lists the welcome mails and shows a message with its text and its sandboxed HTML', async () => {
    const list = await operator.get('/backoffice/courriels');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<td[^>]*>xss@example\.org<\/td>/, 'newest first');
    assert.doesNotMatch(list.body, /Zoe\.Lambert@Example\.org/, 'older mail on a later page');
    assert.match(list.body, /accounts\.welcome/);
    assert.match(list.body, /href="\/backoffice\/courriels\?page=2" rel="next"/);
    const second = await operator.get('/backoffice/courriels?page=2');
    assert.match(second.body, /Zoe\.Lambert@Example\.org/);
    assert.match(list.body, /<span class="badge warn">en attente<\/span>/);
    assert.match(list.body, /Aucun serveur SMTP n&#39;est configuré/);

    const found = await operator.get('/backoffice/courriels?q=' + encodeURIComponent('zoe.LAMBERT'));
    assert.match(found.body, /Zoe\.Lambert@Example\.org/);
    assert.doesNotMatch(found.body, /bruno@example\.org/);
    const none = await operator.get('/backoffice/courriels?q=nobody-at-all');
    assert.match(none.body, /Aucun courriel ne correspond/);

    const mail = (await mailsOf(customerId)).find((m) => m.template === 'accounts.welcome')!;
    const page = await operator.get(`/backoffice/courriels/${mail.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<pre class="mail">Bonjour Camille Martin,/);
    assert.match(page.body, /Votre alias de connexion est : zoe/);
    assert.match(page.body, /<iframe sandbox="" srcdoc="&lt;!doctype html&gt;/);
    assert.doesNotMatch(page.body, /<body style=/, 'the HTML part is never injected raw');
    assert.doesNotMatch(page.body, /Renvoyer/, 'no retry for a message that has not failed');

    const alone = await operator.get(`/backoffice/courriels/${mail.id}/html`);
    assert.equal(alone.statusCode, 200);
    assert.equal(alone.body, maskLinks(mail.html_body), 'the single-use link masked');
    assert.doesNotMatch(alone.body, /jeton=[A-Za-z0-9_-]{43}/);
    assert.equal(alone.headers['content-security-policy'], MAIL_HTML_CSP);
    assert.match(String(alone.headers['content-security-policy']), /^default-src 'none'; style-src 'unsafe-inline'; img-src data:/);
    assert.match(String(alone.headers['content-type']), /^text\/html/);

    for (const url of ['/backoffice/courriels/999999', '/backoffice/courriels/x', '/backoffice/courriels/999999/html']) {
      assert.equal((await operator.get(url)).statusCode, 404, url);
    }
  });

  it('escapes HTML in subjects and bodies', async () => {
    const db = t.container.database.db;
    const id = await new MailRepository(t.container.database.db).insert(db, {
      recipients: ['evil@example.org'],
      subject: '<b>Sujet</b> <img src=x onerror=alert(3)>',
      text: '<script>alert(4)</script>',
      html: '<p>"quoted" & <script>alert(5)</script></p>',
      template: 'test.evil',
      userId: null,
      now: t.container.clock.now(),
    });
    const list = await operator.get('/backoffice/courriels?q=evil');
    assert.match(list.body, /&lt;b&gt;Sujet&lt;\/b&gt; &lt;img src=x/);
    assert.doesNotMatch(list.body, /<b>Sujet|<img src=x/);
    const page = await operator.get(`/backoffice/courriels/${id}`);
    assert.match(page.body, /<pre class="mail">&lt;script&gt;alert\(4\)&lt;\/script&gt;<\/pre>/);
    assert.match(page.body, /srcdoc="&lt;p&gt;&quot;quoted&quot; &amp; &lt;script&gt;alert\(5\)/);
    assert.doesNotMatch(page.body, /<script>alert|<img src=x|<b>Sujet/);
  });

  it('sends a failed message again, with an audit entry, and only with the CSRF token', async () => {
    const db = t.container.database.db;
    const mail = (await mailsOf(customerId)).find((m) => m.template === 'accounts.welcome')!;
    await db.updateTable('mail_messages').set({ status: 'failed', last_error: 'boom' }).where('id', '=', mail.id).execute();

    const list = await operator.get('/backoffice/courriels?q=zoe.lambert');
    assert.match(list.body, /<span class="badge err">en échec<\/span><br><span class="muted">boom<\/span>/);
    const page = await operator.get(`/backoffice/courriels/${mail.id}`);
    assert.match(page.body, new RegExp(`<form method="post" action="/backoffice/courriels/${mail.id}/renvoyer">\\s*<input type="hidden" name="_csrf"`));
    assert.match(page.body, /Renvoyer/);
    const dashboard = await operator.get('/backoffice');
    assert.match(dashboard.body, /Courriels en échec<\/span><br><strong>1<\/strong>/);

    const forged = await operator.post(`/backoffice/courriels/${mail.id}/renvoyer`, { _csrf: null });
    assert.equal(forged.statusCode, 403);
    const still = await db.selectFrom('mail_messages').selectAll().where('id', '=', mail.id).executeTakeFirstOrThrow();
    assert.equal(still.status, 'failed');

    await operator.get(`/backoffice/courriels/${mail.id}`);
    const res = await operator.post(`/backoffice/courriels/${mail.id}/renvoyer`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/backoffice/courriels/${mail.id}?renvoye=1`);
    const after = await db.selectFrom('mail_messages').selectAll().where('id', '=', mail.id).executeTakeFirstOrThrow();
    assert.equal(after.status, 'pending');
    assert.equal(after.last_error, null);
    const entries = await db.selectFrom('audit_log').selectAll().where('action', '=', 'mail.retried').execute();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.actor_user_id, operatorId);
    assert.deepEqual(entries[0]!.details, { messageId: mail.id });
    const shown = await operator.get(res.headers.location!);
    assert.match(shown.body, /Le courriel a été remis dans la file d’envoi/);

    const again = await operator.post(`/backoffice/courriels/${mail.id}/renvoyer`, {});
    assert.equal(again.headers.location, `/backoffice/courriels/${mail.id}?renvoye=0`);
    const count = await db.selectFrom('audit_log').select('id').where('action', '=', 'mail.retried').execute();
    assert.equal(count.length, 1, 'nothing to retry, nothing recorded');

    assert.equal((await operator.post('/backoffice/courriels/999999/renvoyer', {})).statusCode, 404);
  });
});

describe('audit log', () => {
  it('lists entries newest first, filters by action, links customers', async () => {
    const all = await operator.get('/backoffice/journal');
    assert.equal(all.statusCode, 200);
    const codes = [...all.body.matchAll(/<code class="muted">([a-z._]+)<\/code>/g)].map((m) => m[1]);
    assert.equal(codes.length, 25, 'a full first page');
    assert.match(all.body, /rel="next"/);
    assert.equal(codes[0], 'mail.retried', 'newest first');

    const filtered = await operator.get('/backoffice/journal?action=mail.retried');
    const only = [...filtered.body.matchAll(/<code class="muted">([a-z._]+)<\/code>/g)].map((m) => m[1]);
    assert.deepEqual(only, ['mail.retried']);
    assert.match(filtered.body, /<option value="mail\.retried" selected>/);
    assert.match(filtered.body, /\{&quot;messageId&quot;:\d+\}/);
    assert.match(filtered.body, new RegExp(`<td[^>]*><a href="/backoffice/clients/${customerId}">zoe</a></td>`), 'subject links to the customer');
    const opAlias = (await userByEmail('op@example.org')).alias;
    assert.match(filtered.body, new RegExp(`<td[^>]*>${opAlias}</td>`), 'the operator is shown without a customer link');

    const signups = await operator.get('/backoffice/journal?action=signup&page=2');
    const signupCodes = [...signups.body.matchAll(/<code class="muted">([a-z._]+)<\/code>/g)].map((m) => m[1]);
    assert.ok(signupCodes.length > 0 && signupCodes.every((c) => c === 'signup'));
    assert.match(signups.body, /href="\/backoffice\/journal\?action=signup" rel="prev"/);

    const bogus = await operator.get('/backoffice/journal?action=' + encodeURIComponent('<x>'));
    assert.equal(bogus.statusCode, 200);
    assert.doesNotMatch(bogus.body, /<x>/);
  });

  it('speaks English too', async () => {
    const en = await operator.get('/backoffice/journal?lang=en');
    assert.match(en.body, /<h1>Audit log<\/h1>/);
    assert.match(en.body, /All actions/);
    const fr = await operator.get('/backoffice?lang=fr');
    assert.match(fr.body, /Tableau de bord/);
  });
});
