import nodemailer from 'nodemailer';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

/**
 * Where mail goes. `smtp` hands it to the SMTP server of SMTP_URL; `outbox` keeps it in the
 * database only, for the operator to read in the back office (the embedded default).
 */
export type MailTransport =
  | { kind: 'smtp'; send(mail: OutgoingMail): Promise<void>; close(): void }
  | { kind: 'outbox' };

export function createMailTransport(smtpUrl: string | null): MailTransport {
  if (!smtpUrl) return { kind: 'outbox' };
  const transporter = nodemailer.createTransport(smtpUrl);
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        attachments: mail.attachments ?? [],
      });
    },
    close() {
      transporter.close();
    },
  };
}
