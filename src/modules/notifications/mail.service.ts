import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { DB, DocumentPdfAttachment, MailAttachmentRef } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MailTransport } from '../../platform/mail/transport.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { RenderedMail } from './mail-layout.ts';
import { sendMailJob } from './mail.jobs.ts';
import { maskLinks } from './mail-links.ts';
import type { MailRepository } from './mail.repository.ts';

export interface MailToSend {
  recipients: string[];
  template: string;
  rendered: RenderedMail;
  userId: number | null;
  attachments?: MailAttachmentRef[];
  /** the message carries a single-use link: once delivered, the stored copy loses it */
  holdsLink?: boolean;
}

/**
 * Turns an attachment reference into bytes at delivery (e.g. a document's stored PDF): given at
 * construction by the module that owns the files (billing), so mail never reads their tables.
 * Inline attachments (a calendar invitation) are kept with the message and need no resolver.
 */
export type AttachmentResolver = (ref: DocumentPdfAttachment) => Promise<{ filename: string; content: Buffer; contentType: string } | null>;

/**
 * Every e-mail is first recorded (so the operator sees it, and nothing is lost), then delivered by
 * the `mail.send` job, enqueued in the same transaction as the record.
 */
export interface MailDeps {
  repo: MailRepository;
  queue: Queue;
  transport: MailTransport;
  clock: Clock;
  from: string;
  logger: Logger;
  attachments: AttachmentResolver;
  audit: AuditService;
}

/** The largest attachment a message keeps inline (an .ics of a few sessions is a few kB). */
export const INLINE_MAX_BYTES = 256 * 1024;

export class MailService {
  readonly #repo: MailRepository;
  readonly #queue: Queue;
  readonly #transport: MailTransport;
  readonly #clock: Clock;
  readonly #from: string;
  readonly #logger: Logger;
  readonly #resolve: AttachmentResolver;
  readonly #audit: AuditService;

  constructor(deps: MailDeps) {
    this.#repo = deps.repo;
    this.#queue = deps.queue;
    this.#transport = deps.transport;
    this.#clock = deps.clock;
    this.#from = deps.from;
    this.#logger = deps.logger;
    this.#resolve = deps.attachments;
    this.#audit = deps.audit;
  }

  get transportKind(): MailTransport['kind'] {
    return this.#transport.kind;
  }

  /** Record and enqueue, inside the caller's transaction when given (then both happen or neither). */
  async enqueue(trx: Kysely<DB>, mail: MailToSend): Promise<number> {
    for (const a of mail.attachments ?? []) {
      // Kept in the message's row: a calendar or a short text, never a file.
      if (a.kind === 'inline' && Buffer.byteLength(a.content) > INLINE_MAX_BYTES) throw new Error(`inline attachment ${a.filename} is too large`);
    }
    const id = await this.#repo.insert(trx, {
      recipients: mail.recipients,
      subject: mail.rendered.subject,
      text: mail.rendered.text,
      html: mail.rendered.html,
      template: mail.template,
      userId: mail.userId,
      attachments: mail.attachments ?? [],
      now: this.#clock.now(),
      holdsLink: mail.holdsLink ?? false,
    });
    await this.#queue.send(sendMailJob, { messageId: id }, { trx });
    return id;
  }

  /** The `mail.send` handler: idempotent (a delivered message is not sent again). */
  async deliver(messageId: number): Promise<void> {
    const message = await this.#repo.find(messageId);
    if (!message) {
      this.#logger.warn({ messageId }, 'mail message vanished before delivery');
      return;
    }
    if (message.status === 'sent' || message.status === 'outbox') return;
    if (this.#transport.kind === 'outbox') {
      await this.#repo.markDelivered(message.id, 'outbox', this.#clock.now());
      return;
    }
    try {
      const attachments = [];
      for (const ref of message.attachments ?? []) {
        const file = ref.kind === 'inline' ? { filename: ref.filename, content: Buffer.from(ref.content, 'utf8'), contentType: ref.contentType } : await this.#resolve(ref);
        if (!file) throw new Error(`attachment ${ref.filename} not found`);
        attachments.push(file);
      }
      await this.#transport.send({
        attachments,
        from: this.#from,
        to: message.recipients,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
        messageId: `<ecrin-${message.id}@ecrin.local>`,
      });
      await this.#repo.markDelivered(message.id, 'sent', this.#clock.now());
      // The recipient has the link now; the stored copy must not open the account too.
      if (message.holds_link) await this.#repo.maskLinks(message.id, maskLinks(message.text_body), maskLinks(message.html_body), this.#clock.now());
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      const attempts = await this.#repo.recordFailure(message.id, text, message.attempts + 1 >= sendMailJob.options.retryLimit! + 1);
      this.#logger.warn({ messageId, attempts, err: text }, 'mail delivery failed; will retry');
      throw err;
    }
  }

  /** Operator action ("Renvoyer"): a failed message goes back to the queue, and the audit log says who. */
  async retry(messageId: number, by: { actorUserId: number; ip: string | null }): Promise<boolean> {
    const message = await this.#repo.find(messageId);
    if (!message) return false;
    return this.#repo.transaction(async (trx) => {
      if (!(await this.#repo.requeue(messageId, trx))) return false;
      await this.#queue.send(sendMailJob, { messageId }, { trx });
      await this.#audit.record({ action: 'mail.retried', actorUserId: by.actorUserId, subjectUserId: message.user_id, ip: by.ip, details: { messageId }, at: this.#clock.now() }, trx);
      return true;
    });
  }

  // --- reads (the back office's outbox) ---------------------------------------------------------
  /** A message as the back office shows it: its single-use links masked. */
  async find(messageId: number) {
    const message = await this.#repo.find(messageId);
    return message && { ...message, text_body: maskLinks(message.text_body), html_body: maskLinks(message.html_body) };
  }

  /** Whether the operator may be shown this message's links: only in outbox mode, where the stored copy is the delivery. */
  canReveal(message: { holds_link: boolean; link_masked_at: Date | string | null }): boolean {
    return this.#transport.kind === 'outbox' && message.holds_link && message.link_masked_at === null;
  }

  /**
   * Outbox mode: the operator passes a link on by hand (there is no other way for it to reach its
   * recipient). Each time the link is shown is recorded in the audit log, with who saw it.
   */
  async revealLinks(messageId: number, by: { actorUserId: number; ip: string | null }) {
    const message = await this.#repo.find(messageId);
    if (!message || !this.canReveal(message)) return null;
    await this.#audit.record({ action: 'mail.link_revealed', actorUserId: by.actorUserId, subjectUserId: message.user_id, ip: by.ip, details: { messageId, template: message.template }, at: this.#clock.now() });
    return message;
  }

  list(opts: { limit: number; offset: number; userId?: number; q?: string }) {
    return this.#repo.list(opts);
  }

  count(): Promise<number> {
    return this.#repo.count();
  }

  /** Messages waiting and failed, for the dashboard. */
  pendingAndFailed(): Promise<{ pending: number; failed: number }> {
    return this.#repo.pendingAndFailed();
  }
}
