import type { DocumentLine } from '../billing/document.types.ts';
import { frenchDate } from '../../platform/dates.ts';
import { formatMoney } from '../../web/i18n.ts';

export const EXTRA_CATEGORIES = ['travel', 'room', 'equipment', 'data', 'other'] as const;
export type ExtraCategory = (typeof EXTRA_CATEGORIES)[number];

export const EXTRA_LABELS: Record<ExtraCategory, string> = {
  travel: 'Transport et hébergement',
  room: 'Location de salle',
  equipment: 'Location de matériel',
  data: 'Préparation des données',
  other: 'Autre',
};

export interface SessionLineInput {
  label: string;
  hours: number;
}

export interface ExtraLineInput {
  category: ExtraCategory;
  label: string;
  amountCents: number;
}

export interface Tier {
  fromHours: number;
  percent: number;
}

/** The volume discount of a quote's total hours: the highest tier reached, or none. */
export function tierFor(totalHours: number, tiers: readonly Tier[]): Tier | null {
  return [...tiers].filter((t) => totalHours >= t.fromHours && t.percent > 0).sort((a, b) => b.fromHours - a.fromHours)[0] ?? null;
}

function hoursText(h: number): string {
  return `${String(h).replace('.', ',')} h`;
}

/**
 * The lines of an accompaniment quote: each session line is hours × the hourly rate, less the volume
 * discount of the quote's total hours (said on the line); extra costs at their amount, by category.
 */
export function supportQuoteLines(sessions: readonly SessionLineInput[], extras: readonly ExtraLineInput[], rate: { hourlyCents: number; tiers: readonly Tier[]; vatRatePercent: number }): { lines: DocumentLine[]; hours: number } {
  const hours = sessions.reduce((s, l) => s + l.hours, 0);
  const tier = tierFor(hours, rate.tiers);
  const unit = tier ? Math.round((rate.hourlyCents * (100 - tier.percent)) / 100) : rate.hourlyCents;
  const lines: DocumentLine[] = sessions.map((s) => ({
    label: s.label,
    detail: tier
      ? `${hoursText(s.hours)} × ${formatMoney(rate.hourlyCents, 'fr')}/h, remise de ${tier.percent} % à partir de ${hoursText(tier.fromHours)} (${hoursText(hours)} au total) : ${formatMoney(unit, 'fr')}/h`
      : `${hoursText(s.hours)} × ${formatMoney(rate.hourlyCents, 'fr')}/h`,
    quantity: s.hours,
    unitPriceCents: unit,
    netCents: Math.round(s.hours * unit),
    vatRatePercent: rate.vatRatePercent,
  }));
  for (const e of extras) {
    lines.push({ label: `${EXTRA_LABELS[e.category]} : ${e.label}`, detail: 'Frais annexes', quantity: 1, unitPriceCents: e.amountCents, netCents: e.amountCents, vatRatePercent: rate.vatRatePercent });
  }
  return { lines, hours };
}

/** The deposit of a quote: its percent of the quote's total (tax included), in cents, rounded half up. */
export function depositCents(grossCents: number, percent: number): number {
  return Math.floor((grossCents * percent + 50) / 100);
}

const EXTRA_DETAIL = 'Frais annexes';

/** A quote's extra-cost lines (the others are its session lines), in their order. */
export function extraLinesOf(quoteLines: readonly DocumentLine[]): DocumentLine[] {
  return quoteLines.filter((l) => l.detail === EXTRA_DETAIL);
}

/**
 * The lines of an accompaniment's final invoice: one line a session done, its hours at the quote's
 * hourly price (its volume tier included); then each extra cost of the quote at its real amount,
 * the line saying so when it differs from the quoted one.
 */
export function finalInvoiceLines(quote: { number: string; lines: readonly DocumentLine[] }, sessions: readonly { startsLocal: string; topic: string; hoursDone: number }[], realCents: readonly number[]): DocumentLine[] {
  const sessionLine = quote.lines.find((l) => l.detail !== EXTRA_DETAIL);
  const unit = sessionLine?.unitPriceCents ?? 0;
  const rate = quote.lines[0]?.vatRatePercent ?? 0;
  const lines: DocumentLine[] = sessions
    .filter((s) => s.hoursDone > 0)
    .map((s) => ({
      label: `Séance du ${frenchDate(s.startsLocal.slice(0, 10))}${s.topic ? ` — ${s.topic}` : ''}`,
      detail: `${hoursText(s.hoursDone)} réalisées × ${formatMoney(unit, 'fr')}/h (taux horaire du devis ${quote.number})`,
      quantity: s.hoursDone,
      unitPriceCents: unit,
      netCents: Math.round(s.hoursDone * unit),
      vatRatePercent: rate,
    }));
  extraLinesOf(quote.lines).forEach((e, i) => {
    const real = realCents[i] ?? e.netCents;
    lines.push({
      label: e.label,
      detail: real === e.netCents ? EXTRA_DETAIL : `${EXTRA_DETAIL} — montant réel, devisé ${formatMoney(e.netCents, 'fr')}`,
      quantity: 1,
      unitPriceCents: real,
      netCents: real,
      vatRatePercent: e.vatRatePercent,
    });
  });
  return lines;
}
