import { formatBytes, formatMoney, type Locale } from '../web/i18n.ts';
import { catalogue, isErrorCode, type CatalogueEntry, type ErrorCode, type FieldErrorCode, type PasswordRulesCode } from './catalogue.ts';

export type { ErrorCode, FieldErrorCode, PasswordRulesCode } from './catalogue.ts';
export { isErrorCode } from './catalogue.ts';

export type ErrorParams = Record<string, string | number>;

/** A domain error as a value: a catalogue code and the parameters its sentence needs. */
export interface DomainError<C extends ErrorCode = ErrorCode> {
  code: C;
  params?: ErrorParams;
}

/** Who reads the sentence: the operator is told what to do about it where that differs. */
export type Audience = 'customer' | 'operator';

/**
 * The one throwable error of the application: a catalogue code (its status comes from there),
 * parameters for its sentence, and headers to send with the answer (e.g. Retry-After).
 */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly params: ErrorParams;
  readonly headers: Record<string, string>;
  constructor(code: C, opts: { message?: string; params?: ErrorParams; headers?: Record<string, string> } = {}) {
    super(opts.message ?? code);
    this.code = code;
    this.status = errorStatus(code);
    this.params = opts.params ?? {};
    this.headers = opts.headers ?? {};
  }
}

export function errorStatus(code: ErrorCode): number {
  return catalogue[code].status;
}

/**
 * The sentence for an error, in the reader's language. `{name}` takes the parameter `name`; a
 * parameter named `…Cents` is an amount of money and is shown as such.
 */
export function errorText(error: ErrorCode | DomainError, locale: Locale, audience: Audience = 'customer'): string {
  const { code, params } = typeof error === 'string' ? { code: error, params: undefined } : error;
  const entry: CatalogueEntry = catalogue[code];
  const text = (audience === 'operator' && entry.operator ? entry.operator : entry)[locale];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    if (typeof value === 'number' && name.endsWith('Cents')) return formatMoney(value, locale);
    if (typeof value === 'number' && name.endsWith('Bytes')) return formatBytes(value, locale);
    return String(value);
  });
}

/** Field → code, as services return them, turned into the sentences a form shows. */
export function fieldErrorTexts(errors: Partial<Record<string, FieldErrorCode | ErrorCode | DomainError>>, locale: Locale, audience: Audience = 'customer'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, error] of Object.entries(errors)) {
    if (!error) continue;
    out[field] = typeof error === 'string' && error.startsWith('password:') ? passwordRulesText(error as PasswordRulesCode, locale) : errorText(error as ErrorCode | DomainError, locale, audience);
  }
  return out;
}

/** `password:too_short+contains_admin` → "Le mot de passe ne respecte pas ces règles : Il doit … Il ne doit …" */
export function passwordRulesText(code: PasswordRulesCode, locale: Locale): string {
  const rules = code.slice('password:'.length).split('+').map((r) => `password_${r}`).filter(isErrorCode);
  return [errorText('password_rules', locale), ...rules.map((r) => errorText(r, locale))].join(' ');
}
