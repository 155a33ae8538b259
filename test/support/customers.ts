import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../src/container.ts';
import { Agent, linkIn, pathOf } from './agent.ts';

/** What these helpers need: an app to inject into and its container (a TestApp, or a real server). */
export interface AppAndContainer {
  app: FastifyInstance;
  container: Container;
}

/** The last mail sent to an address, from the mail records. */
export async function lastMailTo(t: Pick<AppAndContainer, 'container'>, email: string, template?: string) {
  let q = t.container.database.db
    .selectFrom('mail_messages')
    .selectAll()
    .where((eb) => eb(eb.val(email), '=', eb.fn.any('recipients')));
  if (template) q = q.where('template', '=', template);
  const rows = await q.orderBy('id', 'desc').limit(1).execute();
  assert.ok(rows[0], `no mail${template ? ` ${template}` : ''} to ${email}`);
  return rows[0];
}

/** A customer signed up through the portal, password set, signed in; the organisation filled in. */
export async function signedInCustomer(t: AppAndContainer, alias: string, opts: { password?: string; organisation?: Record<string, string> } = {}): Promise<Agent> {
  const email = `${alias}@example.org`;
  const password = opts.password ?? 'velo-rouge-2026!';
  const agent = new Agent(t.app);
  agent.host = new URL(t.container.urls.portal()).host;
  await agent.get('/inscription');
  const res = await agent.post('/inscription', { alias, name: `Camille ${alias}`, email, organisation: `Association ${alias}` });
  assert.equal(res.statusCode, 200, res.body);
  const welcome = await lastMailTo(t, email, 'accounts.welcome');
  // Delivered over SMTP, the stored copy has lost its link (docs/security.md): read it from the SMTP sink instead.
  assert.equal(welcome.link_masked_at, null, `the welcome mail to ${email} was delivered over SMTP: its stored copy holds no link`);
  const link = linkIn(welcome.text_body, '/mot-de-passe/definir');
  await agent.get(pathOf(link));
  const set = await agent.post('/mot-de-passe/definir', { jeton: new URL(link).searchParams.get('jeton')!, password, password_confirm: password });
  assert.equal(set.statusCode, 303, set.body);
  await agent.get('/compte/personne-morale/modifier');
  const org = await agent.post('/compte/personne-morale', {
    name: `Association ${alias}`,
    legal_form: 'association',
    registration_number: '',
    address: '3 place du Marché',
    postcode: '38420',
    city: 'Domène',
    country: 'FR',
    email: '',
    phone: '',
    current_password: password,
    ...opts.organisation,
  });
  assert.equal(org.statusCode, 303, org.body);
  // An organisation address is used once confirmed from the link sent to it: follow it.
  const orgEmail = opts.organisation?.email;
  if (orgEmail) {
    const confirm = linkIn((await lastMailTo(t, orgEmail, 'accounts.confirm_email')).text_body, '/courriel/confirmer');
    await agent.get(pathOf(confirm));
    const done = await agent.post('/courriel/confirmer', { jeton: new URL(confirm).searchParams.get('jeton')! });
    assert.equal(done.statusCode, 200, done.body);
  }
  return agent;
}

/** An operator account, signed in. */
export async function signedInOperator(t: AppAndContainer, email = 'ops@example.org'): Promise<Agent> {
  const created = await t.container.services.accounts.createOperator(email);
  assert.ok(created.ok);
  const agent = new Agent(t.app);
  await agent.get(pathOf(created.link));
  const res = await agent.post('/mot-de-passe/definir', { jeton: new URL(created.link).searchParams.get('jeton')!, password: 'lanterne-magique-77', password_confirm: 'lanterne-magique-77' });
  assert.equal(res.statusCode, 303, res.body);
  return agent;
}

/** The validation step as the signed-in customers above fill it: their address, the CGV box ticked. */
export const VALIDATION_FORM = { legal_form: 'association', registration_number: '', address: '3 place du Marché', postcode: '38420', city: 'Domène', country: 'FR', accept: '1', cgv_version: '1' } as const;

/** The validation step as the order page prefills it (from "Personne morale"), the CGV box ticked. */
export function prefilledValidation(body: string): Record<string, string> {
  const decode = (v: string) => v.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const input = (name: string) => decode(new RegExp(`name="${name}" type="[a-z]+" value="([^"]*)"`).exec(body)?.[1] ?? '');
  const select = (name: string) => {
    const block = new RegExp(`<select id="f-${name}" name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(body)?.[1] ?? '';
    return /<option value="([^"]*)" selected>/.exec(block)?.[1] ?? '';
  };
  return {
    legal_form: select('legal_form'),
    registration_number: input('registration_number'),
    address: input('address'),
    postcode: input('postcode'),
    city: input('city'),
    country: select('country'),
    accept: '1',
    cgv_version: cgvVersionShown(body),
  };
}

/** The CGV version an order page asks the customer to accept. */
export function cgvVersionShown(body: string): string {
  const m = /name="cgv_version" value="(\d+)"/.exec(body);
  assert.ok(m, 'the order page offers no CGV to accept');
  return m[1]!;
}

/** Order → CGV → validation, through the portal; returns the order id and the quote number. */
export async function orderAndValidate(t: AppAndContainer, agent: Agent, name: string, plan = 'opale', paymentMethod = 'transfer'): Promise<{ orderId: number; quoteNumber: string }> {
  await agent.get('/instances/nouvelle');
  const draft = await agent.post('/instances/nouvelle', { instance_name: name, plan, flavour: 'diacamma.asso', password: 'tournesol-geant-42', password_confirm: 'tournesol-geant-42', payment_method: paymentMethod });
  assert.equal(draft.statusCode, 303, draft.body);
  const orderPath = String(draft.headers.location);
  const orderId = Number(orderPath.split('/').pop());
  const page = await agent.get(orderPath);
  const validated = await agent.post(`${orderPath}/valider`, prefilledValidation(page.body));
  assert.equal(validated.statusCode, 303, validated.body);
  const quoteNumber = new URL(String(validated.headers.location), 'http://x').searchParams.get('valide')!;
  return { orderId, quoteNumber };
}
