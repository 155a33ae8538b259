export type DocumentState = 'to_pay' | 'to_accept' | 'accepted' | 'refused' | 'paid' | 'expired' | 'cancelled' | 'issued';

/**
 * A document's state is derived (documents never change): a quote is paid when an invoice settles it.
 * A quote of no hosting order (an accompaniment quote) is not paid as such: it is to be accepted,
 * then invoiced (a deposit invoice, a final invoice).
 */
export function documentState(
  d: {
    kind: string;
    valid_until: string | null;
    invoice_number?: string | null;
    cancelled?: boolean;
    order_id?: number | null;
    decision?: 'accepted' | 'refused' | null;
    /** an invoice issued unpaid (an accompaniment's final invoice): what it asks; null otherwise */
    amount_due_cents?: number | string | null;
    /** what the document has received (the `quote_paid_totals` view) */
    paid_cents?: number | string | null;
  },
  today: string,
): DocumentState {
  // An invoice is issued on payment, except an accompaniment's final invoice: paid once it has received its amount.
  if (d.kind === 'invoice') return d.amount_due_cents != null && Number(d.amount_due_cents) > Number(d.paid_cents ?? 0) ? 'to_pay' : 'paid';
  if (d.kind === 'credit_note') return 'issued';
  // A hosting quote is paid by its invoice; an accompaniment quote keeps its answer (it is invoiced in parts).
  if (d.invoice_number && d.order_id !== null) return 'paid';
  if (d.cancelled) return 'cancelled';
  // An answered quote keeps its answer after its validity date.
  if (d.decision) return d.decision;
  if (d.valid_until && d.valid_until < today) return 'expired';
  return d.order_id === null ? 'to_accept' : 'to_pay';
}
