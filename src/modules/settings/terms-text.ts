import type { FeatureSet } from '../../web/features.ts';

/**
 * What the CGV may speak of: the features that exist and whether PayPal is configured. The stored
 * text marks the passages that depend on them, so one text stays true as features arrive:
 *
 * - `{si:NAME}…{fin}` keeps the passage only when NAME is on (NAME: a feature, or `paypal`); the
 *   passage may span lines, e.g. a whole article;
 * - `{moyensDePaiement}` becomes "par virement bancaire, par chèque ou par PayPal" (or without PayPal);
 * - `{n}` in a title numbers the articles that remain, in order.
 */
export interface TermsConditions {
  features: FeatureSet;
  paypal: boolean;
}

const BLOCK = /\{si:(\w+)\}([\s\S]*?)\{fin\}/g;

export function renderTermsBody(body: string, c: TermsConditions): string {
  const on = (name: string) => (name === 'paypal' ? c.paypal : Object.hasOwn(c.features, name) && c.features[name as keyof FeatureSet]);
  let n = 0;
  return body
    .replace(BLOCK, (_all, name: string, text: string) => (on(name) ? text : ''))
    .replace(/\{moyensDePaiement\}/g, c.paypal ? 'par virement bancaire, par chèque ou par PayPal' : 'par virement bancaire ou par chèque')
    .replace(/\{n\}/g, () => String(++n))
    // a passage taken out must not leave an empty paragraph behind
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Markers that would be printed as is: `{si:…}` without its `{fin}`, or an unknown name. */
export function termsMarkerProblems(body: string, known: readonly string[]): string[] {
  const problems: string[] = [];
  const stripped = body.replace(BLOCK, (_all, name: string) => {
    if (!known.includes(name)) problems.push(`{si:${name}}`);
    return '';
  });
  for (const m of stripped.matchAll(/\{si:\w+\}|\{fin\}/g)) problems.push(m[0]);
  return problems;
}
