/** How the PDF prints amounts, rates, quantities, identifiers and addresses (French conventions). */
import type { Party } from '../document.types.ts';
import { centsToDecimal } from '../facturx/format.ts';

const EUR = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
export const QTY = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 4 });

/**
 * "1 234,56 €" formatted from the exact decimal string of the cents (Intl accepts a numeric string),
 * so no float is involved; the spaces are U+202F / U+00A0 as Intl makes them, drawn by the embedded font.
 */
export function formatEuros(cents: number): string {
  return EUR.format(centsToDecimal(cents) as `${number}`);
}

export function formatRate(rate: number): string {
  return `${QTY.format(rate)} %`;
}

export function groupSiret(siret: string): string {
  const s = siret.replace(/\s+/g, '');
  return /^\d{14}$/.test(s) ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6, 9)} ${s.slice(9)}` : s;
}

export function registrationLabel(reg: string): string {
  const r = reg.replace(/\s+/g, '');
  if (/^\d{14}$/.test(r)) return `SIRET : ${groupSiret(r)}`;
  if (/^\d{9}$/.test(r)) return `SIREN : ${r.slice(0, 3)} ${r.slice(3, 6)} ${r.slice(6)}`;
  if (/^W\d{9}$/i.test(r)) return `RNA : ${r.toUpperCase()}`;
  return `N° d'immatriculation : ${r}`;
}

export function addressLines(party: Party): string[] {
  const lines = party.addressLines.map((l) => l.trim()).filter(Boolean);
  const city = `${party.postcode} ${party.city}`.trim();
  return party.country.toUpperCase() === 'FR' ? [...lines, city] : [...lines, city, party.country.toUpperCase()];
}
