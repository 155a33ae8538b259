import type { Kysely } from 'kysely';
import { AppError } from '../../../errors/app-error.ts';
import type { FieldErrorCode } from '../../../errors/catalogue.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { BillingDocument } from '../../billing/document.types.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { acceptedQuoteOf } from '../accepted-quote.ts';
import type { SupportSessionsService } from '../support-sessions.service.ts';
import { supportFinalInvoiceMail } from '../support.mails.ts';
import { extraLinesOf, finalInvoiceLines } from '../support.pricing.ts';
import type { SupportService } from '../support.service.ts';

export interface InvoiceAccompanimentDeps {
  db: Kysely<DB>;
  support: SupportService;
  supportSessions: SupportSessionsService;
  billing: BillingService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

export type InvoiceAccompanimentResult = { ok: true; number: string; created: boolean } | { ok: false; errors: Record<string, FieldErrorCode> };

/**
 * The operator closes an accompaniment ("Facturer l'accompagnement"): its final invoice is issued
 * through the ledger — a line a session done (its hours at the quote's hourly price), each extra
 * cost of the quote at the real amount typed (the line says when it differs from the quote), less
 * the deposit invoice if there is one — e-mailed with its PDF, in the customer's « Vos factures »,
 * payable by transfer or cheque. Once per quote: a second call (double click, retry) returns the
 * invoice already issued. Refused while sessions are still planned, for a quote not accepted
 * (refused, unanswered) or replaced since its acceptance, and for a deposit partly received.
 */
export async function invoiceAccompaniment(d: InvoiceAccompanimentDeps, requestId: number, realAmounts: readonly string[], by: { operatorId: number; ip: string | null }): Promise<InvoiceAccompanimentResult> {
  const request = await d.support.get(requestId);
  if (!request) throw new AppError('not_found');
  const accepted = await acceptedQuoteOf(d, requestId);
  if (!accepted) throw new AppError('support_not_accepted_invoice');
  const quote = accepted.doc;
  // Already invoiced: the same answer, whatever was typed (a double click, a retry).
  const already = (await d.support.invoicesOf([quote.id])).find((i) => i.kind === 'final');
  if (already) return { ok: true, number: already.number, created: false };
  if (await d.billing.isCancelled(quote.id)) throw new AppError('support_quote_replaced_invoice');
  const q = quote.content as BillingDocument;
  const parsed = d.support.parseRealAmounts(realAmounts, extraLinesOf(q.lines).length);
  if (!parsed.ok) return parsed;
  const account = quote.user_id === null ? null : await d.accounts.getAccount(quote.user_id);
  const identity = await d.settings.operatorIdentity();
  const now = d.clock.now();
  return d.db.transaction().execute(async (trx): Promise<InvoiceAccompanimentResult> => {
    await d.support.lockQuote(trx, quote.id);
    const invoices = await d.support.invoicesOf([quote.id], trx);
    const final = invoices.find((i) => i.kind === 'final');
    if (final) return { ok: true, number: final.number, created: false };
    const sessions = await d.supportSessions.forQuotes([quote.id], trx);
    const planned = sessions.filter((s) => s.state === 'planned').length;
    if (planned > 0) throw new AppError('support_sessions_pending', { params: { count: planned } });
    const depositRow = invoices.find((i) => i.kind === 'deposit');
    if (!depositRow && accepted.invoicing === 'deposit' && (await d.billing.paidTotal(quote.id, trx)) > 0) throw new AppError('support_deposit_partly_paid');
    const done = sessions.filter((s) => s.state === 'done').sort((a, b) => a.starts_local.localeCompare(b.starts_local));
    const lines = finalInvoiceLines({ number: q.number, lines: q.lines }, done.map((s) => ({ startsLocal: s.starts_local, topic: s.topic, hoursDone: Number(s.hours_done) })), parsed.cents);
    if (lines.length === 0 || lines.every((l) => l.netCents === 0)) throw new AppError('support_nothing_to_invoice');
    const deposit = depositRow ? await d.billing.documentIn(trx, depositRow.document_id) : null;
    const hours = done.reduce((sum, s) => sum + Number(s.hours_done), 0);
    const first = done[0]?.starts_local.slice(0, 10);
    const last = done.at(-1)?.starts_local.slice(0, 10);
    const invoice = await d.billing.issueSupportFinalInvoice(trx, quote, {
      lines,
      deposit: deposit ?? null,
      servicePeriod: first && last ? { start: first, end: last } : null,
      note: `Accompagnement réalisé : ${done.length} séance${done.length > 1 ? 's' : ''}, ${String(hours).replace('.', ',')} h sur ${String(accepted.hours).replace('.', ',')} h devisées.`,
    });
    await d.support.recordInvoice(trx, { documentId: invoice.id, quoteId: quote.id, kind: 'final', by: by.operatorId });
    const content = invoice.content as BillingDocument;
    const balance = content.totals.grossCents - (content.deposit?.amountCents ?? 0);
    if (account) {
      await d.mail.enqueue(trx, {
        recipients: customerRecipients(account.user, account.organisation),
        template: 'support.final_invoice',
        userId: account.user.id,
        rendered: supportFinalInvoiceMail({ site: identity.tradeName, name: account.user.name, invoice: content, balanceCents: balance, payTo: identity, portalUrl: d.portalUrl() }),
        attachments: [{ kind: 'document_pdf', documentId: invoice.id, filename: `${invoice.number}.pdf` }],
      });
    }
    await d.audit.record({ action: 'support.final_invoiced', actorUserId: by.operatorId, subjectUserId: quote.user_id, ip: by.ip, at: now, details: { requestId, quote: quote.number, invoice: invoice.number, grossCents: content.totals.grossCents, depositCents: content.deposit?.amountCents ?? 0, balanceCents: balance, real: parsed.cents } }, trx);
    return { ok: true, number: invoice.number, created: true };
  });
}
