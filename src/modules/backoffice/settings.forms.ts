import { FEATURES } from '../../web/features.ts';
import { termsMarkerProblems } from '../settings/terms-text.ts';
import { str } from '../../web/forms.ts';
import { formatRegistration, normaliseRegistration, validEmail } from '../accounts/accounts.validation.ts';
import type { ArchiveSettings, BillingSettings, LifecycleSettings, OperatorIdentity } from '../settings/settings.types.ts';
import type { SettingsMessageKey } from './settings.messages.ts';
import { compactBic, formatIban, normalisePrefix, parseEuros, parseRate, parseWholeNumber, validBic, validIban } from './money.validation.ts';

/**
 * The settings forms, one per section: what each form holds, how it is read from a request body,
 * and how it is checked and turned into a patch for the settings service. Pure: no I/O here.
 */
export type SectionId = 'identite' | 'tva' | 'banque' | 'facturation' | 'archives' | 'cycle' | 'cgv';
export const SECTION_IDS: readonly SectionId[] = ['identite', 'tva', 'banque', 'facturation', 'archives', 'cycle', 'cgv'];

export type FormValues = Record<string, string>;
/** field → message key (with its parameters) */
export type FormErrors = Partial<Record<string, { key: SettingsMessageKey; params?: Record<string, number> }>>;

export const IDENTITY_FIELDS = ['tradeName', 'ownerName', 'legalStatus', 'address', 'postcode', 'city', 'country', 'siret', 'email', 'phone', 'publicationDirector', 'websiteHost'] as const;
export const BANK_FIELDS = ['accountHolder', 'iban', 'bic', 'chequePayee', 'chequeAddress'] as const;
export const ARCHIVE_FIELDS = ['quietStartHour', 'quietHours', 'automaticKeepDays', 'safetyKeepDays', 'finalKeepDays'] as const;
export const LIFECYCLE_FIELDS = ['renewalLeadDays', 'reminderDays', 'graceDays', 'retentionDays', 'nameQuarantineDays'] as const;
/** The bounds of the hosting year's delays (the settings service's schema says the same). */
export const LIFECYCLE_BOUNDS = { renewalLeadDays: [1, 120], graceDays: [0, 90], retentionDays: [1, 365], nameQuarantineDays: [0, 365], maxReminders: 6 } as const;
export const BILLING_FIELDS = ['quoteValidityDays', 'paymentDueDays', 'maxUnpaidOrders', 'latePenaltyText', 'prefixQuote', 'prefixInvoice', 'prefixCreditNote', 'supportHourly', 'supportTiers'] as const;
const MULTILINE = new Set(['address', 'chequeAddress', 'supportTiers']);
const OPTIONAL = new Set(['phone']);

/** The accompaniment's volume tiers as the form shows them: one a line, "10 h : 10 %". */
export function tiersText(tiers: readonly { fromHours: number; percent: number }[]): string {
  return tiers.map((x) => `${String(x.fromHours).replace('.', ',')} h : ${String(x.percent).replace('.', ',')} %`).join('\n');
}

/** "10 h : 10 %" lines (or separated by « ; ») → tiers, sorted by hours; null when a line is not one. */
export function parseTiers(text: string): { fromHours: number; percent: number }[] | null {
  const out: { fromHours: number; percent: number }[] = [];
  for (const line of text.split(/[\n;]+/).map((l) => l.trim()).filter(Boolean)) {
    const m = /^(\d{1,4}(?:[.,]\d)?)\s*h?\s*:\s*(\d{1,2}(?:[.,]\d)?)\s*%?$/i.exec(line);
    if (!m) return null;
    const fromHours = Number(m[1]!.replace(',', '.'));
    const percent = Number(m[2]!.replace(',', '.'));
    if (!(fromHours > 0) || !(percent > 0 && percent < 100) || out.some((x) => x.fromHours === fromHours)) return null;
    out.push({ fromHours, percent });
  }
  return out.length > 10 ? null : out.sort((a, b) => a.fromHours - b.fromHours);
}

/** Current settings as the strings the forms show. */
export function currentValues(identity: OperatorIdentity, billing: BillingSettings, archives: ArchiveSettings, lifecycle: LifecycleSettings): Record<Exclude<SectionId, 'cgv'>, FormValues> {
  return {
    archives: Object.fromEntries(ARCHIVE_FIELDS.map((f) => [f, String(archives[f])])),
    cycle: {
      renewalLeadDays: String(lifecycle.renewalLeadDays),
      reminderDays: reminderDaysText(lifecycle.reminderDays),
      graceDays: String(lifecycle.graceDays),
      retentionDays: String(lifecycle.retentionDays),
      nameQuarantineDays: String(lifecycle.nameQuarantineDays),
    },
    identite: Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, identity[f]])),
    tva: { vatFranchise: identity.vatFranchise ? '1' : '', vatRatePercent: String(billing.vatRatePercent), vatNumber: billing.vatNumber },
    banque: Object.fromEntries(BANK_FIELDS.map((f) => [f, identity[f]])),
    facturation: {
      quoteValidityDays: String(billing.quoteValidityDays),
      paymentDueDays: String(billing.paymentDueDays),
      maxUnpaidOrders: String(billing.maxUnpaidOrders),
      latePenaltyText: billing.latePenaltyText,
      prefixQuote: billing.prefixes.quote,
      prefixInvoice: billing.prefixes.invoice,
      prefixCreditNote: billing.prefixes.credit_note,
      supportHourly: (billing.supportHourlyCents / 100).toFixed(2).replace('.', ','),
      supportTiers: tiersText(billing.supportTiers),
    },
  };
}

/** The submitted strings of a section (text areas keep their line breaks, normalised to \n). */
export function readValues(section: SectionId, body: unknown): FormValues {
  const fields: readonly string[] =
    section === 'identite' ? IDENTITY_FIELDS : section === 'banque' ? BANK_FIELDS : section === 'facturation' ? BILLING_FIELDS : section === 'archives' ? ARCHIVE_FIELDS : section === 'cycle' ? LIFECYCLE_FIELDS : section === 'tva' ? ['vatFranchise', 'vatRatePercent', 'vatNumber'] : ['title', 'body'];
  const max = (f: string) => (f === 'body' ? 100_000 : MULTILINE.has(f) ? 500 : 200);
  // One character more than allowed is kept, so "too long" can be told apart from "just right".
  return Object.fromEntries(fields.map((f) => [f, str(body, f, max(f) + 1).replace(/\r\n?/g, '\n')]));
}

function lengths(values: FormValues, fields: readonly string[], errors: FormErrors): void {
  for (const f of fields) {
    const max = f === 'body' ? 100_000 : MULTILINE.has(f) ? 500 : 200;
    if (!values[f] && !OPTIONAL.has(f)) errors[f] = { key: 'err_required' };
    else if ((values[f] ?? '').length > max) errors[f] = { key: 'err_too_long', params: { max } };
  }
}

export type Checked<P> = { ok: true; patch: P } | { ok: false; errors: FormErrors };

export function checkIdentity(v: FormValues): Checked<Partial<OperatorIdentity>> {
  const errors: FormErrors = {};
  lengths(v, IDENTITY_FIELDS, errors);
  const siret = normaliseRegistration(v.siret ?? '');
  if (!errors.siret && (!siret || !/^\d{14}$/.test(siret))) errors.siret = { key: 'err_siret' };
  if (!errors.email && !validEmail(v.email ?? '')) errors.email = { key: 'err_email' };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const patch = Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, v[f] ?? ''])) as Partial<OperatorIdentity>;
  patch.siret = formatRegistration(siret!);
  return { ok: true, patch };
}

export function checkBank(v: FormValues): Checked<Partial<OperatorIdentity>> {
  const errors: FormErrors = {};
  lengths(v, BANK_FIELDS, errors);
  if (!errors.iban && !validIban(v.iban ?? '')) errors.iban = { key: 'err_iban' };
  if (!errors.bic && !validBic(v.bic ?? '')) errors.bic = { key: 'err_bic' };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, patch: { accountHolder: v.accountHolder!, iban: formatIban(v.iban!), bic: compactBic(v.bic!), chequePayee: v.chequePayee!, chequeAddress: v.chequeAddress! } };
}

export function checkVat(v: FormValues): Checked<{ vatFranchise: boolean; vatRatePercent: number; vatNumber: string }> {
  const errors: FormErrors = {};
  const franchise = v.vatFranchise === '1';
  const rate = parseRate(v.vatRatePercent ?? '');
  const vatNumber = (v.vatNumber ?? '').replace(/[\s.-]/g, '').toUpperCase();
  if (rate === null) errors.vatRatePercent = { key: 'err_rate' };
  else if (!franchise && rate === 0) errors.vatRatePercent = { key: 'err_rate_zero' };
  if (vatNumber && !(/^FR[0-9A-Z]{2}\d{9}$/.test(vatNumber) || /^(?!FR)[A-Z]{2}[0-9A-Z]{2,12}$/.test(vatNumber))) errors.vatNumber = { key: 'err_vat_number' };
  else if (!franchise && !vatNumber) errors.vatNumber = { key: 'err_vat_number_required' };
  if (Object.keys(errors).length > 0 || rate === null) return { ok: false, errors };
  return { ok: true, patch: { vatFranchise: franchise, vatRatePercent: rate, vatNumber } };
}

export function checkBilling(v: FormValues): Checked<Partial<BillingSettings>> {
  const errors: FormErrors = {};
  const validity = parseWholeNumber(v.quoteValidityDays ?? '', 1, 365);
  const due = parseWholeNumber(v.paymentDueDays ?? '', 0, 60);
  const unpaid = parseWholeNumber(v.maxUnpaidOrders ?? '', 1, 50);
  const penalty = v.latePenaltyText ?? '';
  if (validity === null) errors.quoteValidityDays = { key: 'err_validity' };
  if (due === null) errors.paymentDueDays = { key: 'err_due' };
  if (unpaid === null) errors.maxUnpaidOrders = { key: 'err_unpaid' };
  if (penalty.length < 3 || penalty.length > 200) errors.latePenaltyText = { key: 'err_penalty' };
  const quote = normalisePrefix(v.prefixQuote ?? '');
  const invoice = normalisePrefix(v.prefixInvoice ?? '');
  const credit = normalisePrefix(v.prefixCreditNote ?? '');
  if (!quote) errors.prefixQuote = { key: 'err_prefix' };
  if (!invoice) errors.prefixInvoice = { key: 'err_prefix' };
  if (!credit) errors.prefixCreditNote = { key: 'err_prefix' };
  if (quote && invoice && credit && new Set([quote, invoice, credit]).size < 3) {
    if (invoice === quote || invoice === credit) errors.prefixInvoice = { key: 'err_prefix_same' };
    if (credit === quote) errors.prefixCreditNote = { key: 'err_prefix_same' };
  }
  const hourly = parseEuros(v.supportHourly ?? '');
  if (!hourly.ok || hourly.cents > 1_000_000) errors.supportHourly = { key: 'err_hourly' };
  const tiers = parseTiers(v.supportTiers ?? '');
  if (tiers === null) errors.supportTiers = { key: 'err_tiers' };
  if (Object.keys(errors).length > 0 || validity === null || due === null || unpaid === null || !quote || !invoice || !credit || !hourly.ok || tiers === null) return { ok: false, errors };
  return { ok: true, patch: { quoteValidityDays: validity, paymentDueDays: due, maxUnpaidOrders: unpaid, latePenaltyText: penalty, prefixes: { quote, invoice, credit_note: credit }, supportHourlyCents: hourly.cents, supportTiers: tiers } };
}

/** The archives' quiet hours and keep delays (the service's schema says the same bounds). */
export function checkArchives(v: FormValues): Checked<ArchiveSettings> {
  const errors: FormErrors = {};
  const start = parseWholeNumber(v.quietStartHour ?? '', 0, 23);
  const hours = parseWholeNumber(v.quietHours ?? '', 1, 24);
  if (start === null) errors.quietStartHour = { key: 'err_hour' };
  if (hours === null) errors.quietHours = { key: 'err_hours' };
  const days: Partial<Record<'automaticKeepDays' | 'safetyKeepDays' | 'finalKeepDays', number>> = {};
  for (const [f, max] of [['automaticKeepDays', 366], ['safetyKeepDays', 366], ['finalKeepDays', 3660]] as const) {
    const n = parseWholeNumber(v[f] ?? '', 1, max);
    if (n === null) errors[f] = { key: 'err_keep_days', params: { max } };
    else days[f] = n;
  }
  if (Object.keys(errors).length > 0 || start === null || hours === null) return { ok: false, errors };
  return { ok: true, patch: { quietStartHour: start, quietHours: hours, automaticKeepDays: days.automaticKeepDays!, safetyKeepDays: days.safetyKeepDays!, finalKeepDays: days.finalKeepDays! } };
}

/** The reminder days as the form shows them: "15, 7, 1" (the furthest from the end first). */
export function reminderDaysText(days: readonly number[]): string {
  return [...days].sort((a, b) => b - a).join(', ');
}

/**
 * The hosting year's delays: the renewal order's lead, the reminders (distinct days, each after
 * the renewal order, i.e. fewer days before the end than its lead), the grace, the retention and
 * how long an ended instance's name stays reserved.
 */
export function checkLifecycle(v: FormValues): Checked<LifecycleSettings> {
  const errors: FormErrors = {};
  const [leadMin, leadMax] = LIFECYCLE_BOUNDS.renewalLeadDays;
  const [graceMin, graceMax] = LIFECYCLE_BOUNDS.graceDays;
  const [keepMin, keepMax] = LIFECYCLE_BOUNDS.retentionDays;
  const lead = parseWholeNumber(v.renewalLeadDays ?? '', leadMin, leadMax);
  const grace = parseWholeNumber(v.graceDays ?? '', graceMin, graceMax);
  const retention = parseWholeNumber(v.retentionDays ?? '', keepMin, keepMax);
  const [nameMin, nameMax] = LIFECYCLE_BOUNDS.nameQuarantineDays;
  const nameDays = parseWholeNumber(v.nameQuarantineDays ?? '', nameMin, nameMax);
  if (nameDays === null) errors.nameQuarantineDays = { key: 'err_name_days', params: { min: nameMin, max: nameMax } };
  if (lead === null) errors.renewalLeadDays = { key: 'err_lead_days', params: { min: leadMin, max: leadMax } };
  if (grace === null) errors.graceDays = { key: 'err_grace_days', params: { min: graceMin, max: graceMax } };
  if (retention === null) errors.retentionDays = { key: 'err_retention_days', params: { min: keepMin, max: keepMax } };
  // "15, 7, 1", "15 7 1", "15; 7; 1": whole numbers; empty means no reminder at all.
  const parts = (v.reminderDays ?? '').split(/[\s,;]+/).filter(Boolean);
  const reminders: number[] = [];
  if (parts.some((x) => !/^\d{1,4}$/.test(x)) || parts.length > LIFECYCLE_BOUNDS.maxReminders) {
    errors.reminderDays = { key: 'err_reminders_format', params: { max: LIFECYCLE_BOUNDS.maxReminders } };
  } else {
    for (const x of parts) {
      const n = Number(x);
      if (reminders.includes(n)) {
        errors.reminderDays = { key: 'err_reminders_repeat', params: { day: n } };
        break;
      }
      reminders.push(n);
    }
    const limit = lead ?? leadMax + 1;
    const out = reminders.find((n) => n >= limit);
    if (!errors.reminderDays && reminders.some((n) => n < 1)) errors.reminderDays = { key: 'err_reminders_zero' };
    else if (!errors.reminderDays && out !== undefined) {
      errors.reminderDays = lead === null ? { key: 'err_reminders_range_nolead', params: { max: leadMax - 1 } } : { key: 'err_reminders_range', params: { day: out, lead, max: lead - 1 } };
    }
  }
  if (Object.keys(errors).length > 0 || lead === null || grace === null || retention === null || nameDays === null) return { ok: false, errors };
  return { ok: true, patch: { renewalLeadDays: lead, reminderDays: reminders.sort((a, b) => b - a), graceDays: grace, retentionDays: retention, nameQuarantineDays: nameDays } };
}

export function checkTerms(v: FormValues): Checked<{ title: string; body: string }> {
  const errors: FormErrors = {};
  lengths(v, ['title', 'body'], errors);
  // A marker left open (or naming nothing) would be printed as is in the CGV.
  if (!errors.body && termsMarkerProblems(v.body ?? '', [...Object.keys(FEATURES), 'paypal']).length > 0) errors.body = { key: 'err_terms_markers' };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, patch: { title: v.title!, body: v.body! } };
}

/** The keys whose value differs between two settings objects (compared as JSON). */
export function changedKeys(before: object, after: object): string[] {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Form fields named after the zod paths of the settings service, for its (unexpected) refusals. */
export function fieldOfPath(path: readonly PropertyKey[]): string {
  if (path[0] === 'prefixes') return path[1] === 'invoice' ? 'prefixInvoice' : path[1] === 'credit_note' ? 'prefixCreditNote' : 'prefixQuote';
  return String(path[0] ?? 'form');
}
