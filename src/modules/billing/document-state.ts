export type DocumentState = 'to_pay' | 'paid' | 'expired' | 'cancelled' | 'issued';

/** A document's state is derived (documents never change): a quote is paid when an invoice settles it. */
export function documentState(
  d: { kind: string; valid_until: string | null; invoice_number?: string | null; cancelled?: boolean },
  today: string,
): DocumentState {
  if (d.kind === 'invoice') return 'paid';
  if (d.kind === 'credit_note') return 'issued';
  if (d.invoice_number) return 'paid';
  if (d.cancelled) return 'cancelled';
  if (d.valid_until && d.valid_until < today) return 'expired';
  return 'to_pay';
}
