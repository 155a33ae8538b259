/**
 * A person using the portal of a spawned `ecrin serve` over HTTP, for the benchmarks: a cookie jar,
 * the CSRF token of the last page (`<meta name="csrf-token">`, sent back as `_csrf`), form posts.
 * And the customer's whole path to a paid order: sign-up (the welcome mail read from an SMTP sink),
 * password, organisation, order, CGV, validation; the operator's "Enregistrer un règlement".
 */
import type { SmtpSink } from '../../test/support/smtp-sink.ts';
import { Jar, request, signIn, type Answer } from './session.ts';

export class PortalClient {
  readonly port: number;
  readonly host: string;
  jar: Jar;
  csrf: string | null = null;

  constructor(port: number, jar = new Jar()) {
    this.port = port;
    this.host = `portail.localhost:${port}`;
    this.jar = jar;
  }

  #take(a: Answer): Answer {
    this.jar.take(a);
    // A new session (sign-in): the tokens of earlier pages were bound to the old one.
    if (String(a.headers['set-cookie'] ?? '').includes('ecrin_session=')) this.csrf = null;
    const m = /<meta name="csrf-token" content="([^"]+)"/.exec(a.body);
    if (m) this.csrf = m[1]!;
    return a;
  }

  async get(urlPath: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.#take(await request(this.port, 'GET', urlPath, { host: this.host, cookie: this.jar.header(), accept: 'text/html', ...headers }));
  }

  async post(urlPath: string, fields: Record<string, string>): Promise<Answer> {
    if (this.csrf === null) await this.get('/');
    const body = new URLSearchParams({ _csrf: this.csrf ?? '', ...fields }).toString();
    return this.#take(await request(this.port, 'POST', urlPath, { host: this.host, cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body));
  }
}

function expect(a: Answer, status: number, what: string): Answer {
  if (a.status !== status) throw new Error(`${what} → ${a.status} (expected ${status}):\n${a.body.slice(0, 800)}`);
  return a;
}

/** Signs a customer up through the portal (welcome mail from the sink), sets the password and the organisation. */
export async function signUpCustomer(port: number, sink: SmtpSink, alias: string): Promise<PortalClient> {
  const email = `${alias}@example.org`;
  const c = new PortalClient(port);
  await c.get('/inscription');
  expect(await c.post('/inscription', { alias, name: `Camille ${alias}`, email, organisation: `Association ${alias}` }), 200, 'POST /inscription');
  const welcome = await sink.waitFor((m) => m.to.includes(email) && /Bienvenue/.test(m.subject), 30_000);
  const link = /https?:\/\/[^\s"<>]+\/mot-de-passe\/definir\?jeton=[A-Za-z0-9_-]+/.exec(welcome.text)?.[0];
  if (!link) throw new Error(`no password link in the welcome mail:\n${welcome.text}`);
  const url = new URL(link);
  await c.get(url.pathname + url.search);
  const password = 'velo-rouge-2026!';
  expect(await c.post('/mot-de-passe/definir', { jeton: url.searchParams.get('jeton')!, password, password_confirm: password }), 303, 'POST /mot-de-passe/definir');
  await c.get('/compte/personne-morale/modifier');
  expect(
    await c.post('/compte/personne-morale', { name: `Association ${alias}`, legal_form: 'association', registration_number: '', address: '3 place du Marché', postcode: '38420', city: 'Domène', country: 'FR', email: '', phone: '' }),
    303,
    'POST /compte/personne-morale',
  );
  return c;
}

/** Order (Opale, transfer) → CGV → validation; returns the quote number. */
export async function orderAndValidate(c: PortalClient, name: string, adminPassword: string): Promise<{ orderPath: string; quoteNumber: string }> {
  await c.get('/instances/nouvelle');
  const draft = expect(
    await c.post('/instances/nouvelle', { instance_name: name, plan: 'opale', flavour: 'diacamma.asso', password: adminPassword, password_confirm: adminPassword, payment_method: 'transfer' }),
    303,
    'POST /instances/nouvelle',
  );
  const orderPath = String(draft.headers.location);
  await c.get(orderPath);
  expect(await c.post(`${orderPath}/cgv`, { accept: '1' }), 303, `POST ${orderPath}/cgv`);
  const validated = expect(await c.post(`${orderPath}/valider`, {}), 303, `POST ${orderPath}/valider`);
  const quoteNumber = new URL(String(validated.headers.location), 'http://x').searchParams.get('valide');
  if (!quoteNumber) throw new Error(`no quote number in ${validated.headers.location}`);
  return { orderPath, quoteNumber };
}

/** The operator, signed in through the one-time link printed by `ecrin operator create`. */
export async function operatorClient(port: number, linkPath: string): Promise<PortalClient> {
  return new PortalClient(port, await signIn(port, linkPath));
}

/** Today in Paris, as the back office's date field wants it (YYYY-MM-DD). */
export function todayInParis(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
