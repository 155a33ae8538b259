import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../../errors/app-error.ts';
import type { Locale } from '../i18n.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the form fields of this route that are text areas: line breaks (and tabs) are allowed there */
    multilineFields?: readonly string[];
  }
}

/**
 * Input hygiene, in one place for every form and query string: characters nobody types on purpose
 * and that do harm downstream are refused before any route sees them —
 * - NUL anywhere (PostgreSQL refuses it in text: it was a 500),
 * - other control characters (C0 but tab/line breaks, DEL, C1),
 * - line breaks in one-line fields (header and log injection, forged lines in e-mails and PDFs),
 * - bidirectional overrides and isolates (they make a name read differently from what it is:
 *   "Trojan Source", a fake file extension in an e-mail subject).
 * The refusal is a 422 naming the field, in the reader's language; nothing is stored.
 */
const NUL = /\u0000/;
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;
const TAB = /\t/;
/** embeddings, overrides and isolates (the marks LRM/RLM stay allowed: right-to-left names use them) */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/;

export type TextProblem = Extract<ErrorCode, 'text_nul' | 'text_control' | 'text_line_break' | 'text_bidi'>;

/** What is wrong with one value, or null. */
export function textProblem(value: string, multiline: boolean): TextProblem | null {
  if (NUL.test(value)) return 'text_nul';
  if (CONTROL.test(value)) return 'text_control';
  if (!multiline && LINE_BREAK.test(value)) return 'text_line_break';
  if (!multiline && TAB.test(value)) return 'text_control';
  if (BIDI.test(value)) return 'text_bidi';
  return null;
}

/** The first problem of a body or query (a record of strings or string arrays), with its field. */
export function findTextProblem(fields: unknown, multiline: readonly string[] = []): { field: string; problem: TextProblem } | null {
  if (!fields || typeof fields !== 'object' || Buffer.isBuffer(fields)) return null;
  for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
    const nameProblem = textProblem(field, false);
    if (nameProblem) return { field: '?', problem: nameProblem };
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') continue;
      const problem = textProblem(v, multiline.includes(field));
      if (problem) return { field, problem };
    }
  }
  return null;
}

/** Field names of the portal's forms as a person sees them (the refusal names the field). */
const LABELS: Record<string, { fr: string; en: string }> = {
  alias: { fr: 'Alias', en: 'Alias' },
  identifier: { fr: 'Alias ou adresse courriel', en: 'Alias or e-mail address' },
  name: { fr: 'Nom', en: 'Name' },
  email: { fr: 'Adresse courriel', en: 'E-mail address' },
  organisation: { fr: 'Organisation', en: 'Organisation' },
  password: { fr: 'Mot de passe', en: 'Password' },
  password_confirm: { fr: 'Confirmation du mot de passe', en: 'Password confirmation' },
  current: { fr: 'Mot de passe actuel', en: 'Current password' },
  current_password: { fr: 'Mot de passe actuel', en: 'Current password' },
  legal_form: { fr: 'Forme juridique', en: 'Legal form' },
  registration_number: { fr: 'SIREN, SIRET ou RNA', en: 'SIREN, SIRET or RNA' },
  address: { fr: 'Adresse', en: 'Address' },
  postcode: { fr: 'Code postal', en: 'Postcode' },
  city: { fr: 'Ville', en: 'City' },
  country: { fr: 'Pays', en: 'Country' },
  phone: { fr: 'Téléphone', en: 'Phone' },
  instance_name: { fr: "Nom de l'instance", en: 'Instance name' },
  q: { fr: 'Recherche', en: 'Search' },
  reason: { fr: 'Motif', en: 'Reason' },
  reference: { fr: 'Référence', en: 'Reference' },
  bank: { fr: 'Banque', en: 'Bank' },
  retour: { fr: 'Adresse de retour', en: 'Return address' },
  jeton: { fr: 'Lien', en: 'Link' },
};

export function fieldLabel(field: string, locale: Locale): string {
  return LABELS[field]?.[locale] ?? field;
}

/** The check, before any handler: the query of every request, the body of every form. */
export function registerInputHygiene(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const found = findTextProblem(request.query) ?? findTextProblem(request.body, request.routeOptions.config?.multilineFields);
    if (!found) return;
    request.log.info({ field: found.field, problem: found.problem, url: request.url.split('?', 1)[0] }, 'input refused');
    throw new AppError(found.problem, { params: { field: fieldLabel(found.field, request.locale) } });
  });
}
