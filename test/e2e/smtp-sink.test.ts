/**
 * The journeys' SMTP sink reads what nodemailer really sends: checked here without a browser, so a
 * parsing slip shows up as itself and not as a journey waiting for a link.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { decodeEncodedWords, decodeQuotedPrintable, startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

describe('SMTP sink', () => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => {
    await sink.close();
  });

  it('decodes quoted-printable and RFC 2047 words', () => {
    assert.equal(decodeQuotedPrintable('a=3Db=\r\nc =C3=A9'), 'a=bc \u00c3\u00a9');
    assert.equal(decodeEncodedWords('=?UTF-8?Q?Caf=C3=A9_cr=C3?= =?UTF-8?Q?=A8me?= ok'), 'Café crème ok');
    assert.equal(decodeEncodedWords('=?utf-8?B?w6l0w6k=?= =?utf-8?B?4oCZ?='), 'été’');
    assert.equal(decodeEncodedWords('plain subject'), 'plain subject');
  });

  it('keeps what nodemailer sends: envelope, subject, plain text with long links', async () => {
    const transport = nodemailer.createTransport(sink.url);
    const link = `http://portail.localhost:${sink.port}/mot-de-passe/definir?jeton=${'Ab_-'.repeat(11)}`;
    const text = `Bonjour Camille,\n\nVotre alias de connexion est : camille.velo\n\nChoisir mon mot de passe :\n${link}\n\nCe lien n’est valable qu’une fois — à bientôt.`;
    try {
      const waiting = sink.waitFor((m) => m.to.includes('orga@example.org'), 10_000);
      await transport.sendMail({
        from: 'ecrin <no-reply@localhost.localdomain>',
        to: ['camille@example.org', 'orga@example.org'],
        subject: 'Votre alias et votre mot de passe sur le portail Sleto — été',
        text,
        html: '<p>Bonjour</p>',
      });
      const mail = await waiting;
      assert.deepEqual(mail.to, ['camille@example.org', 'orga@example.org']);
      assert.equal(mail.from, 'no-reply@localhost.localdomain');
      assert.equal(mail.subject, 'Votre alias et votre mot de passe sur le portail Sleto — été');
      assert.equal(mail.text.trimEnd(), text);
      assert.ok(mail.text.includes(link));
      assert.ok(mail.raw.includes('quoted-printable'), 'the text part went through quoted-printable');
    } finally {
      transport.close();
    }
  });

  it('times out with the list of what it did receive', async () => {
    await assert.rejects(sink.waitFor((m) => m.subject === 'never', 200), /no matching mail within 200 ms; received:\n {2}to camille@example\.org/);
  });
});
