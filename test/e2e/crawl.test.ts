/**
 * Every portal page is reachable by links: starting at "/", a visitor, a customer (with a draft, a
 * validated and a paid order, its instance live) and the operator follow every link they are shown; each GET route of
 * the application (enumerated from Fastify as it registers them) must have been reached by one of
 * them, unless the route says how else it is reached (an e-mail, htmx, PayPal's redirect, a program:
 * see src/web/route-table.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { routeTable } from '../../src/web/route-table.ts';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { orderAndValidate, prefilledValidation, signedInCustomer, signedInOperator } from '../support/customers.ts';
import { paidOrder } from '../support/paid-order.ts';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';
import { endInstance } from '../../src/modules/archives/use-cases/end-instance.ts';
import { supportQuoteFor, supportRequest } from '../support/support-requests.ts';
import { answerSupportQuote } from '../../src/modules/support/use-cases/answer-support-quote.ts';
import { planSession } from '../../src/modules/support/use-cases/plan-session.ts';

const MAX_PAGES = 600;

let t: TestApp;
let dataDir: string;
before(async () => {
  // A real instance is made (its page offers "Changer de forfait"): its own data directory, a port for its front door.
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-crawl-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  t.container.urls.setPublicPort(Number(new URL(address).port));
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The links of a page: `<a href>` on the portal's own host, without the language switch. */
function linksOf(body: string, host: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/<a\s[^>]*?href="([^"]+)"/g)) {
    const href = m[1]!.replace(/&amp;/g, '&');
    if (href.startsWith('mailto:') || href.startsWith('#')) continue;
    const u = new URL(href, `http://${host}/`);
    if (u.host !== host || u.searchParams.has('lang')) continue;
    out.push(u.pathname + u.search);
  }
  return out;
}

/**
 * Follows every link from "/" (redirects included); returns the paths answered 2xx. Links to pages
 * reached from e-mails (the outbox shows the mails, with their single-use links) are not followed.
 */
async function crawl(agent: Agent, emailRoutes: readonly string[]): Promise<{ reached: Set<string>; broken: string[] }> {
  const seen = new Set<string>(['/']);
  const queue = ['/'];
  const reached = new Set<string>();
  const broken: string[] = [];
  while (queue.length > 0 && seen.size < MAX_PAGES) {
    const url = queue.shift()!;
    const res = await agent.get(url);
    const next: string[] = [];
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) next.push(String(res.headers.location));
    else if (res.statusCode >= 200 && res.statusCode < 300) {
      reached.add(url.split('?', 1)[0]!);
      if (String(res.headers['content-type']).startsWith('text/html')) next.push(...linksOf(res.body, agent.host));
    } else broken.push(`${res.statusCode} ${url}`);
    for (const n of next) {
      const u = new URL(n, `http://${agent.host}/`);
      if (u.host !== agent.host) continue;
      const key = u.pathname + u.search;
      if (emailRoutes.some((r) => matches(r, u.pathname))) continue;
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(key);
      }
    }
  }
  assert.ok(seen.size < MAX_PAGES, `the crawl stopped at ${MAX_PAGES} pages`);
  return { reached, broken };
}

function matches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/:[A-Za-z]+/g, '[^/]+').replace(/\*/g, '.*')}/?$`);
  return re.test(path);
}

describe('every portal page is reachable by links', () => {
  const reached = new Set<string>();
  const broken: string[] = [];

  before(async () => {
    const customer = await signedInCustomer(t, 'explorateur');
    await customer.get('/instances/nouvelle');
    await customer.post('/instances/nouvelle', { instance_name: 'brouillon-crawl', plan: 'opale', flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' });
    await orderAndValidate(t, customer, 'valide-crawl');
    const { quoteNumber, orderId } = await paidOrder(t, customer, 'payee-crawl');
    // Live, with an archive: its page, its export and its restore form are linked.
    await provisionInstance(t.container.deps, orderId);
    await t.container.services.archives.createArchive((await t.container.services.instances.findByName('payee-crawl'))!, 'archive-crawl', 'created', null);
    // Ended: its final archive is linked from "Archives finales".
    const ended = await paidOrder(t, customer, 'finie-crawl');
    await provisionInstance(t.container.deps, ended.orderId);
    assert.ok((await endInstance(t.container.deps, { instanceId: (await t.container.services.instances.findByName('finie-crawl'))!.id, reason: 'customer' })).ok);
    const operator = await signedInOperator(t);
    const invoice = (await t.container.services.billing.invoiceForQuote((await t.container.services.billing.findDocument({ number: quoteNumber }))!.id))!;
    await operator.get(`/backoffice/documents/${invoice.number}`);
    assert.equal((await operator.post(`/backoffice/documents/${invoice.number}/avoirs`, { amount: '5,00', reason: 'Geste' })).statusCode, 303);

    await supportRequest(t, { email: 'crawl-demande@example.org' });
    const explorer = (await t.container.services.accounts.findUserByEmail('explorateur@example.org'))!.id;
    const opsId = (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
    const supportNumber = await supportQuoteFor(t, explorer, opsId);
    // Accepted, with a session planned: the planning, the session's page and "Vos séances" are linked.
    const explorerUser = (await t.container.services.accounts.getAccount(explorer))!.user;
    const answered = await answerSupportQuote(t.container.deps, { id: explorer, alias: explorerUser.alias, name: explorerUser.name, email: explorerUser.email, role: 'customer', organisationId: null, sessionId: 0 }, supportNumber, { decision: 'accepted', signerName: 'Explorateur', agreed: true, message: '' }, null);
    assert.ok(answered.ok);
    const quoteDoc = (await t.container.services.billing.findDocument({ number: supportNumber }))!;
    const supportRequestId = (await t.container.database.db.selectFrom('support_quotes').select('request_id').where('document_id', '=', quoteDoc.id).executeTakeFirstOrThrow()).request_id;
    const planned = await planSession(t.container.deps, supportRequestId, { topic: 'Exploration', date: '2026-04-10', time: '10:00', duration: '60', format: 'remote_presentation', details: 'https://visio.example.org/crawl', participants: 'explorateur@example.org' }, { operatorId: opsId, ip: null, confirmOverlap: true });
    assert.ok(planned.ok, JSON.stringify(planned));

    // A Diamant request awaiting its quote: the operator's list links to its page.
    await customer.get('/instances/diamant');
    const diamant = await customer.post('/instances/diamant', { instance_name: 'diamant-crawl', flavour: 'diacamma.asso', needs: 'Cent personnes à la fois.', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: 'transfer' });
    const diamantPath = String(diamant.headers.location);
    assert.equal((await customer.post(`${diamantPath}/demander`, prefilledValidation((await customer.get(diamantPath)).body))).statusCode, 303);

    const visitor = new Agent(t.app);
    visitor.host = new URL(t.container.urls.portal()).host;
    const emailRoutes = routeTable(t.app).filter((r) => r.reach === 'email').map((r) => r.url);
    for (const agent of [visitor, customer, operator]) {
      const r = await crawl(agent, emailRoutes);
      for (const p of r.reached) reached.add(p);
      broken.push(...r.broken);
    }
  });

  it('reaches every page of the route table from "/"', () => {
    const pages = routeTable(t.app).filter((r) => r.method === 'GET' && r.reach === 'link');
    assert.ok(pages.length >= 25, `${pages.length} pages in the route table`);
    const unreached = pages.filter((r) => ![...reached].some((p) => matches(r.url, p))).map((r) => r.url);
    assert.deepEqual(unreached, [], `portal pages no link leads to:\n${unreached.join('\n')}`);
  });

  it('finds no broken link on the way', () => {
    assert.deepEqual(broken, []);
  });

  it('fails on a page no link leads to (the check is not vacuous)', () => {
    const orphan = { method: 'GET', url: '/page-orpheline', reach: 'link' as const };
    assert.equal([...reached].some((p) => matches(orphan.url, p)), false);
    assert.equal(matches('/commandes/:id', '/commandes/12'), true);
    assert.equal(matches('/commandes/:id', '/commandes/12/modifier'), false);
  });
});
