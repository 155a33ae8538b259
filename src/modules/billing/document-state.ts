export type DocumentState = 'to_pay' | 'to_accept' | 'accepted' | 'refused' | 'paid' | 'expired' | 'cancelled' | 'issued';

/**
 * A document's state is derived (documents never change): a quote is paid when an invoice settles it.
 * A quote of no hosting order (an accompaniment quote) is not paid as such: it is to be accepted.
 */
export function documentState(
  d: { kind: string; valid_until: string | null; invoice_number?: string | null; cancelled?: boolean; order_id?: number | null; decision?: 'accepted' | 'refused' | null },
  today: string,
): DocumentState {
  if (d.kind === 'invoice') return 'paid';
  if (d.kind === 'credit_note') return 'issued';
  if (d.invoice_number) return 'paid';
  if (d.cancelled) return 'cancelled';
  // An answered quote keeps its answer after its validity date.
  if (d.decision) return d.decision;
  if (d.valid_until && d.valid_until < today) return 'expired';
  return d.order_id === null ? 'to_accept' : 'to_pay';
}
