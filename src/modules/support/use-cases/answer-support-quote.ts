import type { Kysely } from 'kysely';
import { AppError } from '../../../errors/app-error.ts';
import type { FieldErrorCode } from '../../../errors/catalogue.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { CurrentUser } from '../../../web/context.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import { supportAnswerMail, supportDepositRequestMail } from '../support.mails.ts';
import { depositCents } from '../support.pricing.ts';
import type { SupportService } from '../support.service.ts';
import { formatMoney } from '../../../web/i18n.ts';

export interface AnswerSupportQuoteDeps {
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

export const SIGNER_MAX = 120;
export const MESSAGE_MAX = 2000;

export interface QuoteAnswer {
  decision: 'accepted' | 'refused';
  signerName: string;
  agreed: boolean;
  message: string;
}

export type AnswerResult = { ok: true } | { ok: false; errors: Record<string, FieldErrorCode> };

/**
 * The customer's answer to an accompaniment quote: "Bon pour accord" (name, box ticked) or a
 * refusal with a message; recorded by billing with the time and the address, the operators told.
 * Someone else's quote is not found; a replaced, expired or answered one is refused with its reason.
 */
export async function answerSupportQuote(d: AnswerSupportQuoteDeps, user: CurrentUser, number: string, answer: QuoteAnswer, ip: string | null): Promise<AnswerResult> {
  const quote = await d.billing.findDocument({ number });
  if (!quote || quote.kind !== 'quote' || quote.order_id !== null || quote.user_id !== user.id) throw new AppError('not_found');
  const errors: Record<string, FieldErrorCode> = {};
  if (answer.decision === 'accepted') {
    if (!answer.signerName) errors.signer = 'signer_name_required';
    else if (answer.signerName.length > SIGNER_MAX) errors.signer = 'too_long';
    if (!answer.agreed) errors.agree = 'accept_box_required';
  } else {
    if (!answer.message) errors.message = 'refusal_message_required';
    if (!answer.signerName) errors.signer = 'signer_name_required';
    else if (answer.signerName.length > SIGNER_MAX) errors.signer = 'too_long';
  }
  if (answer.message.length > MESSAGE_MAX) errors.message = 'too_long';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const identity = await d.settings.operatorIdentity();
  const operators = await d.accounts.operatorEmails();
  // Accepted "with a deposit": the customer is asked for it at once (amount, reference, how to pay).
  const sq = answer.decision === 'accepted' ? await d.support.quote(quote.id) : undefined;
  const account = sq?.invoicing === 'deposit' ? await d.accounts.getAccount(user.id) : undefined;
  await d.db.transaction().execute(async (trx) => {
    await d.billing.decideQuote(trx, quote, { decision: answer.decision, userId: user.id, signerName: answer.signerName, message: answer.message, ip });
    await d.mail.enqueue(trx, {
      recipients: operators.length > 0 ? operators : [identity.email],
      template: answer.decision === 'accepted' ? 'support.quote.accepted' : 'support.quote.refused',
      rendered: supportAnswerMail({ site: identity.tradeName, number, decision: answer.decision, signer: answer.signerName, message: answer.message, url: `${d.portalUrl()}/backoffice/documents/${number}` }),
      userId: null,
    });
    if (sq?.invoicing === 'deposit' && account) {
      await d.mail.enqueue(trx, {
        recipients: customerRecipients(account.user, account.organisation),
        template: 'support.deposit_request',
        userId: account.user.id,
        rendered: supportDepositRequestMail({ site: identity.tradeName, name: account.user.name, number, percent: sq.deposit_percent, amountText: formatMoney(depositCents(quote.gross_cents, sq.deposit_percent), 'fr'), payTo: identity, portalUrl: d.portalUrl() }),
      });
    }
    await d.audit.record({ action: answer.decision === 'accepted' ? 'support.quote_accepted' : 'support.quote_refused', actorUserId: user.id, subjectUserId: user.id, ip, at: d.clock.now(), details: { number } }, trx);
  });
  return { ok: true };
}
