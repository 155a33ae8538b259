import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.ts';
import { createLogger } from '../../platform/logger.ts';
import { createMailTransport } from '../../platform/mail/transport.ts';
import { renderMail } from './mail-layout.ts';
import { INLINE_MAX_BYTES, MailService } from './mail.service.ts';
import { mimeLeaves } from '../../../test/support/mime.ts';
import { customerRecipients } from './recipients.ts';
import { MailRepository } from './mail.repository.ts';

let t: TestApp;
let sink: SmtpSink;

before(async () => {
  sink = await startSmtpSink();
  t = await createTestApp({ workers: true, env: { SMTP_URL: sink.url } });
});
after(async () => {
  await t.close();
  await sink.close();
});

const rendered = (subject: string) =>
  renderMail('fr', { subject, greeting: 'Bonjour,', paragraphs: ['Un <test> & un autre.'], action: { label: 'Ouvrir', url: 'http://portail.localhost:3000/x' }, signature: 'ecrin' });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function mailService(smtpUrl: string | null) {
  const c = t.container;
  return new MailService({
    repo: new MailRepository(c.database.db),
    queue: c.queue,
    transport: createMailTransport(smtpUrl),
    clock: c.clock,
    from: 'ecrin <no-reply@localhost.localdomain>',
    logger: createLogger('silent'),
    audit: c.services.audit,
    attachments: (ref) => c.services.billing.attachment(ref),
  });
}

describe('recipients rule', () => {
  it('adds the organisation address only when set and different', () => {
    assert.deepEqual(customerRecipients({ email: 'a@x.org' }, null), ['a@x.org']);
    assert.deepEqual(customerRecipients({ email: 'a@x.org' }, { email: null }), ['a@x.org']);
    assert.deepEqual(customerRecipients({ email: 'a@x.org' }, { email: 'A@X.org' }), ['a@x.org']);
    assert.deepEqual(customerRecipients({ email: 'a@x.org' }, { email: 'bureau@x.org' }), ['a@x.org', 'bureau@x.org']);
  });
});

describe('mail delivery', () => {
  it('renders the same words in the text and HTML parts, escaped in HTML', () => {
    const m = rendered('Sujet');
    assert.match(m.text, /Un <test> & un autre\./);
    assert.match(m.html, /Un &lt;test&gt; &amp; un autre\./);
    assert.match(m.html, /href="http:\/\/portail\.localhost:3000\/x"/);
  });

  it('is delivered over SMTP by the job worker', async () => {
    const id = await t.container.database.db.transaction().execute((trx) =>
      t.container.services.mail.enqueue(trx, { recipients: ['one@example.org', 'two@example.org'], template: 'test.worker', rendered: rendered('Par le worker'), userId: null }),
    );
    const got = await sink.waitFor((m) => m.subject === 'Par le worker', 15_000);
    assert.deepEqual(got.to.sort(), ['one@example.org', 'two@example.org']);
    assert.match(got.text, /Un <test> & un autre\./);
    for (let i = 0; i < 50; i++) {
      const row = await new MailRepository(t.container.database.db).find(id);
      if (row?.status === 'sent') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('message not marked sent');
  });

  it('survives an SMTP outage: the message waits, then goes once the server is back', async () => {
    const deadPort = await freePort();
    const down = mailService(`smtp://127.0.0.1:${deadPort}`);
    const id = await t.container.database.db.transaction().execute(async (trx) => {
      const row = await new MailRepository(t.container.database.db).insert(trx, { recipients: ['late@example.org'], subject: 'Après la panne', text: 'x', html: '<p>x</p>', template: 'test.outage', userId: null, now: t.clock.now() });
      return row;
    });
    await assert.rejects(() => down.deliver(id));
    const waiting = await new MailRepository(t.container.database.db).find(id);
    assert.equal(waiting?.status, 'pending');
    assert.equal(waiting?.attempts, 1);
    assert.match(waiting?.last_error ?? '', /ECONNREFUSED|connect/i);
    await mailService(sink.url).deliver(id);
    const sent = await new MailRepository(t.container.database.db).find(id);
    assert.equal(sent?.status, 'sent');
    assert.equal(sink.messages.filter((m) => m.subject === 'Après la panne').length, 1);
    await mailService(sink.url).deliver(id); // a replayed job does not send twice
    assert.equal(sink.messages.filter((m) => m.subject === 'Après la panne').length, 1);
  });

  it('records nothing and sends nothing when the surrounding transaction rolls back', async () => {
    const before = await new MailRepository(t.container.database.db).count();
    await assert.rejects(() =>
      t.container.database.db.transaction().execute(async (trx) => {
        await t.container.services.mail.enqueue(trx, { recipients: ['ghost@example.org'], template: 'test.rollback', rendered: rendered('Fantôme'), userId: null });
        throw new Error('business rule failed after the mail was queued');
      }),
    );
    assert.equal(await new MailRepository(t.container.database.db).count(), before);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink.messages.some((m) => m.subject === 'Fantôme'), false);
  });

  it('keeps the message in the outbox when no SMTP server is configured', async () => {
    const outbox = mailService(null);
    const id = await new MailRepository(t.container.database.db).insert(t.container.database.db, { recipients: ['o@example.org'], subject: 'Boîte', text: 'x', html: 'x', template: 'test.outbox', userId: null, now: t.clock.now() });
    await outbox.deliver(id);
    assert.equal((await new MailRepository(t.container.database.db).find(id))?.status, 'outbox');
  });

  it('delivers an inline attachment kept with the message (a calendar), with its content type', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n';
    const id = await t.container.database.db.transaction().execute((trx) =>
      t.container.services.mail.enqueue(trx, { recipients: ['agenda@example.org'], template: 'test.inline', rendered: rendered('Avec invitation'), userId: null, attachments: [{ kind: 'inline', filename: 'invitation.ics', contentType: 'text/calendar; method=REQUEST; charset=utf-8', content: ics }] }),
    );
    const got = await sink.waitFor((m) => m.subject === 'Avec invitation', 15_000);
    const leaf = mimeLeaves(got.raw).find((l) => l.mime === 'text/calendar');
    assert.ok(leaf, 'a text/calendar part');
    assert.match(leaf.contentType, /method=REQUEST/i);
    assert.match(leaf.contentType, /charset=utf-8/i);
    assert.equal(leaf.filename || leaf.name, 'invitation.ics');
    assert.equal(leaf.bytes.toString('utf8'), ics);
    const row = await new MailRepository(t.container.database.db).find(id);
    assert.deepEqual(row!.attachments, [{ kind: 'inline', filename: 'invitation.ics', contentType: 'text/calendar; method=REQUEST; charset=utf-8', content: ics }]);
    // Too large to keep in a row: refused before anything is recorded.
    await assert.rejects(
      t.container.database.db.transaction().execute((trx) =>
        t.container.services.mail.enqueue(trx, { recipients: ['agenda@example.org'], template: 'test.inline', rendered: rendered('Trop gros'), userId: null, attachments: [{ kind: 'inline', filename: 'x.ics', contentType: 'text/calendar', content: 'x'.repeat(INLINE_MAX_BYTES + 1) }] }),
      ),
      /too large/,
    );
  });
});

describe('recurring jobs', () => {
  it('schedules the daily expiry of lapsed orders, in Paris time', async () => {
    const schedules = await t.container.queue.boss.getSchedules();
    const expiry = schedules.find((s) => s.name === 'orders.expire');
    assert.ok(expiry, JSON.stringify(schedules));
    assert.equal(expiry.cron, '10 0 * * *');
    assert.equal(expiry.timezone, 'Europe/Paris');
  });

  it('schedules the hourly reminders of tomorrow’s accompaniment sessions, in Paris time', async () => {
    const reminders = (await t.container.queue.boss.getSchedules()).find((s) => s.name === 'support.session-reminders');
    assert.ok(reminders);
    assert.equal(reminders.cron, '20 * * * *');
    assert.equal(reminders.timezone, 'Europe/Paris');
  });
});
