import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMailTransport } from '../../src/platform/mail/transport.ts';
import { customerRecipients } from '../../src/modules/notifications/recipients.ts';
import { Agent, linkIn, pathOf } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { lastMailTo, signedInCustomer, signedInOperator } from '../support/customers.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

/**
 * Account recovery that cannot be redirected: reset links go to the person's own address only; a
 * new address (the person's or the organisation's) needs the current password and is used only once
 * a link sent to it is followed, the address in use being told; a password change or reset retires
 * every outstanding link; stored mail keeps no usable link once delivered.
 */
const PASSWORD = 'velo-rouge-2026!';

async function mailsTo(t: TestApp, email: string, template: string) {
  return t.container.database.db
    .selectFrom('mail_messages')
    .selectAll()
    .where('template', '=', template)
    .where((eb) => eb(eb.val(email), '=', eb.fn.any('recipients')))
    .orderBy('id')
    .execute();
}

async function requestReset(t: TestApp, email: string): Promise<string> {
  const agent = new Agent(t.app);
  await agent.get('/mot-de-passe-oublie');
  await agent.post('/mot-de-passe-oublie', { email });
  return linkIn((await lastMailTo(t, email, 'accounts.reset')).text_body, '/mot-de-passe/definir');
}

async function useResetLink(t: TestApp, link: string, password: string) {
  const agent = new Agent(t.app);
  const page = await agent.get(pathOf(link));
  if (page.statusCode !== 200) return page;
  return agent.post('/mot-de-passe/definir', { jeton: new URL(link).searchParams.get('jeton')!, password, password_confirm: password });
}

async function editOrganisation(agent: Agent, fields: Record<string, string>) {
  await agent.get('/compte/personne-morale/modifier');
  return agent.post('/compte/personne-morale', { name: 'Association orga', legal_form: 'association', registration_number: '', address: '3 place du Marché', postcode: '38420', city: 'Domène', country: 'FR', email: '', phone: '', ...fields });
}

describe('account recovery (mail kept in the outbox)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('a reset link used after a password change is refused', async () => {
    const agent = await signedInCustomer(t, 'change');
    const link = await requestReset(t, 'change@example.org');
    await agent.get('/compte');
    const changed = await agent.post('/compte/mot-de-passe', { current: PASSWORD, password: 'nouveau-velo-2027', password_confirm: 'nouveau-velo-2027' });
    assert.equal(changed.statusCode, 303);
    const used = await useResetLink(t, link, 'pirate-velo-2028');
    assert.equal(used.statusCode, 410);
    assert.match(used.body, /Ce lien a déjà servi/);
    const signIn = await new Agent(t.app).post('/connexion', { identifier: 'change', password: 'pirate-velo-2028' });
    assert.equal(signIn.statusCode, 401, 'the old link set nothing');
  });

  it('a reset retires the other links too (a pending change of address)', async () => {
    const agent = await signedInCustomer(t, 'retraite');
    await agent.get('/compte/personne/modifier');
    await agent.post('/compte/personne', { name: 'Camille retraite', email: 'ailleurs@example.org', locale: 'fr', current_password: PASSWORD });
    const confirm = linkIn((await lastMailTo(t, 'ailleurs@example.org', 'accounts.confirm_email')).text_body, '/courriel/confirmer');
    assert.equal((await useResetLink(t, await requestReset(t, 'retraite@example.org'), 'autre-velo-2027')).statusCode, 303);
    const page = await new Agent(t.app).get(pathOf(confirm));
    assert.equal(page.statusCode, 410, 'the confirmation sent before the reset no longer works');
  });

  it('reset links go to the person’s address only, never the organisation’s', async () => {
    const agent = await signedInCustomer(t, 'orgb');
    const set = await editOrganisation(agent, { name: 'Association orgb', email: 'bureau@orgb.example', current_password: PASSWORD });
    assert.equal(set.statusCode, 303);
    const link = linkIn((await lastMailTo(t, 'bureau@orgb.example', 'accounts.confirm_email')).text_body, '/courriel/confirmer');
    const visitor = new Agent(t.app);
    assert.equal((await visitor.get(pathOf(link))).statusCode, 200);
    assert.equal((await visitor.post('/courriel/confirmer', { jeton: new URL(link).searchParams.get('jeton')! })).statusCode, 200);
    const account = (await t.container.services.accounts.getAccount((await t.container.services.accounts.findUserByEmail('orgb@example.org'))!.id))!;
    assert.equal(account.organisation?.email, 'bureau@orgb.example', 'confirmed');
    assert.deepEqual(customerRecipients(account.user, account.organisation), ['orgb@example.org', 'bureau@orgb.example'], 'ordinary mail goes to both');
    await requestReset(t, 'orgb@example.org');
    const reset = await lastMailTo(t, 'orgb@example.org', 'accounts.reset');
    assert.deepEqual(reset.recipients, ['orgb@example.org']);
    assert.equal((await mailsTo(t, 'bureau@orgb.example', 'accounts.reset')).length, 0);
  });

  it('a new address of the person: the current password, a link to the new address, the old one told', async () => {
    const agent = await signedInCustomer(t, 'demenage');
    await agent.get('/compte/personne/modifier');
    const none = await agent.post('/compte/personne', { name: 'Camille demenage', email: 'nouvelle@demenage.example', locale: 'fr' });
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /Pour changer l’adresse courriel, indiquez votre mot de passe actuel/);
    const wrong = await agent.post('/compte/personne', { name: 'Camille demenage', email: 'nouvelle@demenage.example', locale: 'fr', current_password: 'pas-le-bon' });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /Le mot de passe actuel est incorrect/);
    const oldReset = await requestReset(t, 'demenage@example.org');
    const asked = await agent.post('/compte/personne', { name: 'Camille Déménage', email: 'nouvelle@demenage.example', locale: 'fr', current_password: PASSWORD });
    assert.equal(asked.statusCode, 303);
    assert.equal(asked.headers.location, '/compte?onglet=personne&ok=courriel');
    assert.match((await agent.get(String(asked.headers.location))).body, /Un lien de confirmation a été envoyé à la nouvelle adresse/);
    const user = () => t.container.services.accounts.findUserByEmail('demenage@example.org');
    assert.equal((await user())?.name, 'Camille Déménage', 'the name is saved at once');
    assert.ok(await user(), 'the address is not changed yet');
    const told = await lastMailTo(t, 'demenage@example.org', 'accounts.email_change_requested');
    assert.match(told.text_body, /Rien ne change tant que le lien envoyé à nouvelle@demenage\.example n’a pas été suivi/);
    const confirm = await lastMailTo(t, 'nouvelle@demenage.example', 'accounts.confirm_email');
    assert.deepEqual(confirm.recipients, ['nouvelle@demenage.example']);
    const link = linkIn(confirm.text_body, '/courriel/confirmer');
    // Opening the link changes nothing (mail scanners open links); the button does.
    const visitor = new Agent(t.app);
    const page = await visitor.get(pathOf(link));
    assert.match(page.body, /nouvelle@demenage\.example deviendra l’adresse courriel de votre compte demenage/);
    assert.ok(await user());
    const done = await visitor.post('/courriel/confirmer', { jeton: new URL(link).searchParams.get('jeton')! });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /est désormais l’adresse courriel de votre compte/);
    assert.equal(await user(), undefined);
    assert.ok(await t.container.services.accounts.findUserByEmail('nouvelle@demenage.example'));
    const changed = await lastMailTo(t, 'demenage@example.org', 'accounts.email_changed');
    assert.deepEqual([...changed.recipients].sort(), ['demenage@example.org', 'nouvelle@demenage.example']);
    assert.equal((await useResetLink(t, oldReset, 'ancien-lien-2027')).statusCode, 410, 'the reset link sent to the old address is retired');
    assert.equal((await visitor.post('/courriel/confirmer', { jeton: new URL(link).searchParams.get('jeton')! })).statusCode, 410, 'once');
  });

  it('the organisation’s address: the current password, confirmed before it receives anything', async () => {
    const agent = await signedInCustomer(t, 'bureau');
    const none = await editOrganisation(agent, { name: 'Association bureau', email: 'pirate@evil.example' });
    assert.equal(none.statusCode, 422, 'no password: a borrowed session cannot redirect the mail');
    assert.match(none.body, /indiquez votre mot de passe actuel/);
    const asked = await editOrganisation(agent, { name: 'Association bureau', email: 'contact@bureau.example', current_password: PASSWORD });
    assert.equal(asked.statusCode, 303);
    const account = async () => (await t.container.services.accounts.getAccount((await t.container.services.accounts.findUserByEmail('bureau@example.org'))!.id))!;
    assert.equal((await account()).organisation?.email, null, 'not used before confirmation');
    assert.deepEqual(customerRecipients((await account()).user, (await account()).organisation), ['bureau@example.org']);
    assert.match((await lastMailTo(t, 'bureau@example.org', 'accounts.email_change_requested')).text_body, /devienne l’adresse courriel de Association bureau/);
    const link = linkIn((await lastMailTo(t, 'contact@bureau.example', 'accounts.confirm_email')).text_body, '/courriel/confirmer');
    await agent.get(pathOf(link));
    assert.equal((await agent.post('/courriel/confirmer', { jeton: new URL(link).searchParams.get('jeton')! })).statusCode, 200);
    assert.equal((await account()).organisation?.email, 'contact@bureau.example');
    // Removing it needs the password too, and the address it had is told.
    assert.equal((await editOrganisation(agent, { name: 'Association bureau', email: '' })).statusCode, 422);
    assert.equal((await editOrganisation(agent, { name: 'Association bureau', email: '', current_password: PASSWORD })).statusCode, 303);
    assert.equal((await account()).organisation?.email, null);
    assert.ok((await mailsTo(t, 'contact@bureau.example', 'accounts.email_changed')).length >= 2);
    // Other fields change without the password.
    assert.equal((await editOrganisation(agent, { name: 'Association du bureau', email: '' })).statusCode, 303);
    assert.equal((await account()).organisation?.name, 'Association du bureau');
  });

  it('the back office shows mail with its links masked; showing one (outbox mode) is recorded', async () => {
    const operator = await signedInOperator(t);
    const customer = await t.container.services.accounts.findUserByEmail('change@example.org');
    const message = await lastMailTo(t, 'change@example.org', 'accounts.reset');
    const page = await operator.get(`/backoffice/courriels/${message.id}`);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /jeton=[A-Za-z0-9_-]{43}/);
    assert.match(page.body, /jeton=\[masqué\]/);
    const htmlPart = await operator.get(`/backoffice/courriels/${message.id}/html`);
    assert.doesNotMatch(htmlPart.body, /jeton=[A-Za-z0-9_-]{43}/);
    assert.match(page.body, /Afficher le lien pour le transmettre/);
    const revealed = await operator.post(`/backoffice/courriels/${message.id}/lien`, {});
    assert.equal(revealed.statusCode, 200);
    assert.match(revealed.body, /jeton=[A-Za-z0-9_-]{43}/);
    const entry = await t.container.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'mail.link_revealed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(entry.subject_user_id, customer!.id);
    assert.deepEqual(entry.details, { messageId: message.id, template: 'accounts.reset' });
  });
});

describe('stored mail delivered over SMTP keeps no usable link', () => {
  let t: TestApp;
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ mailTransport: createMailTransport(sink.url), workers: true });
  });
  after(async () => {
    await t.close();
    await sink.close();
  });

  it('the recipient’s link works; the stored copy, the back office and an operator cannot use it', async () => {
    const visitor = new Agent(t.app);
    await visitor.get('/inscription');
    await visitor.post('/inscription', { alias: 'smtp-client', name: 'Camille', email: 'smtp-client@example.org', organisation: 'Asso SMTP' });
    const received = await sink.waitFor((m) => m.to.includes('smtp-client@example.org'), 15_000);
    const link = linkIn(received.text, '/mot-de-passe/definir');
    let stored = await lastMailTo(t, 'smtp-client@example.org', 'accounts.welcome');
    for (let i = 0; i < 50 && !stored.link_masked_at; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await lastMailTo(t, 'smtp-client@example.org', 'accounts.welcome');
    }
    assert.equal(stored.status, 'sent');
    assert.ok(stored.link_masked_at, 'masked once delivered');
    assert.doesNotMatch(stored.text_body + stored.html_body, /jeton=[A-Za-z0-9_-]{43}/);
    assert.match(stored.text_body, /\/mot-de-passe\/definir\?jeton=\[masqué\]/, 'the rest of the message is kept');
    const operator = await signedInOperator(t);
    const page = await operator.get(`/backoffice/courriels/${stored.id}`);
    assert.match(page.body, /la copie conservée ne contient plus son lien/);
    assert.doesNotMatch(page.body, /Afficher le lien/);
    assert.equal((await operator.post(`/backoffice/courriels/${stored.id}/lien`, {})).statusCode, 409);
    // The recipient's own copy still works.
    const agent = new Agent(t.app);
    await agent.get(pathOf(link));
    const set = await agent.post('/mot-de-passe/definir', { jeton: new URL(link).searchParams.get('jeton')!, password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(set.statusCode, 303);
  });
});
