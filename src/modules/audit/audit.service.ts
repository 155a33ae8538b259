import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';
import type { AuditRepository } from './audit.repository.ts';

export type AuditAction =
  | 'signup'
  | 'signin.success'
  | 'signin.failure'
  | 'signin.throttled'
  | 'signout'
  | 'password.set'
  | 'password.reset_requested'
  | 'password.changed'
  | 'account.updated'
  | 'account.email_change_requested'
  | 'account.email_changed'
  | 'organisation.updated'
  | 'order.diamant_requested'
  | 'order.diamant_quoted'
  | 'account.data_exported'
  | 'account.closed'
  | 'operator.created'
  | 'operator.invited'
  | 'mail.retried'
  | 'mail.link_revealed'
  | 'order.validated'
  | 'order.cancelled'
  | 'quote.reissued'
  | 'payment.recorded'
  | 'payment.paypal'
  | 'payment.cancelled'
  | 'payments.carried'
  | 'order.lapsed_partly_paid'
  | 'order.paid'
  | 'credit_note.issued'
  | 'settings.updated'
  | 'terms.published'
  | 'action.retried'
  | 'instance.server_restarted'
  | 'instance.plan_changed'
  | 'instance.renewed'
  | 'order.renewal_issued'
  | 'order.renewal_plan_changed'
  | 'lifecycle.reminder'
  | 'lifecycle.grace'
  | 'lifecycle.suspended'
  | 'lifecycle.ended'
  | 'lifecycle.retention_over'
  | 'support.requested'
  | 'support.quote_issued'
  | 'support.quote_accepted'
  | 'support.quote_refused'
  | 'support.session_planned'
  | 'support.session_moved'
  | 'support.session_cancelled'
  | 'support.session_done'
  | 'support.deposit_invoiced'
  | 'support.final_invoiced'
  | 'support.invoice_paid'
  | 'support.calendar_feed_revoked'
  | 'archive.deleted'
  | 'archive.imported'
  | 'archive.exported'
  | 'instance.ended'
  | 'instance.end_failed';

export interface AuditEntryInput {
  action: AuditAction;
  actorUserId?: number | null;
  subjectUserId?: number | null;
  ip?: string | null;
  details?: Record<string, unknown>;
  at: Date;
}

/**
 * The audit log: who did what, when, from where. Modules record an entry in the transaction of the
 * change it describes (so both exist or neither); the back office lists them.
 */
export class AuditService {
  readonly #repo: AuditRepository;
  constructor(repo: AuditRepository) {
    this.#repo = repo;
  }

  record(entry: AuditEntryInput, db?: Kysely<DB>): Promise<void> {
    return this.#repo.record(entry, db);
  }

  list(opts: { limit: number; offset: number; subjectUserId?: number; action?: string }) {
    return this.#repo.list(opts);
  }
}
