import type { Organisation, User } from '../../platform/db/schema.ts';
import { COUNTRIES } from '../accounts/accounts.validation.ts';
import type { BillingSettings, OperatorIdentity } from '../settings/settings.types.ts';
import type { BillingDocument, DocumentLine, Party, Seller } from './document.types.ts';

/** Pure functions that turn settings, customers and lines into the frozen content of a document. */

export function sellerFrom(id: OperatorIdentity, billing: BillingSettings): Seller {
  return {
    tradeName: id.tradeName,
    legalName: /\bEI\b/.test(id.ownerName) ? id.ownerName : `${id.ownerName} EI`,
    name: id.tradeName,
    addressLines: id.address.split('\n').map((l) => l.trim()).filter(Boolean),
    postcode: id.postcode,
    city: id.city,
    country: countryCode(id.country),
    email: id.email || null,
    phone: id.phone || null,
    siret: id.siret.replace(/\s/g, ''),
    registrationNumber: id.siret.replace(/\s/g, ''),
    vatNumber: id.vatFranchise ? null : billing.vatNumber || null,
    accountHolder: id.accountHolder || null,
    iban: id.iban,
    bic: id.bic,
    chequePayee: id.chequePayee,
    chequeAddress: id.chequeAddress,
  };
}

/** The operator's country is free text ("France"): its ISO code, from the French or English name. */
export function countryCode(country: string): string {
  const c = country.trim();
  if (/^[A-Za-z]{2}$/.test(c)) return c.toUpperCase();
  const wanted = c.toLocaleLowerCase('fr');
  for (const locale of ['fr', 'en']) {
    const names = new Intl.DisplayNames([locale], { type: 'region' });
    for (const code of COUNTRIES) if (names.of(code)?.toLocaleLowerCase('fr') === wanted) return code;
  }
  return 'FR';
}

export function buyerFrom(organisation: Organisation, user: Pick<User, 'email'>): Party {
  return {
    name: organisation.name,
    addressLines: (organisation.address ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
    postcode: organisation.postcode ?? '',
    city: organisation.city ?? '',
    country: organisation.country,
    email: organisation.email ?? user.email,
    registrationNumber: organisation.registration_number,
  };
}

/** Totals and VAT breakdown from lines; under the franchise every line is at 0 %. */
export function totalsOf(lines: DocumentLine[]): BillingDocument['totals'] {
  const byRate = new Map<number, number>();
  for (const l of lines) byRate.set(l.vatRatePercent, (byRate.get(l.vatRatePercent) ?? 0) + l.netCents);
  const vatBreakdown = [...byRate].sort(([a], [b]) => a - b).map(([ratePercent, baseCents]) => ({
    ratePercent,
    baseCents,
    // Half-up rounding of VAT per rate, in integers: the rate in hundredths of a percent.
    vatCents: Math.floor((baseCents * Math.round(ratePercent * 100) + 5000) / 10000),
  }));
  const netCents = lines.reduce((s, l) => s + l.netCents, 0);
  const vatCents = vatBreakdown.reduce((s, b) => s + b.vatCents, 0);
  return { netCents, vatCents, grossCents: netCents + vatCents, vatBreakdown };
}

export function paymentTerms(billing: BillingSettings, kind: 'quote' | 'invoice' | 'credit_note', paid: boolean): BillingDocument['paymentTerms'] {
  const dueText =
    kind === 'quote'
      ? 'Paiement à la commande, avant la mise en service'
      : paid
        ? 'Payée à la commande'
        : billing.paymentDueDays === 0
          ? 'Paiement à réception'
          : `Paiement à ${billing.paymentDueDays} jours`;
  return { dueText, latePenaltyText: billing.latePenaltyText };
}
