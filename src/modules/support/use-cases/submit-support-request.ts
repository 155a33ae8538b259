import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { supportRequestAckMail, supportRequestOperatorMail } from '../support.mails.ts';
import type { SupportErrors, SupportRequestInput, SupportService } from '../support.service.ts';

export interface SubmitSupportRequestDeps {
  db: Kysely<DB>;
  support: SupportService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

export type SubmitSupportRequestResult = { ok: true; id: number } | { ok: false; errors: SupportErrors };

/**
 * A "Demande information": checked, recorded (linked to the account when signed in), the operators
 * e-mailed with all of it and the requester acknowledged — in one transaction, so a request is never
 * recorded without its e-mails nor e-mailed without being recorded.
 */
export async function submitSupportRequest(
  d: SubmitSupportRequestDeps,
  input: SupportRequestInput,
  by: { userId: number | null; ip: string | null },
): Promise<SubmitSupportRequestResult> {
  const errors = d.support.validate(input);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const identity = await d.settings.operatorIdentity();
  const operators = await d.accounts.operatorEmails();
  // Without an operator account yet, the address printed on the documents receives it.
  const operatorRecipients = operators.length > 0 ? operators : [identity.email];
  const id = await d.db.transaction().execute(async (trx) => {
    const id = await d.support.record(trx, input, by);
    const request = (await d.support.get(id, trx))!;
    await d.mail.enqueue(trx, {
      recipients: operatorRecipients,
      template: 'support.request.operator',
      rendered: supportRequestOperatorMail({ site: identity.tradeName, request, url: `${d.portalUrl()}/backoffice/demandes/${id}`, signedIn: by.userId !== null }),
      userId: null,
    });
    await d.mail.enqueue(trx, {
      recipients: [input.email],
      template: 'support.request.ack',
      rendered: supportRequestAckMail({ site: identity.tradeName, request, portalUrl: d.portalUrl() }),
      userId: by.userId,
    });
    await d.audit.record({ action: 'support.requested', actorUserId: by.userId, ip: by.ip, at: d.clock.now(), details: { requestId: id, subject: input.subject } }, trx);
    return id;
  });
  return { ok: true, id };
}
