import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { hashToken, looksLikeToken, newToken, safeEqual } from '../../platform/tokens.ts';
import { defaultArchiveSettings, defaultBillingSettings, defaultLifecycleSettings, defaultOperatorIdentity, defaultPlans, defaultTerms, previousDefaultTermsBodies } from './settings.defaults.ts';
import type { SettingsRepository } from './settings.repository.ts';
import type { ArchiveSettings, BillingSettings, LifecycleSettings, OperatorIdentity, PlanView, TermsView } from './settings.types.ts';

const OPERATOR_KEY = 'operator.identity';
const BILLING_KEY = 'billing';
const FEED_KEY = 'support.calendar_feed';
const ARCHIVES_KEY = 'archives';
const LIFECYCLE_KEY = 'lifecycle';

const archivesSchema = z
  .object({
    quietStartHour: z.number().int().min(0).max(23),
    quietHours: z.number().int().min(1).max(24),
    automaticKeepDays: z.number().int().min(1).max(366),
    safetyKeepDays: z.number().int().min(1).max(366),
    finalKeepDays: z.number().int().min(1).max(3660),
  })
  .strict();

const planSchema = z.object({
  name: z.string().trim().min(1).max(40),
  priceCents: z.number().int().min(1).max(100_000_000).nullable(),
  bandwidthMbps: z.number().int().min(1).max(100_000).nullable(),
  slaPercent: z.number().min(50).max(100).nullable(),
  maxSessions: z.number().int().min(1).max(100_000).nullable(),
  storageBytes: z.number().int().min(1).max(1024 ** 5).nullable(),
});

const prefix = z.string().regex(/^[A-Z]{2,6}$/);
const billingSchema = z.object({
  quoteValidityDays: z.number().int().min(1).max(365),
  paymentDueDays: z.number().int().min(0).max(60),
  maxUnpaidOrders: z.number().int().min(1).max(50),
  latePenaltyText: z.string().min(3).max(200),
  vatRatePercent: z.number().min(0).max(100),
  vatNumber: z.string().max(20),
  prefixes: z.object({ quote: prefix, invoice: prefix, credit_note: prefix }).refine(
    (p) => new Set([p.quote, p.invoice, p.credit_note]).size === 3,
    'prefixes must differ',
  ),
  supportHourlyCents: z.number().int().min(0).max(1_000_000),
  supportTiers: z.array(z.object({ fromHours: z.number().positive().max(10_000), percent: z.number().min(0).max(100) })).max(10),
});

const lifecycleSchema = z
  .object({
    renewalLeadDays: z.number().int().min(1).max(120),
    reminderDays: z.array(z.number().int().min(1).max(120)).max(6),
    graceDays: z.number().int().min(0).max(90),
    retentionDays: z.number().int().min(1).max(365),
    // stored before it was a setting: the delay it had then
    nameQuarantineDays: z.number().int().min(0).max(365).default(90),
  })
  .refine((l) => l.reminderDays.every((d) => d < l.renewalLeadDays), 'reminders come after the renewal order');

const identitySchema = z.object({
  tradeName: z.string(),
  ownerName: z.string(),
  legalStatus: z.string(),
  address: z.string(),
  postcode: z.string(),
  city: z.string(),
  country: z.string(),
  siret: z.string(),
  email: z.string(),
  phone: z.string(),
  accountHolder: z.string(),
  iban: z.string(),
  bic: z.string(),
  chequePayee: z.string(),
  chequeAddress: z.string(),
  vatFranchise: z.boolean(),
  publicationDirector: z.string(),
  websiteHost: z.string(),
});

/**
 * Operator-editable settings. Reads are cached in memory and refreshed on every write made through
 * this service; they sit on every public page, so they must not cost a query each time.
 */
export class SettingsService {
  readonly #repo: SettingsRepository;
  readonly #clock: Clock;
  #identity: OperatorIdentity | null = null;
  #plans: PlanView[] | null = null;
  #terms: TermsView | null = null;
  #billing: BillingSettings | null = null;
  #archives: ArchiveSettings | null = null;
  #lifecycle: LifecycleSettings | null = null;

  constructor(repo: SettingsRepository, clock: Clock) {
    this.#repo = repo;
    this.#clock = clock;
  }

  /** First start: write the brief's defaults where nothing is set yet. Safe to run on every start. */
  async seedDefaults(): Promise<void> {
    const now = this.#clock.now();
    await this.#repo.insertIfMissing(OPERATOR_KEY, defaultOperatorIdentity, now);
    await this.#repo.insertIfMissing(BILLING_KEY, defaultBillingSettings, now);
    await this.#repo.insertIfMissing(LIFECYCLE_KEY, defaultLifecycleSettings, now);
    for (const plan of defaultPlans) await this.#repo.insertPlanIfMissing({ ...plan }, now);
    await this.#repo.insertTermsIfNone(defaultTerms, now);
    // The seeded text of an earlier release, never edited: replaced by today's default, as a new
    // version (orders accept it anew; the old version stays for those who accepted it).
    await this.#repo.supersedeTerms(previousDefaultTermsBodies, defaultTerms, now);
    this.invalidate();
  }

  invalidate(): void {
    this.#billing = null;
    this.#archives = null;
    this.#lifecycle = null;
    this.#identity = null;
    this.#plans = null;
    this.#terms = null;
  }

  /**
   * Reads take an optional transaction: inside one, a read must go through it (on PGlite the pool's
   * only connection is the transaction's).
   */
  async operatorIdentity(db?: Kysely<DB>): Promise<OperatorIdentity> {
    if (!this.#identity) {
      const stored = identitySchema.partial().safeParse(await this.#repo.get(OPERATOR_KEY, db));
      this.#identity = { ...defaultOperatorIdentity, ...(stored.success ? stored.data : {}) };
    }
    return this.#identity;
  }

  async updateOperatorIdentity(patch: Partial<OperatorIdentity>): Promise<OperatorIdentity> {
    const next = identitySchema.parse({ ...(await this.operatorIdentity()), ...patch });
    await this.#repo.put(OPERATOR_KEY, next, this.#clock.now());
    this.#identity = next;
    this.#terms = null; // the CGV text names the operator
    return next;
  }

  async billing(db?: Kysely<DB>): Promise<BillingSettings> {
    if (!this.#billing) {
      const stored = billingSchema.partial().safeParse(await this.#repo.get(BILLING_KEY, db));
      this.#billing = { ...defaultBillingSettings, ...(stored.success ? stored.data : {}) };
    }
    return this.#billing;
  }

  /** Archives: the quiet hours of the automatic ones and how long each kind is kept. */
  async archives(db?: Kysely<DB>): Promise<ArchiveSettings> {
    if (!this.#archives) {
      const stored = archivesSchema.partial().safeParse(await this.#repo.get(ARCHIVES_KEY, db));
      this.#archives = { ...defaultArchiveSettings, ...(stored.success ? stored.data : {}) };
    }
    return this.#archives;
  }

  async updateArchives(patch: Partial<ArchiveSettings>): Promise<ArchiveSettings> {
    const next = archivesSchema.parse({ ...(await this.archives()), ...patch });
    await this.#repo.put(ARCHIVES_KEY, next, this.#clock.now());
    this.#archives = next;
    return next;
  }

  /**
   * The secret of the operator's private calendar feed of sessions (made on first use). Kept as is:
   * the operator is shown the address to paste in a calendar application; "Révoquer" replaces it.
   */
  async calendarFeedToken(): Promise<string> {
    const stored = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }).safeParse(await this.#repo.get(FEED_KEY));
    if (stored.success) return stored.data.token;
    const token = newToken();
    if (await this.#repo.insertIfMissing(FEED_KEY, { token }, this.#clock.now())) return token;
    return this.calendarFeedToken();
  }

  /** A new feed secret: the old address answers 404 from now on. */
  async rotateCalendarFeedToken(): Promise<string> {
    const token = newToken();
    await this.#repo.put(FEED_KEY, { token }, this.#clock.now());
    return token;
  }

  /** Whether a feed address's secret is the current one (constant time). */
  async isCalendarFeedToken(candidate: string): Promise<boolean> {
    if (!looksLikeToken(candidate)) return false;
    const stored = z.object({ token: z.string() }).safeParse(await this.#repo.get(FEED_KEY));
    return stored.success && safeEqual(hashToken(stored.data.token), hashToken(candidate));
  }

  async updateBilling(patch: Partial<BillingSettings>): Promise<BillingSettings> {
    const next = billingSchema.parse({ ...(await this.billing()), ...patch });
    await this.#repo.put(BILLING_KEY, next, this.#clock.now());
    this.#billing = next;
    this.#terms = null; // the CGV quote billing terms
    return next;
  }

  /** The hosting year's delays (renewal lead, reminders, grace, retention, an ended name's quarantine). */
  async lifecycle(db?: Kysely<DB>): Promise<LifecycleSettings> {
    if (!this.#lifecycle) {
      const stored = lifecycleSchema.safeParse(await this.#repo.get(LIFECYCLE_KEY, db));
      const value = stored.success ? stored.data : defaultLifecycleSettings;
      this.#lifecycle = { ...value, reminderDays: [...new Set(value.reminderDays)].sort((a, b) => b - a) };
    }
    return this.#lifecycle;
  }

  async updateLifecycle(patch: Partial<LifecycleSettings>): Promise<LifecycleSettings> {
    const merged = { ...(await this.lifecycle()), ...patch };
    // The reminders are stored distinct, the furthest from the end first, as they are read.
    const next = lifecycleSchema.parse({ ...merged, reminderDays: Array.isArray(merged.reminderDays) ? [...new Set(merged.reminderDays)].sort((a, b) => b - a) : merged.reminderDays });
    await this.#repo.put(LIFECYCLE_KEY, next, this.#clock.now());
    this.#lifecycle = null;
    return this.lifecycle();
  }

  /**
   * The catalogue is a setting: a change applies to quotes issued from now on; documents already
   * issued keep the figures they were issued with.
   */
  async updatePlan(code: string, patch: Omit<PlanView, 'code' | 'customQuote'>): Promise<boolean> {
    const plan = await this.plan(code);
    if (!plan) return false;
    const checked = planSchema.parse(patch);
    if (!plan.customQuote && checked.priceCents === null) throw new Error('a plan sold online needs a price');
    const done = await this.#repo.updatePlan(
      code,
      {
        name: checked.name,
        price_cents: checked.priceCents,
        bandwidth_mbps: checked.bandwidthMbps,
        sla_percent: checked.slaPercent === null ? null : String(checked.slaPercent),
        max_sessions: checked.maxSessions,
        storage_bytes: checked.storageBytes,
      },
      this.#clock.now(),
    );
    this.#plans = null;
    return done;
  }

  /** A new CGV version; every order validated from now on must accept it. */
  async publishTerms(title: string, body: string): Promise<number> {
    const version = await this.#repo.insertTermsVersion(title, body, this.#clock.now());
    this.#terms = null;
    return version;
  }

  async plan(code: string, db?: Kysely<DB>): Promise<PlanView | null> {
    return (await this.plans(db)).find((p) => p.code === code) ?? null;
  }

  async plans(db?: Kysely<DB>): Promise<PlanView[]> {
    if (!this.#plans) {
      const rows = await this.#repo.listPlans(db);
      this.#plans = rows.map((r) => ({
        code: r.code,
        name: r.name,
        priceCents: r.price_cents,
        bandwidthMbps: r.bandwidth_mbps,
        slaPercent: r.sla_percent === null ? null : Number(r.sla_percent),
        maxSessions: r.max_sessions,
        storageBytes: r.storage_bytes === null ? null : Number(r.storage_bytes),
        customQuote: r.custom_quote,
      }));
    }
    return this.#plans;
  }

  async currentTerms(): Promise<TermsView | null> {
    if (!this.#terms) {
      const row = await this.#repo.currentTerms();
      if (!row) return null;
      const identity = await this.operatorIdentity();
      const billing = await this.billing();
      // The CGV text names the operator and billing terms through placeholders, so editing the
      // settings keeps it true.
      const values: Record<string, string> = {
        ...Object.fromEntries(Object.entries(identity).map(([k, v]) => [k, String(v)])),
        quoteValidityDays: String(billing.quoteValidityDays),
        latePenaltyText: billing.latePenaltyText,
        vatMention: identity.vatFranchise
          ? 'TVA non applicable (article 293 B du CGI)'
          : `hors taxes, TVA au taux de ${String(billing.vatRatePercent).replace('.', ',')} % en sus`,
      };
      const body = row.body.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
      this.#terms = { version: row.version, title: row.title, body, publishedAt: new Date(row.published_at) };
    }
    return this.#terms;
  }

  /** "Réglages": every CGV version published, newest first. */
  listTerms() {
    return this.#repo.listTerms();
  }

  /** The current CGV version as written, placeholders kept (what the operator edits). */
  currentTermsAsWritten() {
    return this.#repo.currentTerms();
  }
}
