import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB, DocumentRow } from '../../../platform/db/schema.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { creditNoteMail } from '../billing.mails.ts';
import type { BillingService } from '../billing.service.ts';
import type { BillingDocument } from '../document.types.ts';

export interface IssueCreditNoteDeps {
  db: Kysely<DB>;
  billing: BillingService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

/**
 * The operator corrects an invoice: a credit note AVO-YYYY-NNNN for part or all of it, its audit
 * and its e-mail (with the PDF) in one transaction. Refused with `credit_too_large` (what remains)
 * when the credit notes would exceed the invoice — checked under the ledger lock, so two at once
 * cannot.
 */
export async function issueCreditNote(
  d: IssueCreditNoteDeps,
  operatorId: number,
  invoice: DocumentRow,
  input: { amountCents: number; reason: string; ip: string | null },
): Promise<DocumentRow> {
  const account = invoice.user_id === null ? null : await d.accounts.getAccount(invoice.user_id);
  const site = (await d.settings.operatorIdentity()).tradeName;
  return d.db.transaction().execute((trx) => issueCreditNoteIn(d, trx, operatorId, invoice, input, { account, site }));
}

/** The same inside the caller's transaction (a cancelled payment and its credit note are one). */
export async function issueCreditNoteIn(
  d: IssueCreditNoteDeps,
  trx: Kysely<DB>,
  operatorId: number,
  invoice: DocumentRow,
  input: { amountCents: number; reason: string; ip: string | null },
  { account, site }: { account: Awaited<ReturnType<AccountsService['getAccount']>>; site: string },
): Promise<DocumentRow> {
  const now = d.clock.now();
  const issued = await d.billing.issueCreditNote(trx, invoice, { amountCents: input.amountCents, reason: input.reason });
  await d.audit.record({ action: 'credit_note.issued', actorUserId: operatorId, subjectUserId: invoice.user_id, ip: input.ip, at: now, details: { invoice: invoice.number, creditNote: issued.number, amountCents: input.amountCents, reason: input.reason } }, trx);
  if (account) {
    await d.mail.enqueue(trx, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'billing.credit_note',
      userId: account.user.id,
      rendered: creditNoteMail({ site, name: account.user.name, creditNote: issued.content as BillingDocument, portalUrl: d.portalUrl() }),
      attachments: [{ kind: 'document_pdf', documentId: issued.id, filename: `${issued.number}.pdf` }],
    });
  }
  return issued;
}
