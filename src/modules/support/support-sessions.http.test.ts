import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';
import { parseIcs } from '../../../test/support/ics.ts';
import { supportRequest } from '../../../test/support/support-requests.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { InlineAttachment } from '../../platform/db/schema.ts';
import { issueSupportQuote } from './use-cases/issue-support-quote.ts';
import { sendSessionReminders } from './use-cases/send-session-reminders.ts';

let t: TestApp;
let clock: ManualClock;
let operator: Agent;
let customer: Agent;
let requestId: number;
let quoteNumber: string;
let organizerEmail: string;

before(async () => {
  clock = new ManualClock('2026-10-01T08:00:00Z');
  t = await createTestApp({ clock });
  operator = await signedInOperator(t);
  customer = await signedInCustomer(t, 'seances');
  const user = (await t.container.services.accounts.findUserByEmail('seances@example.org'))!;
  const operatorId = (await t.container.services.accounts.findUserByEmail('ops@example.org'))!.id;
  requestId = await supportRequest(t, { email: 'seances@example.org' }, user.id);
  quoteNumber = (await issueSupportQuote(t.container.deps, requestId, { sessions: [{ label: 'Comptabilité', hours: 4 }, { label: 'Adhérents', hours: 2 }], extras: [], note: '', validityDays: 30, invoicing: 'completion', depositPercent: 0 }, { operatorId, ip: null })).number;
  organizerEmail = (await t.container.services.settings.operatorIdentity()).email;
});
after(async () => {
  await t.close();
});

const planning = () => `/backoffice/demandes/${requestId}/seances`;

const form = (over: Record<string, string> = {}) => ({
  topic: 'Clôture de l’exercice',
  date: '2026-10-20',
  time: '10:00',
  duration: '120',
  format: 'remote_presentation',
  details: 'https://visio.example.org/sleto-seances',
  participants: 'seances@example.org, tresorier@example.org',
  ...over,
});

/** The mails of a template to an address, oldest first. */
async function mailsTo(email: string, template: string) {
  return t.container.database.db
    .selectFrom('mail_messages')
    .selectAll()
    .where((eb) => eb(eb.val(email), '=', eb.fn.any('recipients')))
    .where('template', '=', template)
    .orderBy('id')
    .execute();
}

function icsOf(mail: { attachments: unknown }): { text: string; contentType: string; filename: string } {
  const a = (mail.attachments as InlineAttachment[]).find((x) => x.kind === 'inline');
  assert.ok(a, 'an inline .ics');
  return { text: a.content, contentType: a.contentType, filename: a.filename };
}

/** After the clock jumped weeks ahead, the sessions of the first day have lapsed: sign in again. */
async function signInAgain(identifier: string, password: string): Promise<Agent> {
  const agent = new Agent(t.app);
  await agent.get('/connexion');
  assert.equal((await agent.post('/connexion', { identifier, password })).statusCode, 303);
  return agent;
}

async function sessionCount(): Promise<number> {
  return (await t.container.database.db.selectFrom('support_sessions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n as unknown as number;
}

describe('planning the sessions of an accompaniment quote', () => {
  it('waits for the customer’s acceptance: the page says so, planning is refused', async () => {
    const page = await operator.get(planning());
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /pas encore accepté par le client/);
    const res = await operator.post(planning(), form());
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /les séances se planifient une fois le devis accepté/);
    assert.equal(Number(await sessionCount()), 0);
    // The customer accepts ("Bon pour accord").
    await customer.get(`/accompagnement/devis/${quoteNumber}`);
    assert.equal((await customer.post(`/accompagnement/devis/${quoteNumber}`, { decision: 'accepted', signer: 'Camille seances', agree: '1' })).statusCode, 303);
    const request = await operator.get(`/backoffice/demandes/${requestId}`);
    assert.match(request.body, new RegExp(`href="/backoffice/demandes/${requestId}/seances">Planning des séances`));
    assert.match(request.body, /Heures devisées : 6 h · réalisées : 0 h · planifiées à venir : 0 h/);
  });

  it('refuses bad input in French, each on its field, and records nothing', async () => {
    const page = await operator.get(planning());
    assert.match(page.body, /Planifier une séance/);
    assert.match(page.body, /seances@example\.org/, 'the customer’s address prefilled');
    const empty = await operator.post(planning(), { topic: '', date: '', time: '', duration: '', format: '', details: '', participants: '' });
    assert.equal(empty.statusCode, 422);
    for (const s of [/Indiquez la date de la séance/, /Indiquez l’heure de début/, /Choisissez une réponse de la liste/, /au moins un participant/]) assert.match(empty.body, s);
    const long = await operator.post(planning(), form({ topic: 'x'.repeat(201), format: 'on_site', duration: '240', details: 'a'.repeat(501) }));
    assert.equal(long.statusCode, 422);
    assert.match(long.body, /Ce texte est trop long/);
    assert.match(long.body, /Indiquez l’adresse où se tient la séance \(500 caractères au plus\)/);
    const past = await operator.post(planning(), form({ date: '2026-09-30' }));
    assert.match(past.body, /Cette date est passée/);
    const emails = await operator.post(planning(), form({ participants: 'seances@example.org, pas-une-adresse\nmarc@, ok@example.org' }));
    assert.equal(emails.statusCode, 422);
    assert.match(emails.body, /Ces adresses courriel ne sont pas valides : pas-une-adresse, marc@\./);
    const duration = await operator.post(planning(), form({ format: 'on_site', duration: '60', details: '3 place du Marché, 38420 Domène' }));
    assert.match(duration.body, /sur site, une demi-journée ou une journée/);
    const url = await operator.post(planning(), form({ details: 'visio.example.org' }));
    assert.match(url.body, /commençant par https:\/\//);
    // 02:30 on the last Sunday of March 2027 does not exist in Paris.
    const skipped = await operator.post(planning(), form({ date: '2027-03-28', time: '02:30' }));
    assert.match(skipped.body, /Cette heure n’existe pas ce jour-là à Paris/);
    const noDate = await operator.post(planning(), form({ date: '2026-02-30' }));
    assert.match(noDate.body, /Indiquez la date de la séance/);
    assert.equal(Number(await sessionCount()), 0);
    assert.equal((await mailsTo('tresorier@example.org', 'support.session.invitation')).length, 0);
  });

  let uid: string;
  it('plans a session: each participant invited with an .ics (REQUEST, VTIMEZONE Europe/Paris, stable UID, SEQUENCE 0)', async () => {
    const res = await operator.post(planning(), form());
    assert.equal(res.statusCode, 303, res.body);
    const page = await operator.get(String(res.headers.location));
    assert.match(page.body, /Séance planifiée ; les participants ont reçu l’invitation/);
    assert.match(page.body, /mardi 20 octobre 2026 à 10:00/);
    for (const to of ['seances@example.org', 'tresorier@example.org']) {
      const [mail, ...more] = await mailsTo(to, 'support.session.invitation');
      assert.ok(mail, `an invitation to ${to}`);
      assert.equal(more.length, 0);
      assert.deepEqual(mail.recipients, [to], 'one message per participant');
      assert.match(mail.subject, /Invitation : Accompagnement .* — Clôture de l’exercice — mardi 20 octobre 2026 à 10:00/);
      assert.match(mail.text_body, /Rejoignez la présentation à l'adresse : https:\/\/visio\.example\.org\/sleto-seances/);
      const ics = icsOf(mail);
      assert.equal(ics.contentType, 'text/calendar; method=REQUEST; charset=utf-8');
      assert.equal(ics.filename, 'invitation.ics');
      const [ev, ...others] = parseIcs(ics.text);
      assert.equal(others.length, 0);
      assert.equal(ev!.method, 'REQUEST');
      assert.deepEqual(ev!.tzids, ['Europe/Paris']);
      assert.match(ev!.uid, /^seance-[0-9a-f-]{36}@/);
      uid ??= ev!.uid;
      assert.equal(ev!.uid, uid, 'the same UID for every participant');
      assert.equal(ev!.sequence, 0);
      assert.equal(ev!.startTzid, 'Europe/Paris');
      assert.equal(ev!.startLocal, '2026-10-20T10:00:00');
      assert.equal(ev!.start.toISOString(), '2026-10-20T08:00:00.000Z', 'CEST: UTC+2');
      assert.equal(ev!.end.toISOString(), '2026-10-20T10:00:00.000Z');
      assert.equal(ev!.organizer.toLowerCase(), `mailto:${organizerEmail}`.toLowerCase());
      assert.deepEqual(ev!.attendees.map((a) => a.toLowerCase()).sort(), ['mailto:seances@example.org', 'mailto:tresorier@example.org']);
      assert.equal(ev!.location, 'https://visio.example.org/sleto-seances');
      assert.equal(ev!.url, 'https://visio.example.org/sleto-seances');
      assert.match(ev!.summary, /Clôture de l’exercice/);
      assert.match(ev!.description, /À distance — présentation, 2 h\./);
      assert.match(ev!.status ?? '', /CONFIRMED/);
    }
    const row = (await t.container.database.db.selectFrom('support_sessions').selectAll().executeTakeFirstOrThrow());
    assert.equal(row.starts_local, '2026-10-20T10:00');
    assert.equal(row.tz, 'Europe/Paris');
    assert.equal(row.uid, uid);
  });

  let overlapId: number;
  it('warns of an overlap with another session, and plans it once the operator confirms', async () => {
    const warned = await operator.post(planning(), form({ time: '11:00', duration: '60', topic: 'Adhérents', participants: 'seances@example.org' }));
    assert.equal(warned.statusCode, 422);
    assert.match(warned.body, /Cette séance chevauche une autre séance planifiée/);
    assert.match(warned.body, /mardi 20 octobre 2026 à 10:00, 2 h — Clôture de l’exercice/);
    assert.match(warned.body, /name="confirm_warnings"/);
    assert.equal(Number(await sessionCount()), 1);
    const confirmed = await operator.post(planning(), form({ time: '11:00', duration: '60', topic: 'Adhérents', participants: 'seances@example.org', confirm_warnings: '1' }));
    assert.equal(confirmed.statusCode, 303);
    overlapId = (await t.container.database.db.selectFrom('support_sessions').select('id').where('topic', '=', 'Adhérents').executeTakeFirstOrThrow()).id;
    // Remote control: the tool's download link; on site: the address.
    assert.equal((await operator.post(planning(), form({ date: '2026-10-22', time: '14:00', duration: '60', format: 'remote_control', topic: 'Reçus fiscaux', details: 'https://outils.example.org/assistance.exe', participants: 'seances@example.org' }))).statusCode, 303);
    const ics = parseIcs(icsOf((await mailsTo('seances@example.org', 'support.session.invitation')).at(-1)!).text)[0]!;
    assert.equal(ics.url, 'https://outils.example.org/assistance.exe');
    assert.equal(ics.location, 'À distance — prise de contrôle');
    assert.match(ics.description, /téléchargez l'outil de prise de contrôle à distance : https:\/\/outils\.example\.org\/assistance\.exe/);
  });

  it('moves a session across the end of summer time: same UID, SEQUENCE 1, still 10:00 in Paris (09:00 UTC); a participant taken off gets a cancellation', async () => {
    const first = await t.container.database.db.selectFrom('support_sessions').selectAll().where('uid', '=', uid).executeTakeFirstOrThrow();
    const page = await operator.get(`${planning()}/${first.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Déplacer ou modifier la séance/);
    assert.match(page.body, /value="2026-10-20"/);
    const bad = await operator.post(`${planning()}/${first.id}`, form({ date: '2026-11-03', participants: 'seances@example.org, faux' }));
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Ces adresses courriel ne sont pas valides : faux\./);
    const res = await operator.post(`${planning()}/${first.id}`, form({ date: '2026-11-03', participants: 'seances@example.org' }));
    assert.equal(res.statusCode, 303, res.body);
    const moved = await t.container.database.db.selectFrom('support_sessions').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    assert.equal(moved.uid, uid);
    assert.equal(moved.sequence, 1);
    assert.equal(moved.starts_local, '2026-11-03T10:00');
    assert.equal(new Date(moved.starts_at).toISOString(), '2026-11-03T09:00:00.000Z', 'CET: UTC+1');
    const update = (await mailsTo('seances@example.org', 'support.session.update')).at(-1)!;
    assert.match(update.subject, /Séance modifiée : .* — mardi 3 novembre 2026 à 10:00/);
    const ev = parseIcs(icsOf(update).text)[0]!;
    assert.equal(ev.method, 'REQUEST');
    assert.equal(ev.uid, uid);
    assert.equal(ev.sequence, 1);
    assert.equal(ev.startLocal, '2026-11-03T10:00:00');
    assert.equal(ev.start.toISOString(), '2026-11-03T09:00:00.000Z');
    assert.deepEqual(ev.attendees.map((a) => a.toLowerCase()), ['mailto:seances@example.org']);
    const removed = (await mailsTo('tresorier@example.org', 'support.session.cancel')).at(-1)!;
    const cancel = parseIcs(icsOf(removed).text)[0]!;
    assert.equal(icsOf(removed).contentType, 'text/calendar; method=CANCEL; charset=utf-8');
    assert.deepEqual([cancel.method, cancel.uid, cancel.sequence, cancel.status], ['CANCEL', uid, 1, 'CANCELLED']);
  });

  it('cancels a session: METHOD:CANCEL with a higher SEQUENCE; it can no longer be changed', async () => {
    const row = await t.container.database.db.selectFrom('support_sessions').selectAll().where('id', '=', overlapId).executeTakeFirstOrThrow();
    // Without JavaScript the cancellation asks first.
    const ask = await operator.post(`${planning()}/${overlapId}/annuler`, {});
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Annuler la séance du mardi 20 octobre 2026 à 11:00/);
    assert.equal((await operator.post(`${planning()}/${overlapId}/annuler`, { confirme: '1' })).statusCode, 303);
    const mail = (await mailsTo('seances@example.org', 'support.session.cancel')).at(-1)!;
    assert.match(mail.subject, /Séance annulée/);
    const ev = parseIcs(icsOf(mail).text)[0]!;
    assert.deepEqual([ev.method, ev.uid, ev.sequence, ev.status], ['CANCEL', row.uid, row.sequence + 1, 'CANCELLED']);
    const again = await operator.post(`${planning()}/${overlapId}`, form({ date: '2026-11-10' }));
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /annulée ou déjà réalisée/);
  });

  it('reminds the participants the day before, once; a session moved is reminded again for its new date', async () => {
    // 21 October, 11:00 in Paris: the session of the 22nd is tomorrow.
    clock.set('2026-10-21T09:00:00Z');
    assert.equal(await sendSessionReminders(t.container.deps), 1);
    assert.equal(await sendSessionReminders(t.container.deps), 0, 'once');
    const reminder = (await mailsTo('seances@example.org', 'support.session.reminder')).at(-1)!;
    assert.match(reminder.subject, /Rappel : .*Reçus fiscaux demain — jeudi 22 octobre 2026 à 14:00/);
    // Not in the night: at 05:00 in Paris on the 2nd, nothing yet for the 3rd.
    clock.set('2026-11-02T04:00:00Z');
    assert.equal(await sendSessionReminders(t.container.deps), 0);
    clock.set('2026-11-02T08:30:00Z');
    assert.equal(await sendSessionReminders(t.container.deps), 1);
    assert.equal(await sendSessionReminders(t.container.deps), 0);
    const s = await t.container.database.db.selectFrom('support_sessions').selectAll().where('uid', '=', uid).executeTakeFirstOrThrow();
    assert.ok(s.reminder_sent_at);
    operator = await signInAgain('ops@example.org', 'lanterne-magique-77');
    customer = await signInAgain('seances', 'velo-rouge-2026!');
    // Moved to the 5th: armed again, reminded on the 4th.
    assert.equal((await operator.post(`${planning()}/${s.id}`, form({ date: '2026-11-05', participants: 'seances@example.org' }))).statusCode, 303);
    assert.equal((await t.container.database.db.selectFrom('support_sessions').select('reminder_sent_at').where('id', '=', s.id).executeTakeFirstOrThrow()).reminder_sent_at, null);
    clock.set('2026-11-04T09:00:00Z');
    assert.equal(await sendSessionReminders(t.container.deps), 1);
    assert.equal((await mailsTo('seances@example.org', 'support.session.reminder')).length, 3);
  });

  it('marks a session done with its hours; hours done against hours quoted, for the operator and the customer', async () => {
    const c = await t.container.database.db.selectFrom('support_sessions').selectAll().where('topic', '=', 'Reçus fiscaux').executeTakeFirstOrThrow();
    const bad = await operator.post(`${planning()}/${c.id}/realisee`, { hours: '13' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Indiquez les heures réalisées, de 0 à 12/);
    assert.equal((await operator.post(`${planning()}/${c.id}/realisee`, { hours: '1,5' })).statusCode, 303);
    const page = await operator.get(planning());
    assert.match(page.body, /Heures devisées : 6 h · réalisées : 1,5 h · planifiées à venir : 2 h/);
    assert.match(page.body, /réalisée \(1,5 h\)/);
    assert.match(page.body, /annulée/);

    const home = await customer.get('/espace');
    assert.match(home.body, /href="\/seances"/);
    assert.match(home.body, /1 séance à venir/);
    const mine = await customer.get('/seances');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, new RegExp(`Devis ${quoteNumber}</strong> — Heures réalisées : 1,5 h sur 6 h devisées`));
    const [upcoming, past] = mine.body.split('Séances passées');
    assert.match(upcoming!, /jeudi 5 novembre 2026 à 10:00 — Clôture de l’exercice/);
    assert.match(upcoming!, /href="https:\/\/visio\.example\.org\/sleto-seances"[^>]*>Rejoindre la présentation/);
    assert.match(past!, /jeudi 22 octobre 2026 à 14:00 — Reçus fiscaux/);
    assert.match(past!, /Réalisée \(1,5 h\)/);
    assert.match(past!, /Télécharger l’outil de prise de contrôle à distance/);
    assert.match(past!, /mardi 20 octobre 2026 à 11:00 — Adhérents[\s\S]*?Annulée/);
  });

  it('another customer sees none of it; a session is reached only under its own request', async () => {
    const other = await signedInCustomer(t, 'autre-seances');
    const theirs = await other.get('/seances');
    assert.equal(theirs.statusCode, 200);
    assert.doesNotMatch(theirs.body, /Clôture de l’exercice|visio\.example\.org/);
    assert.doesNotMatch((await other.get('/espace')).body, /href="\/seances"/, 'no accompaniment quote: no "Vos séances" in the menu');
    const elsewhere = await supportRequest(t, { email: 'autre@example.org' });
    assert.equal((await operator.get(`/backoffice/demandes/${elsewhere}/seances/${overlapId}`)).statusCode, 404);
  });
});

describe('the operator’s private calendar feed', () => {
  it('serves every session as text/calendar at its secret address, with no cookie; "Révoquer" makes the old address not found', async () => {
    const list = await operator.get('/backoffice/demandes');
    assert.equal(list.statusCode, 200);
    const url = /id="f-feed" type="text" readonly value="([^"]+)"/.exec(list.body)?.[1];
    assert.ok(url, 'the feed address shown');
    const path = new URL(url).pathname;
    assert.match(path, /^\/agenda\/[A-Za-z0-9_-]{43}\.ics$/);
    const feed = await t.app.inject({ method: 'GET', url: path, headers: { host: new URL(url).host } });
    assert.equal(feed.statusCode, 200);
    assert.equal(feed.headers['content-type'], 'text/calendar; charset=utf-8');
    const events = parseIcs(feed.body);
    assert.equal(events.length, 3);
    assert.ok(events.every((e) => e.method === null && e.startTzid === 'Europe/Paris'));
    const moved = events.find((e) => e.summary.includes('Clôture'))!;
    assert.equal(moved.startLocal, '2026-11-05T10:00:00');
    assert.match(moved.summary, /^Association des Amis du Vélo — Clôture de l’exercice$/);
    assert.equal(events.find((e) => e.summary.includes('Adhérents'))!.status, 'CANCELLED');
    assert.equal((await t.app.inject({ method: 'GET', url: `/agenda/${'A'.repeat(43)}.ics`, headers: { host: new URL(url).host } })).statusCode, 404);

    assert.equal((await operator.post('/backoffice/agenda/revoquer', {})).statusCode, 200, 'asks first without JavaScript');
    const revoked = await operator.post('/backoffice/agenda/revoquer', { confirme: '1' });
    assert.equal(revoked.statusCode, 303);
    const after = await operator.get(String(revoked.headers.location).replace(/#.*/, ''));
    assert.match(after.body, /Adresse révoquée : voici la nouvelle/);
    const next = /id="f-feed" type="text" readonly value="([^"]+)"/.exec(after.body)![1]!;
    assert.notEqual(next, url);
    assert.equal((await t.app.inject({ method: 'GET', url: path, headers: { host: new URL(url).host } })).statusCode, 404, 'the revoked address');
    assert.equal((await t.app.inject({ method: 'GET', url: new URL(next).pathname, headers: { host: new URL(url).host } })).statusCode, 200);
  });
});
