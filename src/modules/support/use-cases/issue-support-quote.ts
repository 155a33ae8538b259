import type { Kysely } from 'kysely';
import { AppError } from '../../../errors/app-error.ts';
import type { Clock } from '../../../platform/clock.ts';
import { addDays, frenchDate } from '../../../platform/dates.ts';
import type { DB } from '../../../platform/db/schema.ts';
import { formatMoney } from '../../../web/i18n.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { supportQuoteMail } from '../support.mails.ts';
import { supportQuoteLines } from '../support.pricing.ts';
import type { SupportQuoteInput, SupportService } from '../support.service.ts';

export interface IssueSupportQuoteDeps {
  db: Kysely<DB>;
  support: SupportService;
  billing: BillingService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

/**
 * The operator's quote for a request: priced (hours × the hourly rate less the volume tier, extra
 * costs by category), numbered in the quote series, e-mailed with its PDF. A quote already in force
 * for the request is replaced: cancelled with the new number as its reason, in the same transaction.
 */
export async function issueSupportQuote(d: IssueSupportQuoteDeps, requestId: number, input: SupportQuoteInput, by: { operatorId: number; ip: string | null }): Promise<{ number: string; documentId: number; replaced: string | null }> {
  const request = await d.support.get(requestId);
  if (!request) throw new AppError('not_found');
  if (request.user_id === null) throw new AppError('support_no_account');
  const account = await d.accounts.getAccount(request.user_id);
  if (!account?.organisation) throw new AppError('support_no_account');
  const now = d.clock.now();
  return d.db.transaction().execute(async (trx) => {
    const [identity, billingSettings] = [await d.settings.operatorIdentity(trx), await d.settings.billing(trx)];
    const { lines, hours } = supportQuoteLines(input.sessions, input.extras, {
      hourlyCents: billingSettings.supportHourlyCents,
      tiers: billingSettings.supportTiers,
      vatRatePercent: identity.vatFranchise ? 0 : billingSettings.vatRatePercent,
    });
    const invoicingNote =
      input.invoicing === 'deposit'
        ? `Facturation : un acompte de ${input.depositPercent} % à l'acceptation du devis, le solde à la fin de l'accompagnement.`
        : "Facturation : à la fin de l'accompagnement, sur les séances réalisées ; les frais annexes à leur montant réel.";
    // The quote in force: the newest of the request, neither replaced, cancelled nor expired.
    const current = (await d.support.quotesOf(requestId, trx))[0];
    const inForce =
      current && current.replaced_by_number === null && !(await d.billing.isCancelled(current.document_id, trx)) && (current.valid_until ?? '') >= d.billing.today()
        ? { id: current.document_id, number: current.number }
        : undefined;
    const quote = await d.billing.issueSupportQuote(trx, {
      user: account.user,
      organisation: account.organisation!,
      lines,
      validUntil: addDays(d.billing.today(), input.validityDays),
      note: [inForce ? `Ce devis remplace le devis ${inForce.number}.` : '', invoicingNote, input.note].filter(Boolean).join('\n'),
    });
    if (inForce) await d.billing.cancelQuote(trx, inForce.id, by.operatorId, `Remplacé par ${quote.number}`, now);
    await d.support.recordQuote(trx, { documentId: quote.id, requestId, replaces: inForce?.id ?? null, hours, invoicing: input.invoicing, depositPercent: input.depositPercent });
    await d.mail.enqueue(trx, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'support.quote',
      userId: account.user.id,
      rendered: supportQuoteMail({
        site: identity.tradeName,
        name: account.user.name,
        number: quote.number,
        totalText: formatMoney(quote.gross_cents, 'fr'),
        validUntilText: frenchDate(quote.valid_until!),
        replaces: inForce?.number ?? null,
        portalUrl: d.portalUrl(),
      }),
      attachments: [{ kind: 'document_pdf', documentId: quote.id, filename: `${quote.number}.pdf` }],
    });
    await d.audit.record({ action: 'support.quote_issued', actorUserId: by.operatorId, subjectUserId: account.user.id, ip: by.ip, at: now, details: { requestId, number: quote.number, replaces: inForce?.number ?? null } }, trx);
    return { number: quote.number, documentId: quote.id, replaced: inForce?.number ?? null };
  });
}
