import { z } from 'zod';
import type { FieldErrorCode } from '../../errors/app-error.ts';

/** Field → error code (the catalogue's; the pages turn them into sentences). */
export type { FieldErrorCode };
export type FieldErrorCodes = Partial<Record<string, FieldErrorCode>>;

const emailSchema = z.email();

export function validEmail(value: string): boolean {
  return value.length <= 254 && emailSchema.safeParse(value).success;
}

/** Alias: 3 to 40 characters, letters, digits, dot, hyphen or underscore, starting with a letter or digit. */
export const ALIAS_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{2,39}$/;

export const LEGAL_FORMS = [
  'association',
  'association_locale',
  'syndicat',
  'entreprise_individuelle',
  'societe',
  'collectivite',
  'autre',
] as const;
export type LegalForm = (typeof LEGAL_FORMS)[number];

/** Luhn checksum, used by SIREN and SIRET numbers. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * SIREN (9 digits), SIRET (14 digits) or RNA (W + 9 digits), spaces allowed; returns the normalised
 * form or null. La Poste's SIRETs (SIREN 356000000) do not follow Luhn and are accepted as such.
 */
export function normaliseRegistration(value: string): string | null {
  const compact = value.replace(/[\s.]/g, '').toUpperCase();
  if (/^W\d{9}$/.test(compact)) return compact;
  if (/^\d{9}$/.test(compact) && luhn(compact)) return compact;
  if (/^\d{14}$/.test(compact) && (luhn(compact) || compact.startsWith('356000000'))) return compact;
  return null;
}

export function formatRegistration(value: string): string {
  if (/^\d{9}$/.test(value)) return value.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3');
  if (/^\d{14}$/.test(value)) return value.replace(/(\d{3})(\d{3})(\d{3})(\d{5})/, '$1 $2 $3 $4');
  return value;
}

/** Countries offered in the form (French-speaking customers first); names come from Intl. */
export const COUNTRIES = [
  'FR', 'BE', 'CH', 'LU', 'MC', 'CA', 'AD', 'DE', 'ES', 'IT', 'PT', 'NL', 'GB', 'IE', 'AT',
  'MA', 'DZ', 'TN', 'SN', 'CI', 'CM', 'BF', 'ML', 'NE', 'TG', 'BJ', 'GA', 'CG', 'CD', 'MG',
  'MU', 'HT', 'NC', 'PF', 'US',
] as const;

/** Legal forms whose structure may have no SIREN (an association declared only at the prefecture…). */
const MAY_HAVE_NO_SIREN: readonly string[] = ['association', 'association_locale', 'syndicat', 'autre'];

/**
 * What an invoice needs of its buyer (French rules, 2026): a postal address, the legal form, and the
 * SIREN — optional only for a structure that may have none, such as an association.
 */
export function billingAddressErrors(o: { legal_form: string | null; registration_number: string | null; address: string | null; postcode: string | null; city: string | null }): FieldErrorCodes {
  const errors: FieldErrorCodes = {};
  if (!o.address?.trim()) errors.address = 'required';
  if (!o.postcode?.trim()) errors.postcode = 'required';
  if (!o.city?.trim()) errors.city = 'required';
  if (!o.legal_form) errors.legal_form = 'required';
  else if (!o.registration_number && !MAY_HAVE_NO_SIREN.includes(o.legal_form)) errors.registration_number = 'registration_required';
  return errors;
}

export interface OrganisationInput {
  name: string;
  legalForm: string;
  registrationNumber: string;
  address: string;
  postcode: string;
  city: string;
  country: string;
  email: string;
  phone: string;
}

export function validateOrganisation(input: OrganisationInput): {
  errors: FieldErrorCodes;
  value: {
    name: string;
    legal_form: string | null;
    registration_number: string | null;
    address: string | null;
    postcode: string | null;
    city: string | null;
    country: string;
    email: string | null;
    phone: string | null;
  };
} {
  const errors: FieldErrorCodes = {};
  if (!input.name) errors.name = 'required';
  else if (input.name.length > 200) errors.name = 'too_long';
  if (input.legalForm && !(LEGAL_FORMS as readonly string[]).includes(input.legalForm)) errors.legal_form = 'legal_form_invalid';
  let registration: string | null = null;
  if (input.registrationNumber) {
    registration = normaliseRegistration(input.registrationNumber);
    if (!registration) errors.registration_number = 'registration_invalid';
  }
  if (input.address.length > 300) errors.address = 'too_long';
  const country = (input.country || 'FR').toUpperCase();
  if (!(COUNTRIES as readonly string[]).includes(country)) errors.country = 'country_invalid';
  if (input.postcode) {
    if (country === 'FR' ? !/^\d{5}$/.test(input.postcode) : !/^[A-Za-z0-9 -]{2,12}$/.test(input.postcode)) errors.postcode = 'postcode_invalid';
  }
  if (input.city.length > 120) errors.city = 'too_long';
  if (input.email && !validEmail(input.email)) errors.email = 'email_invalid';
  if (input.phone && !/^\+?[0-9 .()-]{6,30}$/.test(input.phone)) errors.phone = 'phone_invalid';
  return {
    errors,
    value: {
      name: input.name,
      legal_form: input.legalForm || null,
      registration_number: registration,
      address: input.address || null,
      postcode: input.postcode || null,
      city: input.city || null,
      country,
      email: input.email || null,
      phone: input.phone || null,
    },
  };
}
