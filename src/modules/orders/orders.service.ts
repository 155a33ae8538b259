import type { Kysely } from 'kysely';
import { DAY, type Clock } from '../../platform/clock.ts';
import type { DB, Flavour, Order, PaymentMethod } from '../../platform/db/schema.ts';
import { deriveKey, encryptSecret } from '../../platform/secrets.ts';
import type { CurrentUser } from '../../web/context.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import type { FieldErrorCodes } from '../accounts/accounts.validation.ts';
import { checkPassword } from '../accounts/passwords.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { BillingService } from '../billing/billing.service.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { checkInstanceName, RELEASE_QUARANTINE_DAYS } from './instance-name.ts';
import { quoteMail } from './orders.mails.ts';
import { isNameTaken, OrdersRepository } from './orders.repository.ts';

export const FLAVOURS: readonly Flavour[] = ['diacamma.asso', 'diacamma.syndic'];
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['transfer', 'cheque', 'paypal'];

export type OrderErrorCode =
  | 'instance_name_invalid'
  | 'instance_name_reserved'
  | 'instance_name_taken'
  | 'plan_invalid'
  | 'plan_on_quote'
  | 'flavour_invalid'
  | 'payment_method_invalid'
  | 'terms_required'
  | 'terms_outdated'
  | 'not_draft'
  | 'admin_password_chars';

export type OrderErrors = Partial<Record<string, OrderErrorCode | FieldErrorCodes[string]>>;
export type OrderResult<T = object> = ({ ok: true } & T) | { ok: false; errors: OrderErrors };

export interface DraftInput {
  instanceName: string;
  planCode: string;
  flavour: string;
  password: string;
  confirm: string;
  paymentMethod: string;
}

export interface OrdersDeps {
  repo: OrdersRepository;
  accounts: AccountsService;
  settings: SettingsService;
  billing: BillingService;
  mail: MailService;
  audit: AuditRepository;
  clock: Clock;
  secretKey: Buffer;
  publicDomain: string;
  portalUrl: () => string;
}

/** Hosting orders: the draft, the CGV acceptance, the validation that issues the quote. */
export class OrdersService {
  readonly repo: OrdersRepository;
  readonly #d: OrdersDeps;
  readonly #key: Buffer;

  constructor(deps: OrdersDeps) {
    this.repo = deps.repo;
    this.#d = deps;
    this.#key = deriveKey(deps.secretKey, 'instance-admin-password');
  }

  instanceHost(name: string): string {
    return `${name}.${this.#d.publicDomain}`;
  }

  /** Orders are the customer's own: anyone else's id reads as "not found". */
  async ownOrder(user: CurrentUser, orderId: number): Promise<Order | null> {
    const order = await this.repo.find(orderId);
    return order && order.user_id === user.id ? order : null;
  }

  async #validateDraft(input: DraftInput, orderId: number | null): Promise<{ errors: OrderErrors }> {
    const errors: OrderErrors = {};
    const name = input.instanceName.toLowerCase();
    const nameProblem = checkInstanceName(name);
    if (nameProblem) errors.instance_name = nameProblem === 'invalid' ? 'instance_name_invalid' : 'instance_name_reserved';
    else if (await this.repo.nameUnavailable(name, orderId, new Date(this.#d.clock.now().getTime() - RELEASE_QUARANTINE_DAYS * DAY))) errors.instance_name = 'instance_name_taken';
    const plan = await this.#d.settings.plan(input.planCode);
    if (!plan) errors.plan = 'plan_invalid';
    else if (plan.customQuote || plan.priceCents === null) errors.plan = 'plan_on_quote';
    if (!FLAVOURS.includes(input.flavour as Flavour)) errors.flavour = 'flavour_invalid';
    if (!PAYMENT_METHODS.includes(input.paymentMethod as PaymentMethod)) errors.payment_method = 'payment_method_invalid';
    const pw = checkPassword(input.password, input.confirm, { alias: 'admin' });
    if (pw) errors.password = (`password_${pw}` as FieldErrorCodes[string]);
    // Lucterios' admin tool takes the password inside "MODE=0,PASSWORD=…": a comma or "=" would be cut.
    else if (/[,=]/.test(input.password)) errors.password = 'admin_password_chars';
    return { errors };
  }

  /** "Nouvelle commande d'hébergement" → a draft (or its update). Prices are never taken from the form. */
  async saveDraft(user: CurrentUser, input: DraftInput, orderId: number | null): Promise<OrderResult<{ orderId: number }>> {
    if (!user.organisationId) return { ok: false, errors: { plan: 'plan_invalid' } };
    if (orderId !== null) {
      const existing = await this.ownOrder(user, orderId);
      if (!existing || existing.status !== 'draft') return { ok: false, errors: { order: 'not_draft' } };
    }
    const { errors } = await this.#validateDraft(input, orderId);
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const fields = {
      instance_name: input.instanceName.toLowerCase(),
      plan_code: input.planCode,
      flavour: input.flavour as Flavour,
      admin_password_enc: encryptSecret(this.#key, input.password),
      payment_method: input.paymentMethod as PaymentMethod,
    };
    const now = this.#d.clock.now();
    if (orderId === null) return { ok: true, orderId: await this.repo.insertDraft(user.id, user.organisationId, fields, now) };
    if (!(await this.repo.updateDraft(orderId, fields, now))) return { ok: false, errors: { order: 'not_draft' } };
    return { ok: true, orderId };
  }

  /** "Accepter les CGV": the version, time, address and person are recorded with the order. */
  async acceptTerms(user: CurrentUser, orderId: number, accepted: boolean, ip: string | null): Promise<OrderResult> {
    const order = await this.ownOrder(user, orderId);
    if (!order || order.status !== 'draft') return { ok: false, errors: { order: 'not_draft' } };
    if (!accepted) return { ok: false, errors: { terms: 'terms_required' } };
    const terms = await this.#d.settings.currentTerms();
    if (!terms) return { ok: false, errors: { terms: 'terms_required' } };
    await this.repo.acceptTerms(orderId, terms.version, user.id, ip, this.#d.clock.now());
    return { ok: true };
  }

  /** "Valider la commande": holds the name, issues the quote and e-mails it, all or nothing. */
  async validate(user: CurrentUser, orderId: number, ip: string | null): Promise<OrderResult<{ quoteNumber: string }>> {
    const order = await this.ownOrder(user, orderId);
    if (!order || order.status !== 'draft') return { ok: false, errors: { order: 'not_draft' } };
    const terms = await this.#d.settings.currentTerms();
    if (!order.terms_version || !terms) return { ok: false, errors: { terms: 'terms_required' } };
    if (order.terms_version !== terms.version) return { ok: false, errors: { terms: 'terms_outdated' } };
    const now = this.#d.clock.now();
    if (await this.repo.nameUnavailable(order.instance_name, order.id, new Date(now.getTime() - RELEASE_QUARANTINE_DAYS * DAY))) {
      return { ok: false, errors: { instance_name: 'instance_name_taken' } };
    }
    const plan = await this.#d.settings.plan(order.plan_code);
    if (!plan || plan.priceCents === null) return { ok: false, errors: { plan: 'plan_on_quote' } };
    const account = await this.#d.accounts.getAccount(user.id);
    if (!account?.organisation) return { ok: false, errors: { order: 'not_draft' } };
    const host = this.instanceHost(order.instance_name);
    const lines = await this.#d.billing.hostingLines(order, plan, host);
    try {
      const quote = await this.repo.db.transaction().execute(async (trx) => {
        const locked = await this.repo.lock(trx, order.id);
        if (!locked || locked.status !== 'draft') throw new NotDraft();
        await this.repo.setStatus(trx, order.id, ['draft'], 'validated', now);
        const q = await this.#d.billing.issueQuote(trx, { order: { ...locked, status: 'validated' }, user: account.user, organisation: account.organisation!, lines });
        await this.#d.audit.record({ action: 'order.validated', actorUserId: user.id, subjectUserId: user.id, ip, at: now, details: { orderId: order.id, quote: q.number, instance: order.instance_name } }, trx);
        await this.#sendQuote(trx, q.content as BillingDocument, q.id, account, host);
        return q;
      });
      return { ok: true, quoteNumber: quote.number };
    } catch (err) {
      // Two customers validating the same name at the same moment: the unique index lets one win.
      if (isNameTaken(err)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
      if (err instanceof NotDraft) return { ok: false, errors: { order: 'not_draft' } };
      throw err;
    }
  }

  async #sendQuote(trx: Kysely<DB>, quote: BillingDocument, quoteId: number, account: { user: { id: number; name: string; email: string }; organisation: { email: string | null } | null }, host: string) {
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(trx, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'billing.quote',
      userId: account.user.id,
      rendered: quoteMail({ site, name: account.user.name, quote, instanceHost: host, portalUrl: this.#d.portalUrl() }),
      attachments: [{ kind: 'document_pdf', documentId: quoteId, filename: `${quote.number}.pdf` }],
    });
  }

  /** The customer gives up an order not yet paid: its quote is cancelled, its name freed. */
  async cancel(user: CurrentUser | null, orderId: number, by: number, reason: string): Promise<boolean> {
    const now = this.#d.clock.now();
    return this.repo.db.transaction().execute(async (trx) => {
      const order = await this.repo.lock(trx, orderId);
      if (!order || (user && order.user_id !== user.id) || !['draft', 'validated', 'expired'].includes(order.status)) return false;
      await this.repo.setStatus(trx, orderId, ['draft', 'validated', 'expired'], 'cancelled', now);
      const quote = await this.#d.billing.repo.latestQuoteForOrder(orderId, trx);
      if (quote) await this.#d.billing.repo.cancelQuote(trx, quote.id, by, reason, now);
      await this.#d.audit.record({ action: 'order.cancelled', actorUserId: by, subjectUserId: order.user_id, at: now, details: { orderId, reason } }, trx);
      return true;
    });
  }

  /** Operator: a new quote for an order whose quote lapsed (or was cancelled by mistake). */
  async reissueQuote(operatorId: number, orderId: number): Promise<OrderResult<{ quoteNumber: string }>> {
    const order = await this.repo.find(orderId);
    if (!order || !['validated', 'expired'].includes(order.status)) return { ok: false, errors: { order: 'not_draft' } };
    const plan = await this.#d.settings.plan(order.plan_code);
    const account = await this.#d.accounts.getAccount(order.user_id);
    if (!plan || plan.priceCents === null || !account?.organisation) return { ok: false, errors: { plan: 'plan_on_quote' } };
    const host = this.instanceHost(order.instance_name);
    const lines = await this.#d.billing.hostingLines(order, plan, host);
    const now = this.#d.clock.now();
    try {
      const quote = await this.repo.db.transaction().execute(async (trx) => {
        const locked = await this.repo.lock(trx, orderId);
        if (!locked || !['validated', 'expired'].includes(locked.status)) throw new NotDraft();
        const previous = await this.#d.billing.repo.latestQuoteForOrder(orderId, trx);
        if (previous) await this.#d.billing.repo.cancelQuote(trx, previous.id, operatorId, 'remplacé par un nouveau devis', now);
        if (locked.status === 'expired') await this.repo.setStatus(trx, orderId, ['expired'], 'validated', now);
        const q = await this.#d.billing.issueQuote(trx, { order: locked, user: account.user, organisation: account.organisation!, lines });
        await this.#d.audit.record({ action: 'quote.reissued', actorUserId: operatorId, subjectUserId: order.user_id, at: now, details: { orderId, quote: q.number, previous: previous?.number ?? null } }, trx);
        await this.#sendQuote(trx, q.content as BillingDocument, q.id, account, host);
        return q;
      });
      return { ok: true, quoteNumber: quote.number };
    } catch (err) {
      if (isNameTaken(err)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
      if (err instanceof NotDraft) return { ok: false, errors: { order: 'not_draft' } };
      throw err;
    }
  }

  /** Daily: validated orders whose quote lapsed unpaid become "expired" and free their name. */
  async expireLapsed(): Promise<number> {
    const now = this.#d.clock.now();
    const lapsed = await this.repo.lapsedOrders(this.#d.billing.today());
    let n = 0;
    for (const { id } of lapsed) if (await this.repo.setStatus(this.repo.db, id, ['validated'], 'expired', now)) n++;
    return n;
  }
}

class NotDraft extends Error {}
