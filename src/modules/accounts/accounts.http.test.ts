import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, linkIn, pathOf } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { HOUR, MINUTE, type ManualClock } from '../../platform/clock.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

async function lastMailTo(email: string) {
  const rows = await t.container.database.db
    .selectFrom('mail_messages')
    .selectAll()
    .where((eb) => eb(eb.val(email), '=', eb.fn.any('recipients')))
    .orderBy('id', 'desc')
    .execute();
  assert.ok(rows[0], `no mail to ${email}`);
  return rows[0];
}

async function signUp(agent: Agent, alias: string, email: string, organisation = 'Les Amis du Vélo') {
  await agent.get('/inscription');
  return agent.post('/inscription', { alias, name: 'Camille Martin', email, organisation });
}

async function signUpAndSetPassword(alias: string, email: string, password = 'velo-rouge-2026!') {
  const agent = new Agent(t.app);
  const res = await signUp(agent, alias, email);
  assert.equal(res.statusCode, 200, res.body);
  const mail = await lastMailTo(email);
  const link = linkIn(mail.text_body, '/mot-de-passe/definir');
  await agent.get(pathOf(link));
  const token = new URL(link).searchParams.get('jeton')!;
  const set = await agent.post('/mot-de-passe/definir', { jeton: token, password, password_confirm: password });
  assert.equal(set.statusCode, 303, set.body);
  return agent;
}

describe('sign-up', () => {
  it('creates the account and e-mails a single-use link, never a password', async () => {
    const agent = new Agent(t.app);
    const res = await signUp(agent, 'camille', 'camille@example.org');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Vérifiez votre messagerie/);
    const mail = await lastMailTo('camille@example.org');
    assert.equal(mail.template, 'accounts.welcome');
    assert.match(mail.text_body, /camille/);
    assert.doesNotMatch(mail.text_body, /^(votre )?mot de passe\s*:/im, 'no password in the mail');
    assert.ok(linkIn(mail.html_body, '/mot-de-passe/definir'));
  });

  it('refuses a taken alias or e-mail with a message on the field', async () => {
    const agent = new Agent(t.app);
    await signUp(agent, 'dupont', 'dupont@example.org');
    const again = await signUp(new Agent(t.app), 'DUPONT', 'other@example.org');
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /Cet alias est déjà utilisé/);
    assert.match(again.body, /id="f-alias-error"/);
    const sameMail = await signUp(new Agent(t.app), 'dupont2', 'Dupont@Example.org');
    assert.equal(sameMail.statusCode, 422);
    assert.match(sameMail.body, /Un compte existe déjà avec cette adresse/);
  });

  it('refuses a malformed e-mail', async () => {
    const res = await signUp(new Agent(t.app), 'malformed', 'pas-une-adresse');
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /adresse courriel n&#39;est pas valide/);
  });

  it('refuses the form without its CSRF token', async () => {
    const agent = new Agent(t.app);
    await agent.get('/inscription');
    const res = await agent.post('/inscription', { _csrf: null, alias: 'nocsrf', name: 'X', email: 'nocsrf@example.org', organisation: 'Y' });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /Le formulaire a expiré/);
  });
});

describe('password link and sign-in', () => {
  it('sets the password from the link, signs in, and the link cannot serve twice', async () => {
    const agent = new Agent(t.app);
    await signUp(agent, 'alice', 'alice@example.org');
    const link = linkIn((await lastMailTo('alice@example.org')).text_body, '/mot-de-passe/definir');
    const token = new URL(link).searchParams.get('jeton')!;
    const page = await agent.get(pathOf(link));
    assert.equal(page.statusCode, 200);
    const weak = await agent.post('/mot-de-passe/definir', { jeton: token, password: '1234567890', password_confirm: '1234567890' });
    assert.equal(weak.statusCode, 422);
    assert.match(weak.body, /mot de passe courant/);
    const short = await agent.post('/mot-de-passe/definir', { jeton: token, password: 'court', password_confirm: 'court' });
    assert.match(short.body, /au moins 10 caractères/);
    const mismatch = await agent.post('/mot-de-passe/definir', { jeton: token, password: 'jardin-partage-42', password_confirm: 'jardin-partage-43' });
    assert.match(mismatch.body, /doivent être identiques/);
    const ok = await agent.post('/mot-de-passe/definir', { jeton: token, password: 'jardin-partage-42', password_confirm: 'jardin-partage-42' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/espace?bienvenue=1');
    const home = await agent.get('/espace?bienvenue=1');
    assert.match(home.body, /Bonjour Camille Martin/);
    const reuse = await new Agent(t.app).get(pathOf(link));
    assert.equal(reuse.statusCode, 410);
    assert.match(reuse.body, /Ce lien a déjà servi/);
  });

  it('answers a forged link with a page offering a new one', async () => {
    const res = await new Agent(t.app).get('/mot-de-passe/definir?jeton=' + 'A'.repeat(43));
    assert.equal(res.statusCode, 410);
    assert.match(res.body, /Ce lien est incorrect/);
    assert.match(res.body, /action="\/mot-de-passe-oublie"/);
    const garbage = await new Agent(t.app).get('/mot-de-passe/definir?jeton=%3Cscript%3E');
    assert.equal(garbage.statusCode, 410);
  });

  it('expires the sign-up link after 48 hours', async () => {
    const agent = new Agent(t.app);
    await signUp(agent, 'late', 'late@example.org');
    const link = linkIn((await lastMailTo('late@example.org')).text_body, '/mot-de-passe/definir');
    (t.clock as ManualClock).advance(48 * HOUR + MINUTE);
    const res = await agent.get(pathOf(link));
    assert.equal(res.statusCode, 410);
    assert.match(res.body, /Ce lien a expiré/);
  });

  it('signs in by alias or e-mail, rotates the session, and signs out', async () => {
    const agent = await signUpAndSetPassword('bob', 'bob@example.org', 'bicyclette-bleue');
    const before = agent.cookies.get('ecrin_session');
    await agent.post('/deconnexion', {});
    assert.equal(agent.cookies.has('ecrin_session'), false);
    const gone = await agent.get('/compte');
    assert.equal(gone.statusCode, 303);
    assert.match(String(gone.headers.location), /^\/connexion\?retour=/);

    await agent.get('/connexion');
    const byEmail = await agent.post('/connexion', { identifier: 'BOB@example.org', password: 'bicyclette-bleue' });
    assert.equal(byEmail.statusCode, 303);
    const first = agent.cookies.get('ecrin_session');
    assert.ok(first && first !== before);
    const cookie = byEmail.cookies.find((c) => c.name === 'ecrin_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    const byAlias = await agent.post('/connexion', { identifier: 'bob', password: 'bicyclette-bleue' });
    assert.equal(byAlias.statusCode, 303);
    assert.notEqual(agent.cookies.get('ecrin_session'), first, 'a new session at each sign-in');
    const old = new Agent(t.app);
    old.cookies.set('ecrin_session', first!);
    assert.equal((await old.get('/compte')).statusCode, 303, 'the previous session was dropped');
  });

  it('slows 20 wrong passwords in a row from one address without locking the account forever', async () => {
    await signUpAndSetPassword('carol', 'carol@example.org', 'piano-a-queue-88');
    const agent = new Agent(t.app);
    agent.ip = '10.9.8.7';
    await agent.get('/connexion');
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) codes.push((await agent.post('/connexion', { identifier: 'carol', password: `wrong-${i}-password` })).statusCode);
    assert.deepEqual(codes.slice(0, 5), Array(5).fill(401));
    assert.deepEqual(codes.slice(5), Array(15).fill(429), 'then a delay before each try');
    const right = await agent.post('/connexion', { identifier: 'carol', password: 'piano-a-queue-88' });
    assert.equal(right.statusCode, 429, 'from that address, even the right password waits its turn');
    assert.match(right.body, /Trop de tentatives de connexion pour ce compte depuis votre adresse\. Réessayez dans 15 secondes/);
    (t.clock as ManualClock).advance(16_000);
    const later = await agent.post('/connexion', { identifier: 'carol', password: 'piano-a-queue-88' });
    assert.equal(later.statusCode, 303, 'the delay has passed');
  });
});

describe('"Mot de passe ou alias oublié ?"', () => {
  it('answers the same for known and unknown addresses, and the link resets the password', async () => {
    const owner = await signUpAndSetPassword('dora', 'dora@example.org', 'tournesol-jaune-7');
    const agent = new Agent(t.app);
    await agent.get('/mot-de-passe-oublie');
    const known = await agent.post('/mot-de-passe-oublie', { email: 'dora@example.org' });
    const unknown = await agent.post('/mot-de-passe-oublie', { email: 'nobody@example.org' });
    assert.equal(known.statusCode, unknown.statusCode);
    const strip = (s: string) => s.replace(/<meta name="csrf-token"[^>]+>|hx-headers='[^']+'|value="[^"]{40,}"|dora@example.org|nobody@example.org/g, '');
    assert.equal(strip(known.body), strip(unknown.body));
    const mail = await lastMailTo('dora@example.org');
    assert.equal(mail.template, 'accounts.reset');
    assert.match(mail.text_body, /votre alias de connexion est : dora/);
    const link = linkIn(mail.text_body, '/mot-de-passe/definir');
    const token = new URL(link).searchParams.get('jeton')!;
    await agent.get(pathOf(link));
    const res = await agent.post('/mot-de-passe/definir', { jeton: token, password: 'tournesol-vert-8', password_confirm: 'tournesol-vert-8' });
    assert.equal(res.statusCode, 303);
    // every other session was revoked by the reset
    assert.equal((await owner.get('/compte')).statusCode, 303);
    const signIn = await new Agent(t.app).post('/connexion', { identifier: 'dora', password: 'tournesol-vert-8' });
    assert.equal(signIn.statusCode, 303);
  });
});

describe('reset throttling', () => {
  it('sends at most 3 reset e-mails per account and hour, answering the same every time', async () => {
    await signUpAndSetPassword('ines', 'ines@example.org', 'feuille-d-automne');
    const count = async () =>
      (await t.container.database.db.selectFrom('mail_messages').select('id').where('template', '=', 'accounts.reset').where((eb) => eb(eb.val('ines@example.org'), '=', eb.fn.any('recipients'))).execute()).length;
    const bodies = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const agent = new Agent(t.app);
      await agent.get('/mot-de-passe-oublie');
      const res = await agent.post('/mot-de-passe-oublie', { email: 'ines@example.org' });
      bodies.add(res.statusCode);
    }
    assert.deepEqual([...bodies], [200]);
    assert.equal(await count(), 3);
    (t.clock as ManualClock).advance(HOUR + MINUTE);
    await new Agent(t.app).post('/mot-de-passe-oublie', { email: 'ines@example.org' });
    assert.equal(await count(), 4);
  });
});

describe('"Votre compte"', () => {
  it('shows the "Personne morale" tab read-only with an edit button, and saves valid changes', async () => {
    const agent = await signUpAndSetPassword('emile', 'emile@example.org', 'moulin-a-vent-12');
    const tab = await agent.get('/compte?onglet=personne-morale');
    assert.equal(tab.statusCode, 200);
    assert.match(tab.body, /Personne morale/);
    assert.match(tab.body, /href="\/compte\/personne-morale\/modifier"/);
    await agent.get('/compte/personne-morale/modifier');
    const bad = await agent.post('/compte/personne-morale', { name: 'Les Amis du Vélo', registration_number: '123', postcode: 'ABC', country: 'FR', email: 'x@', phone: 'abc' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /SIREN \(9 chiffres\)/);
    assert.match(bad.body, /code postal n&#39;est pas valide/);
    const ok = await agent.post('/compte/personne-morale', {
      name: 'Les Amis du Vélo',
      legal_form: 'association',
      registration_number: 'W381234567',
      address: '3 place du Marché',
      postcode: '38420',
      city: 'Domène',
      country: 'FR',
      email: 'bureau@amisduvelo.example',
      phone: '04 76 00 00 00',
      current_password: 'moulin-a-vent-12',
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/compte?onglet=personne-morale&ok=courriel');
    const shown = await agent.get(String(ok.headers.location));
    assert.match(shown.body, /W381234567/);
    assert.doesNotMatch(shown.body, /bureau@amisduvelo.example/, 'a new address waits for its confirmation');
    assert.match(shown.body, /Un lien de confirmation a été envoyé à la nouvelle adresse/);
    const plain = await agent.post('/compte/personne-morale', { name: 'Les Amis du Vélo', legal_form: 'association', registration_number: 'W381234567', address: '3 place du Marché', postcode: '38420', city: 'Domène', country: 'FR', email: '', phone: '04 76 00 00 01' });
    assert.equal(plain.headers.location, '/compte?onglet=personne-morale&ok=1');
    assert.match((await agent.get(String(plain.headers.location))).body, /Modifications enregistrées/);
  });

  it('sends every customer e-mail to the person and to the organisation when it differs', async () => {
    const agent = await signUpAndSetPassword('fanny', 'fanny@example.org', 'chocolat-chaud-3');
    await agent.get('/compte/personne-morale/modifier');
    await agent.post('/compte/personne-morale', { name: 'Chorale', country: 'FR', email: 'contact@chorale.example', current_password: 'chocolat-chaud-3' });
    const confirm = linkIn((await lastMailTo('contact@chorale.example')).text_body, '/courriel/confirmer');
    await agent.get(pathOf(confirm));
    assert.equal((await agent.post('/courriel/confirmer', { jeton: new URL(confirm).searchParams.get('jeton')! })).statusCode, 200);
    await agent.get('/compte');
    await agent.post('/compte/mot-de-passe', { current: 'chocolat-chaud-3', password: 'chocolat-froid-4', password_confirm: 'chocolat-froid-4' });
    const mail = await lastMailTo('fanny@example.org');
    assert.equal(mail.template, 'accounts.password_changed');
    assert.deepEqual(mail.recipients, ['fanny@example.org', 'contact@chorale.example']);
  });
});

describe('front door and limits', () => {
  it('answers an unknown Host with a clear page and an unknown instance with another', async () => {
    const agent = new Agent(t.app);
    agent.host = 'evil.example.com';
    const res = await agent.get('/');
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /Cette adresse n&#39;est pas servie ici/);
    agent.host = 'bidule.localhost:3000';
    const inst = await agent.get('/');
    assert.equal(inst.statusCode, 404);
    assert.match(inst.body, /Aucune instance d&#39;hébergement ne porte ce nom/);
  });

  it('refuses an oversized form body with a clear page', async () => {
    const agent = new Agent(t.app);
    await agent.get('/inscription');
    const res = await agent.post('/inscription', { alias: 'big', name: 'x'.repeat(100_000), email: 'big@example.org', organisation: 'x' });
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /trop volumineux/);
  });
});

describe('password change and operator setup', () => {
  it('changes the password, revoking every other session but keeping this browser signed in', async () => {
    const agent = await signUpAndSetPassword('gaby', 'gaby@example.org', 'hirondelle-du-nord');
    const other = new Agent(t.app);
    await other.get('/connexion');
    assert.equal((await other.post('/connexion', { identifier: 'gaby', password: 'hirondelle-du-nord' })).statusCode, 303);
    await agent.get('/compte');
    const wrong = await agent.post('/compte/mot-de-passe', { current: 'pas-le-bon-mdp', password: 'hirondelle-du-sud', password_confirm: 'hirondelle-du-sud' });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /Le mot de passe actuel est incorrect/);
    const ok = await agent.post('/compte/mot-de-passe', { current: 'hirondelle-du-nord', password: 'hirondelle-du-sud', password_confirm: 'hirondelle-du-sud' });
    assert.equal(ok.statusCode, 303);
    assert.equal((await agent.get('/compte?ok=mot-de-passe')).statusCode, 200);
    assert.equal((await other.get('/compte')).statusCode, 303, 'the other session is revoked');
    const mail = await lastMailTo('gaby@example.org');
    assert.equal(mail.template, 'accounts.password_changed');
  });

  it('edits the "Personne morale" panel in place for htmx', async () => {
    const agent = await signUpAndSetPassword('hugo', 'hugo@example.org', 'cerf-volant-rouge');
    const form = await agent.get('/compte/personne-morale/modifier', { 'hx-request': 'true' });
    assert.equal(form.statusCode, 200);
    assert.doesNotMatch(form.body, /<html/);
    assert.match(form.body, /<div id="panel-organisation"/);
    const saved = await agent.post('/compte/personne-morale', { name: 'Club', country: 'BE', postcode: '1000', city: 'Bruxelles' }, { 'hx-request': 'true' });
    assert.equal(saved.statusCode, 200);
    assert.match(saved.body, /Modifications enregistrées/);
    assert.match(saved.body, /Bruxelles/);
  });

  it('creates the first operator from the start-up link, once', async () => {
    const link = await t.container.services.accounts.firstOperatorLink();
    assert.ok(link);
    const agent = new Agent(t.app);
    const page = await agent.get(pathOf(link));
    assert.equal(page.statusCode, 200);
    const token = new URL(link).searchParams.get('jeton')!;
    const res = await agent.post('/installation', { jeton: token, alias: 'operateur', name: 'Laurent', email: 'ops@sleto.example', password: 'cle-de-voute-99', password_confirm: 'cle-de-voute-99' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/backoffice?bienvenue=1');
    assert.equal(await t.container.services.accounts.firstOperatorLink(), null);
    assert.equal((await new Agent(t.app).get(pathOf(link))).statusCode, 410);
  });
});

describe('health', () => {
  it('answers liveness and readiness on any host', async () => {
    const agent = new Agent(t.app);
    agent.host = 'monitor.internal';
    assert.equal((await agent.get('/healthz')).statusCode, 200);
    const ready = await agent.get('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(JSON.parse(ready.body), { status: 'ready', database: true, queue: true });
  });
});
