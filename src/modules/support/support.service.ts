import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { FieldErrorCode } from '../../errors/catalogue.ts';
import type { Clock } from '../../platform/clock.ts';
import type { DB, SupportFormat, SupportRequest, SupportSubject } from '../../platform/db/schema.ts';
import { READ_CACHE_TTL } from '../accounts/account-cache.ts';
import { validEmail } from '../accounts/accounts.validation.ts';
import type { SupportRepository } from './support.repository.ts';
import { EXTRA_CATEGORIES, type ExtraCategory, type ExtraLineInput, type SessionLineInput } from './support.pricing.ts';

/** What the operator's quote form gives, as typed (rows left empty are ignored). */
export interface SupportQuoteForm {
  sessions: { label: string; hours: string }[];
  extras: { category: string; label: string; amount: string }[];
  note: string;
  validityDays: string;
  invoicing: string;
  depositPercent: string;
}

export interface SupportQuoteInput {
  sessions: SessionLineInput[];
  extras: ExtraLineInput[];
  note: string;
  validityDays: number;
  invoicing: 'deposit' | 'completion';
  depositPercent: number;
}

export const QUOTE_ROWS = 5;
export const NOTE_MAX = 2000;
export const LINE_LABEL_MAX = 200;

/** "1,5" or "1.5" → 1.5; anything else → NaN. */
function decimal(text: string): number {
  const t = text.replace(/\s/g, '').replace(',', '.');
  return /^\d{1,7}(\.\d{1,2})?$/.test(t) ? Number(t) : Number.NaN;
}

export const SUPPORT_SUBJECTS: readonly SupportSubject[] = ['support', 'hosting', 'diamant', 'other'];
export const SUPPORT_FORMATS: readonly SupportFormat[] = ['on_site', 'remote_presentation', 'remote_control'];

/** The longest text each field keeps; longer is refused with a message, never cut silently. */
export const SUPPORT_LIMITS = {
  organisation: 200,
  contact: 120,
  email: 254,
  phone: 30,
  instance_name: 63,
  difficulties: 5000,
  expectations: 5000,
  availability: 1000,
} as const;

/** A form sent sooner than this after it was shown is a robot's (a person reads and types). */
export const MIN_FILL_MS = 3000;
/** A form shown longer ago than this is stale: shown again with a new stamp. */
export const MAX_FILL_MS = 24 * 3600 * 1000;

export interface SupportRequestInput {
  subject: string;
  organisation: string;
  contact: string;
  email: string;
  phone: string;
  instance_name: string;
  difficulties: string;
  expectations: string;
  format: string;
  availability: string;
}

export type SupportErrors = Partial<Record<keyof SupportRequestInput | 'form', FieldErrorCode>>;

export interface SupportDeps {
  repo: SupportRepository;
  clock: Clock;
  secretKey: Buffer | string;
}

/** The rules of accompaniment requests: what a request must hold, the form's stamp, the reads. */
export class SupportService {
  readonly #repo: SupportRepository;
  readonly #clock: Clock;
  readonly #key: Buffer;
  /**
   * Whether a customer has an accompaniment quote decides the header's « Vos séances » on every
   * page they open, so it is known here without a query: a customer who has one always has one
   * (kept); a "no" is kept for READ_CACHE_TTL and forgotten by this process when it records a quote
   * (another process's quote shows within that delay).
   */
  readonly #withQuotes = new LRUCache<number, true>({ max: 20_000 });
  readonly #withoutQuotes = new LRUCache<number, true>({ max: 20_000, ttl: READ_CACHE_TTL });

  constructor(d: SupportDeps) {
    this.#repo = d.repo;
    this.#clock = d.clock;
    this.#key = crypto.createHmac('sha256', d.secretKey).update('ecrin support form stamp').digest();
  }

  /** The stamp of a form shown now: its time, signed (a robot cannot forge an older one). */
  formStamp(): string {
    const t = String(this.#clock.now().getTime());
    return `${t}.${this.#sign(t)}`;
  }

  /** 'ok', or why the stamp is refused: sent too fast, too old, or not one of ours. */
  checkStamp(stamp: string): 'ok' | 'too_fast' | 'stale' | 'invalid' {
    const [t, mac] = stamp.split('.', 2);
    if (!t || !mac || !/^\d{1,16}$/.test(t)) return 'invalid';
    const expected = Buffer.from(this.#sign(t));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return 'invalid';
    const age = this.#clock.now().getTime() - Number(t);
    if (age < MIN_FILL_MS) return 'too_fast';
    if (age > MAX_FILL_MS) return 'stale';
    return 'ok';
  }

  #sign(t: string): string {
    return crypto.createHmac('sha256', this.#key).update(t).digest('base64url');
  }

  /** Field error codes of a request, empty when it can be recorded. */
  validate(input: SupportRequestInput): SupportErrors {
    const errors: SupportErrors = {};
    if (!SUPPORT_SUBJECTS.includes(input.subject as SupportSubject)) errors.subject = 'support_choice_required';
    if (!SUPPORT_FORMATS.includes(input.format as SupportFormat)) errors.format = 'support_choice_required';
    for (const name of ['organisation', 'contact', 'email', 'difficulties', 'expectations'] as const) {
      if (!input[name]) errors[name] = 'required';
    }
    for (const [name, max] of Object.entries(SUPPORT_LIMITS) as [keyof typeof SUPPORT_LIMITS, number][]) {
      if (input[name].length > max) errors[name] = 'too_long';
    }
    if (input.email && !errors.email && !validEmail(input.email)) errors.email = 'email_invalid';
    if (input.phone && !errors.phone && !/^\+?[0-9 .()-]{6,30}$/.test(input.phone)) errors.phone = 'phone_invalid';
    return errors;
  }

  /** The operator's quote form, checked: the input of a quote, or field error codes (`sessions.0.hours`…). */
  parseQuote(form: SupportQuoteForm): { ok: true; input: SupportQuoteInput } | { ok: false; errors: Record<string, FieldErrorCode> } {
    const errors: Record<string, FieldErrorCode> = {};
    const sessions: SessionLineInput[] = [];
    form.sessions.forEach((row, i) => {
      if (!row.label && !row.hours) return;
      const hours = decimal(row.hours);
      if (!row.label) errors[`session_label_${i}`] = 'required';
      else if (row.label.length > LINE_LABEL_MAX) errors[`session_label_${i}`] = 'too_long';
      if (!(hours >= 0.5 && hours <= 500 && Number.isInteger(hours * 2))) errors[`session_hours_${i}`] = 'support_hours_invalid';
      sessions.push({ label: row.label, hours });
    });
    if (sessions.length === 0) errors.session_label_0 = 'support_no_session';
    const extras: ExtraLineInput[] = [];
    form.extras.forEach((row, i) => {
      if (!row.label && !row.amount) return;
      const euros = decimal(row.amount);
      if (!EXTRA_CATEGORIES.includes(row.category as ExtraCategory)) errors[`extra_category_${i}`] = 'support_choice_required';
      if (!row.label) errors[`extra_label_${i}`] = 'required';
      else if (row.label.length > LINE_LABEL_MAX) errors[`extra_label_${i}`] = 'too_long';
      if (!(euros > 0 && euros <= 100_000)) errors[`extra_amount_${i}`] = 'support_amount_invalid';
      extras.push({ category: row.category as ExtraCategory, label: row.label, amountCents: Math.round(euros * 100) });
    });
    if (form.note.length > NOTE_MAX) errors.note = 'too_long';
    const validityDays = /^\d{1,3}$/.test(form.validityDays) ? Number(form.validityDays) : Number.NaN;
    if (!(validityDays >= 1 && validityDays <= 365)) errors.validity = 'support_validity_invalid';
    const invoicing = form.invoicing === 'deposit' ? 'deposit' : form.invoicing === 'completion' ? 'completion' : null;
    if (!invoicing) errors.invoicing = 'support_choice_required';
    const depositPercent = invoicing === 'deposit' ? (/^\d{1,3}$/.test(form.depositPercent) ? Number(form.depositPercent) : Number.NaN) : 0;
    if (invoicing === 'deposit' && !(depositPercent >= 1 && depositPercent <= 100)) errors.deposit = 'support_deposit_invalid';
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    return { ok: true, input: { sessions, extras, note: form.note, validityDays, invoicing: invoicing!, depositPercent } };
  }

  async recordQuote(trx: Kysely<DB>, q: { documentId: number; requestId: number; replaces: number | null; hours: number; invoicing: 'deposit' | 'completion'; depositPercent: number }): Promise<void> {
    this.#withoutQuotes.clear();
    await this.#repo.insertQuote(trx, { document_id: q.documentId, request_id: q.requestId, replaces_document_id: q.replaces, hours: q.hours, invoicing: q.invoicing, deposit_percent: q.depositPercent, created_at: this.#clock.now() });
  }

  /** The quotes of a request, newest first (the newest is the one in force; each older one says which replaced it). */
  quotesOf(requestId: number, db?: Kysely<DB>) {
    return this.#repo.quotesOf(requestId, db);
  }

  async record(trx: Kysely<DB>, input: SupportRequestInput, by: { userId: number | null; ip: string | null }): Promise<number> {
    return this.#repo.insert(trx, {
      user_id: by.userId,
      subject: input.subject as SupportSubject,
      organisation: input.organisation,
      contact: input.contact,
      email: input.email,
      phone: input.phone,
      instance_name: input.instance_name,
      difficulties: input.difficulties,
      expectations: input.expectations,
      format: input.format as SupportFormat,
      availability: input.availability,
      ip: by.ip,
      created_at: this.#clock.now(),
    });
  }

  list(opts: { limit: number; offset: number }): Promise<SupportRequest[]> {
    return this.#repo.list(opts);
  }

  count(): Promise<number> {
    return this.#repo.count();
  }

  /** One request (inside the caller's transaction when given: on PGlite the pool is that transaction's). */
  get(id: number, trx?: Kysely<DB>): Promise<SupportRequest | undefined> {
    return this.#repo.get(id, trx);
  }

  /** Closing an account (in its transaction): the contact details of its requests erased. */
  eraseContactOf(trx: Kysely<DB>, userId: number): Promise<void> {
    return this.#repo.eraseContactOf(trx, userId);
  }

  listForUser(userId: number): Promise<SupportRequest[]> {
    return this.#repo.listForUser(userId);
  }

  async hasQuotes(userId: number): Promise<boolean> {
    if (this.#withQuotes.has(userId)) return true;
    if (this.#withoutQuotes.has(userId)) return false;
    const has = await this.#repo.hasQuotes(userId);
    (has ? this.#withQuotes : this.#withoutQuotes).set(userId, true);
    return has;
  }

  quotesOfUser(userId: number) {
    return this.#repo.quotesOfUser(userId);
  }

  /** An accompaniment quote's own row (its invoicing mode and deposit percent). */
  quote(documentId: number, db?: Kysely<DB>) {
    return this.#repo.quote(documentId, db);
  }

  /** Locks the quote's row for its invoicing (deposit or final), in the caller's transaction. */
  lockQuote(trx: Kysely<DB>, documentId: number) {
    return this.#repo.lockQuote(trx, documentId);
  }

  /** Records that a document of the ledger is the deposit or final invoice of a quote (once each). */
  async recordInvoice(trx: Kysely<DB>, row: { documentId: number; quoteId: number; kind: 'deposit' | 'final'; by: number | null }): Promise<void> {
    await this.#repo.insertInvoice(trx, { document_id: row.documentId, quote_id: row.quoteId, kind: row.kind, created_by: row.by, created_at: this.#clock.now() });
  }

  /** The deposit and final invoices of these quotes, oldest first. */
  invoicesOf(quoteIds: readonly number[], db?: Kysely<DB>) {
    return this.#repo.invoicesOf(quoteIds, db);
  }

  /** The accompaniment invoice (deposit or final) a document is, if it is one. */
  invoiceByDocument(documentId: number, db?: Kysely<DB>) {
    return this.#repo.invoiceByDocument(documentId, db);
  }

  /**
   * The real amounts of a quote's extra costs as the operator typed them (euros, "120,50"): the
   * amounts in cents, or field error codes (`real_0`…). Zero is allowed (a cost that did not occur).
   */
  parseRealAmounts(texts: readonly string[], count: number): { ok: true; cents: number[] } | { ok: false; errors: Record<string, FieldErrorCode> } {
    const errors: Record<string, FieldErrorCode> = {};
    const cents: number[] = [];
    for (let i = 0; i < count; i++) {
      const euros = decimal(texts[i] ?? '');
      if (!(euros >= 0 && euros <= 100_000)) errors[`real_${i}`] = 'support_real_amount_invalid';
      cents.push(Math.round(euros * 100));
    }
    return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, cents };
  }
}
