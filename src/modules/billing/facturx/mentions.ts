/**
 * The French legal mentions, written once and used by both the PDF and the Factur-X notes (BT-22), so
 * the two representations of a document say the same thing.
 */
import type { BillingDocument, Seller } from '../document.types.ts';

export const VAT_FRANCHISE_TEXT = 'TVA non applicable, art. 293 B du CGI';
export const VAT_FRANCHISE_CODE = 'VATEX-FR-FRANCHISE';
export const RECOVERY_INDEMNITY_TEXT = 'indemnité forfaitaire pour frais de recouvrement : 40 €';
export const NO_DISCOUNT_TEXT = "Pas d'escompte pour paiement anticipé";
/** every document of ecrin sells services (hosting, accompaniment): the 2026 "nature de l'opération" */
export const SERVICES_NATURE = 'Prestation de services';

/** "En cas de retard de paiement, pénalités au taux de …" (the rate text comes from the settings) */
export function latePenaltySentence(doc: BillingDocument): string {
  return `En cas de retard de paiement, pénalités au taux de ${doc.paymentTerms.latePenaltyText}`;
}

/** the full printed mention: penalty rate ; 40 € recovery indemnity */
export function latePenaltyMention(doc: BillingDocument): string {
  return `${latePenaltySentence(doc)} ; ${RECOVERY_INDEMNITY_TEXT}`;
}

/** The sole trader's name followed by "EI" (entrepreneur individuel), unless the setting already has it. */
export function legalNameWithEi(seller: Pick<Seller, 'legalName'>): string {
  const name = seller.legalName.trim();
  return /(^|\s)E\.?I\.?$/.test(name) ? name : `${name} EI`;
}

/** SIREN = the first 9 digits of a SIRET; undefined for anything else (e.g. an RNA number W123456789). */
export function sirenOf(registrationNumber: string | null | undefined): string | undefined {
  const n = (registrationNumber ?? '').replace(/\s+/g, '');
  if (/^\d{9}$/.test(n)) return n;
  if (/^\d{14}$/.test(n)) return n.slice(0, 9);
  return undefined;
}

export function siretOf(registrationNumber: string | null | undefined): string | undefined {
  const n = (registrationNumber ?? '').replace(/\s+/g, '');
  return /^\d{14}$/.test(n) ? n : undefined;
}

/** "FR76 3000 …" → "FR763000…": the XML wants the IBAN without spaces */
export function compactIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

/** "FR7630001007941234567890185" → "FR76 3000 1007 9412 3456 7890 185" for printing */
export function groupIban(iban: string): string {
  return compactIban(iban).replace(/(.{4})(?=.)/g, '$1 ');
}

/** what was paid before this document (BT-113): a payment received, and a deposit invoiced and deducted */
export function prepaidCents(doc: BillingDocument): number {
  return (doc.paid?.amountCents ?? 0) + (doc.deposit?.amountCents ?? 0);
}

/** the amount still due (BT-115): gross minus what was already paid (BT-113) */
export function dueCents(doc: BillingDocument): number {
  return doc.totals.grossCents - prepaidCents(doc);
}
