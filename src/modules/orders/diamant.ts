import type { FieldErrorCode } from '../../errors/catalogue.ts';
import type { CustomLimits, CustomTerms, CustomTermsLine } from '../../platform/db/schema.ts';

/**
 * Diamant, the plan sold on a custom quote: the rules of the customer's request (the needs in
 * words) and of the operator's quote (limits as a plan has them, lines, validity). Pure functions.
 */
export const NEEDS_MAX = 5000;
export const DIAMANT_LINE_ROWS = 4;
export const DIAMANT_LABEL_MAX = 200;
export const DIAMANT_NOTE_MAX = 2000;

/** The operator's quote form, as typed: limits, the yearly hosting price, other lines, validity. */
export interface DiamantQuoteForm {
  maxSessions: string;
  bandwidthMbps: string;
  storageGb: string;
  slaPercent: string;
  hostingLabel: string;
  hostingPrice: string;
  lines: { label: string; quantity: string; price: string; yearly: string }[];
  validityDays: string;
  note: string;
}

export interface DiamantQuoteInput {
  terms: CustomTerms;
  validityDays: number;
  note: string;
}

export type DiamantErrors = Record<string, FieldErrorCode>;

/** The needs a request must say: not empty, not a novel. */
export function needsError(needs: string): FieldErrorCode | null {
  if (!needs.trim()) return 'diamant_needs_required';
  if (needs.length > NEEDS_MAX) return 'too_long';
  return null;
}

/** "12", "12,5" → the number when it is a decimal of at most 2 places; NaN otherwise. */
function decimal(text: string): number {
  const t = text.replace(/\s/g, '').replace(',', '.');
  return /^\d{1,9}(\.\d{1,2})?$/.test(t) ? Number(t) : Number.NaN;
}

/** An empty field is "unlimited" (null); otherwise a whole number within the bounds. */
function wholeOrUnlimited(text: string, min: number, max: number): number | null | undefined {
  if (text === '') return null;
  if (!/^\d{1,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** Euros typed → cents, positive and at most 100 000 €; null when it is not a price. */
function priceCents(text: string, allowZero: boolean): number | null {
  const euros = decimal(text);
  if (!(euros <= 100_000) || (allowZero ? euros < 0 : euros <= 0)) return null;
  return Math.round(euros * 100);
}

export const DIAMANT_HOSTING_LABEL = 'Hébergement Diacamma — forfait Diamant — 1 an';

/** The operator's form checked: the custom terms of the order, or every problem at once (by field). */
export function parseDiamantQuote(form: DiamantQuoteForm): { ok: true; input: DiamantQuoteInput } | { ok: false; errors: DiamantErrors } {
  const errors: DiamantErrors = {};
  const maxSessions = wholeOrUnlimited(form.maxSessions, 1, 100_000);
  if (maxSessions === undefined) errors.max_sessions = 'diamant_sessions_invalid';
  const bandwidthMbps = wholeOrUnlimited(form.bandwidthMbps, 1, 100_000);
  if (bandwidthMbps === undefined) errors.bandwidth = 'diamant_bandwidth_invalid';
  const storageGb = /^\d{1,6}$/.test(form.storageGb) ? Number(form.storageGb) : Number.NaN;
  if (!(storageGb >= 1 && storageGb <= 100_000)) errors.storage = 'diamant_storage_invalid';
  let slaPercent: number | null = null;
  if (form.slaPercent !== '') {
    slaPercent = decimal(form.slaPercent);
    if (!(slaPercent >= 90 && slaPercent <= 100)) errors.sla = 'diamant_sla_invalid';
  }
  const hostingLabel = form.hostingLabel || DIAMANT_HOSTING_LABEL;
  if (hostingLabel.length > DIAMANT_LABEL_MAX) errors.hosting_label = 'too_long';
  const hostingCents = priceCents(form.hostingPrice, false);
  if (hostingCents === null) errors.hosting_price = 'diamant_price_invalid';
  const lines: CustomTermsLine[] = [{ label: hostingLabel, quantity: 1, unitPriceCents: hostingCents ?? 0, yearly: true }];
  form.lines.forEach((row, i) => {
    if (!row.label && !row.price && !row.quantity) return;
    if (!row.label) errors[`line_label_${i}`] = 'required';
    else if (row.label.length > DIAMANT_LABEL_MAX) errors[`line_label_${i}`] = 'too_long';
    const quantity = /^\d{1,4}$/.test(row.quantity || '1') ? Number(row.quantity || '1') : Number.NaN;
    if (!(quantity >= 1 && quantity <= 1000)) errors[`line_quantity_${i}`] = 'diamant_quantity_invalid';
    const cents = priceCents(row.price, false);
    if (cents === null) errors[`line_price_${i}`] = 'diamant_price_invalid';
    lines.push({ label: row.label, quantity, unitPriceCents: cents ?? 0, yearly: row.yearly === '1' });
  });
  const validityDays = /^\d{1,3}$/.test(form.validityDays) ? Number(form.validityDays) : Number.NaN;
  if (!(validityDays >= 1 && validityDays <= 365)) errors.validity = 'support_validity_invalid';
  if (form.note.length > DIAMANT_NOTE_MAX) errors.note = 'too_long';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const limits: CustomLimits = { maxSessions: maxSessions!, bandwidthMbps: bandwidthMbps!, storageBytes: storageGb * 1024 ** 3, slaPercent };
  return { ok: true, input: { terms: { limits, lines }, validityDays, note: form.note } };
}

/** What a year of the custom terms costs, excluding tax: the lines renewed every year. */
export function yearlyCentsOf(terms: CustomTerms): number {
  return terms.lines.filter((l) => l.yearly).reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
}
