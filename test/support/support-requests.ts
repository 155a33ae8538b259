import assert from 'node:assert/strict';
import type { SupportRequestInput } from '../../src/modules/support/support.service.ts';
import { issueSupportQuote } from '../../src/modules/support/use-cases/issue-support-quote.ts';
import { submitSupportRequest } from '../../src/modules/support/use-cases/submit-support-request.ts';
import type { AppAndContainer } from './customers.ts';

/** A complete request of the "Demande information" form, with some fields replaced. */
export function supportInput(over: Partial<SupportRequestInput> = {}): SupportRequestInput {
  return {
    subject: 'support',
    organisation: 'Association des Amis du Vélo',
    contact: 'Claire Martin',
    email: 'claire@example.org',
    phone: '04 76 00 00 00',
    instance_name: '',
    difficulties: 'Les écritures de fin d’exercice.\nLa clôture.',
    expectations: 'Savoir clôturer seule.',
    format: 'remote_presentation',
    availability: 'Le mardi après-midi',
    ...over,
  };
}

/** A request recorded through the use case (as the form records it); its id. */
export async function supportRequest(t: Pick<AppAndContainer, 'container'>, over: Partial<SupportRequestInput> = {}, userId: number | null = null): Promise<number> {
  const r = await submitSupportRequest(t.container.deps, supportInput(over), { userId, ip: '192.0.2.9' });
  assert.ok(r.ok, JSON.stringify(r));
  return r.id;
}

/** A request of this customer answered by an accompaniment quote (2 h of sessions); the quote's number. */
export async function supportQuoteFor(t: Pick<AppAndContainer, 'container'>, userId: number, operatorId: number): Promise<string> {
  const email = (await t.container.services.accounts.getAccount(userId))!.user.email;
  const requestId = await supportRequest(t, { email }, userId);
  const issued = await issueSupportQuote(t.container.deps, requestId, { sessions: [{ label: 'Prise en main', hours: 2 }], extras: [], note: '', validityDays: 30, invoicing: 'completion', depositPercent: 0 }, { operatorId, ip: null });
  return issued.number;
}
