/**
 * Single-use links in stored mail. A link is the key to an account for as long as it is valid: the
 * copy kept in `mail_messages` must not be one. Delivered over SMTP, a message's stored copy loses
 * its links for good (the recipient has the message); in outbox mode the stored copy *is* the
 * delivery, so it is kept whole, but every view of the back office shows it masked, and showing a
 * link is an explicit, audited act of the operator (see docs/security.md).
 */
const LINK_TOKEN = /([?&]jeton=)[A-Za-z0-9_-]{16,}/g;

export const MASKED_TOKEN = '[masqué]';

export function maskLinks(body: string): string {
  return body.replace(LINK_TOKEN, `$1${MASKED_TOKEN}`);
}
