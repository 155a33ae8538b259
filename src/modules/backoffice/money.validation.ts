/**
 * Pure parsers for what the operator types in the money and settings forms. Amounts never go through
 * floating point: "44,99" is split into euros and cents as strings and assembled as an integer.
 */

export type AmountProblem = 'required' | 'format' | 'zero' | 'too_large';

/** The largest amount a form accepts: one million euros (the payments service caps there too). */
export const MAX_AMOUNT_CENTS = 100_000_000;

/** "44,99", "44.99", "44,9", "44" → cents; anything else (sign, letters, 3 decimals, spaces inside) is refused. */
export function parseEuros(input: string): { ok: true; cents: number } | { ok: false; problem: AmountProblem } {
  const text = input.trim();
  if (text === '') return { ok: false, problem: 'required' };
  const m = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(text);
  if (!m) return { ok: false, problem: 'format' };
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (cents === 0) return { ok: false, problem: 'zero' };
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, problem: 'too_large' };
  return { ok: true, cents };
}

/** IBAN without spaces, upper case (what the checksum and the shape are checked on). */
export function compactIban(input: string): string {
  return input.replace(/[\s\u00a0\u202f-]/g, '').toUpperCase();
}

/** ISO 13616 check: country, two check digits, up to 30 alphanumerics, and the mod-97 remainder 1. */
export function validIban(input: string): boolean {
  const iban = compactIban(input);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  if (iban.startsWith('FR') && iban.length !== 27) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  // Letters become 10..35; the remainder is computed digit by digit, so no big number is ever built.
  let rest = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) rest = (rest * 10 + Number(digit)) % 97;
  }
  return rest === 1;
}

/** The IBAN as printed: groups of four. */
export function formatIban(input: string): string {
  return compactIban(input).replace(/(.{4})(?=.)/g, '$1 ');
}

/** ISO 9362 shape: bank (4 letters), country (2 letters), location (2), optional branch (3). */
export function compactBic(input: string): string {
  return input.replace(/\s/g, '').toUpperCase();
}

export function validBic(input: string): boolean {
  return /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/.test(compactBic(input));
}

/** A whole number of days within bounds, or null. */
export function parseWholeNumber(input: string, min: number, max: number): number | null {
  const text = input.trim();
  if (!/^\d{1,4}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** A VAT rate in percent, "20", "5,5", "2.1": at most two decimals, 0 to 100. */
export function parseRate(input: string): number | null {
  const m = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(input.trim());
  if (!m) return null;
  // Built from hundredths so "5,5" is exactly 5.5 (the nearest double), never 5.499999….
  const hundredths = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return hundredths <= 10_000 ? hundredths / 100 : null;
}

/** A document number prefix: 2 to 6 upper-case letters (typed in lower case, it is upper-cased). */
export function normalisePrefix(input: string): string | null {
  const p = input.trim().toUpperCase();
  return /^[A-Z]{2,6}$/.test(p) ? p : null;
}
