import type { Kysely } from 'kysely';
import type { DB, DocumentRow } from '../../platform/db/schema.ts';
import type { BillingService } from '../billing/billing.service.ts';
import type { SupportService } from './support.service.ts';

export interface AcceptedQuote {
  doc: DocumentRow;
  number: string;
  hours: number;
  invoicing: 'deposit' | 'completion';
  depositPercent: number;
}

/**
 * The quote of a request whose sessions are planned: the one the customer accepted ("Bon pour
 * accord") — the newest such quote, since a revision replaces the previous one. None until then.
 */
export async function acceptedQuoteOf(d: { support: SupportService; billing: BillingService }, requestId: number, db?: Kysely<DB>): Promise<AcceptedQuote | null> {
  for (const q of await d.support.quotesOf(requestId, db)) {
    if ((await d.billing.decisionOf(q.document_id, db))?.decision !== 'accepted') continue;
    const doc = await d.billing.findDocument({ id: q.document_id });
    if (!doc) continue;
    return { doc, number: q.number, hours: Number(q.hours), invoicing: q.invoicing, depositPercent: q.deposit_percent };
  }
  return null;
}
