import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB, DocumentRow, PaymentMethod } from '../../../platform/db/schema.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { BillingDocument } from '../../billing/document.types.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import { supportDepositInvoiceMail } from '../support.mails.ts';
import { depositCents } from '../support.pricing.ts';
import type { SupportService } from '../support.service.ts';

export interface InvoiceDepositDeps {
  support: SupportService;
  billing: BillingService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

export type DepositOutcome =
  | { state: 'invoiced'; invoiceNumber: string; newly: boolean }
  | { state: 'partial'; paidCents: number; dueCents: number }
  /** money on a quote that takes no deposit (or is already invoiced in full): kept, shown to the operator */
  | { state: 'not_payable'; reason: 'no_deposit' | 'final_invoiced' };

/**
 * The deposit of an accompaniment quote received (French rule: a deposit invoice is issued on
 * receipt of the deposit): once the payments cover the deposit asked, the deposit invoice
 * ("facture d'acompte", referencing the quote) is issued through the ledger, recorded as the
 * quote's, e-mailed with its PDF and audited — in the caller's transaction (the payment's), under
 * the quote's row lock, so a replay or a race issues it once.
 */
export async function invoiceDepositIn(
  d: InvoiceDepositDeps,
  trx: Kysely<DB>,
  quote: DocumentRow,
  paid: { paidCents: number; method: PaymentMethod; date: string },
  ctx: { account: Awaited<ReturnType<AccountsService['getAccount']>>; site: string },
): Promise<DepositOutcome> {
  const sq = await d.support.lockQuote(trx, quote.id);
  if (!sq) throw new Error(`${quote.number} is not an accompaniment quote`);
  const invoices = await d.support.invoicesOf([quote.id], trx);
  const existing = invoices.find((i) => i.kind === 'deposit');
  if (existing) return { state: 'invoiced', invoiceNumber: existing.number, newly: false };
  if (sq.invoicing !== 'deposit') return { state: 'not_payable', reason: 'no_deposit' };
  if (invoices.some((i) => i.kind === 'final')) return { state: 'not_payable', reason: 'final_invoiced' };
  const amount = depositCents(quote.gross_cents, sq.deposit_percent);
  if (paid.paidCents < amount) return { state: 'partial', paidCents: paid.paidCents, dueCents: amount - paid.paidCents };
  const invoice = await d.billing.issueSupportDepositInvoice(trx, quote, { percent: sq.deposit_percent, amountCents: amount, paid: { method: paid.method, date: paid.date } });
  await d.support.recordInvoice(trx, { documentId: invoice.id, quoteId: quote.id, kind: 'deposit', by: null });
  await d.audit.record({ action: 'support.deposit_invoiced', subjectUserId: quote.user_id, at: d.clock.now(), details: { quote: quote.number, invoice: invoice.number, amountCents: amount, paidCents: paid.paidCents } }, trx);
  if (ctx.account) {
    await d.mail.enqueue(trx, {
      recipients: customerRecipients(ctx.account.user, ctx.account.organisation),
      template: 'support.deposit_invoice',
      userId: ctx.account.user.id,
      rendered: supportDepositInvoiceMail({ site: ctx.site, name: ctx.account.user.name, invoice: invoice.content as BillingDocument, portalUrl: d.portalUrl() }),
      attachments: [{ kind: 'document_pdf', documentId: invoice.id, filename: `${invoice.number}.pdf` }],
    });
  }
  return { state: 'invoiced', invoiceNumber: invoice.number, newly: true };
}
