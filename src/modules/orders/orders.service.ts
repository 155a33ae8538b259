import type { Kysely } from 'kysely';
import { DAY, type Clock } from '../../platform/clock.ts';
import { parisDate } from '../../platform/dates.ts';
import type { CustomLimits, CustomTerms, CustomTermsLine, DB, Flavour, Order, OrderStatus, PaymentMethod } from '../../platform/db/schema.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import { deriveKey, encryptSecret } from '../../platform/secrets.ts';
import type { DomainError, FieldErrorCode } from '../../errors/app-error.ts';
import { orderPaid, planChangePaid, renewalPaid } from '../../events/domain-events.ts';
import type { CurrentUser } from '../../web/context.ts';
import { checkPassword, passwordErrorCode } from '../accounts/passwords.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { PlanView } from '../settings/settings.types.ts';
import { needsError, yearlyCentsOf } from './diamant.ts';
import { checkInstanceName } from './instance-name.ts';
import type { OrdersRepository } from './orders.repository.ts';

export const FLAVOURS: readonly Flavour[] = ['diacamma.asso', 'diacamma.syndic'];
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['transfer', 'cheque', 'paypal'];

/** Field → catalogue code, with its parameters where the sentence has some (`order` for the order as a whole). */
export type OrderErrors = Partial<Record<string, FieldErrorCode | DomainError>>;
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
  settings: SettingsService;
  events: EventBus;
  clock: Clock;
  secretKey: Buffer;
  /** instances are NAME.<instanceDomain> */
  instanceDomain: string;
  /** PayPal is offered only when it is configured */
  paypalEnabled: boolean;
  /** an instance's address as the front door serves it (scheme, and port when not the default) */
  instanceUrl: (name: string) => string;
}

/**
 * Hosting orders: the draft, the CGV acceptance, and the order's state, which only this service
 * changes. Workflows that span modules (validation, cancellation, a quote reissued, "order paid")
 * are use cases that call it (use-cases/, payments' settle-quote).
 */
export class OrdersService {
  readonly #repo: OrdersRepository;
  readonly #d: OrdersDeps;
  readonly #key: Buffer;

  constructor(deps: OrdersDeps) {
    this.#repo = deps.repo;
    this.#d = deps;
    this.#key = deriveKey(deps.secretKey, 'instance-admin-password');
  }

  instanceHost(name: string): string {
    return `${name}.${this.#d.instanceDomain}`;
  }

  instanceUrl(name: string): string {
    return this.#d.instanceUrl(name);
  }

  /** The payment methods a customer can choose, the one preselected first (PayPal when it works). */
  paymentMethods(): PaymentMethod[] {
    return this.#d.paypalEnabled ? ['paypal', 'transfer', 'cheque'] : ['transfer', 'cheque'];
  }

  find(orderId: number, db?: Kysely<DB>): Promise<Order | undefined> {
    return this.#repo.find(orderId, db);
  }

  /** Orders are the customer's own: anyone else's id reads as "not found". */
  async ownOrder(user: CurrentUser, orderId: number): Promise<Order | null> {
    const order = await this.#repo.find(orderId);
    return order && order.user_id === user.id ? order : null;
  }

  listForUser(userId: number) {
    return this.#repo.listForUser(userId);
  }

  /** The back office's list of every order. */
  list(opts: { status?: OrderStatus; limit: number; offset: number }) {
    return this.#repo.list(opts);
  }

  /** Is the name held by another live order, or released less than the quarantine ago (setting `nameQuarantineDays`)? */
  async nameUnavailable(name: string, exceptOrderId: number | null): Promise<boolean> {
    const days = (await this.#d.settings.lifecycle()).nameQuarantineDays;
    return this.#repo.nameUnavailable(name, exceptOrderId, new Date(this.#d.clock.now().getTime() - days * DAY));
  }

  async #validateDraft(input: DraftInput, orderId: number | null): Promise<OrderErrors> {
    const errors = await this.#validateCommon(input, orderId);
    const plan = await this.#d.settings.plan(input.planCode);
    if (!plan) errors.plan = 'plan_invalid';
    else if (plan.customQuote || plan.priceCents === null) errors.plan = 'plan_on_quote';
    return errors;
  }

  /** What every order form checks: the name, the application, the payment method, the admin password. */
  async #validateCommon(input: Omit<DraftInput, 'planCode'>, orderId: number | null): Promise<OrderErrors> {
    const errors: OrderErrors = {};
    const name = input.instanceName.toLowerCase();
    const nameProblem = checkInstanceName(name, { tradeName: (await this.#d.settings.operatorIdentity()).tradeName });
    if (nameProblem) errors.instance_name = nameProblem === 'invalid' ? 'instance_name_invalid' : 'instance_name_reserved';
    else if (await this.nameUnavailable(name, orderId)) errors.instance_name = 'instance_name_taken';
    if (!FLAVOURS.includes(input.flavour as Flavour)) errors.flavour = 'flavour_invalid';
    if (!this.paymentMethods().includes(input.paymentMethod as PaymentMethod)) errors.payment_method = 'payment_method_invalid';
    const pw = passwordErrorCode(checkPassword(input.password, input.confirm, { forbidden: 'admin' }));
    if (pw) errors.password = pw;
    // Lucterios' admin tool takes the password inside "MODE=0,PASSWORD=…": a comma or "=" would be cut.
    else if (/[,=]/.test(input.password)) errors.password = 'admin_password_chars';
    return errors;
  }

  /** "Nouvelle commande d'hébergement" → a draft (or its update). Prices are never taken from the form. */
  async saveDraft(user: CurrentUser, input: DraftInput, orderId: number | null): Promise<OrderResult<{ orderId: number }>> {
    if (!user.organisationId) return { ok: false, errors: { plan: 'plan_invalid' } };
    if (orderId !== null) {
      const existing = await this.ownOrder(user, orderId);
      if (!existing || existing.status !== 'draft') return { ok: false, errors: { order: 'order_not_draft' } };
    }
    const errors = await this.#validateDraft(input, orderId);
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const fields = {
      instance_name: input.instanceName.toLowerCase(),
      plan_code: input.planCode,
      flavour: input.flavour as Flavour,
      admin_password_enc: encryptSecret(this.#key, input.password),
      payment_method: input.paymentMethod as PaymentMethod,
    };
    const now = this.#d.clock.now();
    if (orderId === null) return { ok: true, orderId: await this.#repo.insertDraft(user.id, user.organisationId, fields, now) };
    if (!(await this.#repo.updateDraft(orderId, fields, now))) return { ok: false, errors: { order: 'order_not_draft' } };
    return { ok: true, orderId };
  }

  /** The plan sold on a custom quote (Diamant), if the catalogue has one. */
  async customQuotePlan(): Promise<PlanView | undefined> {
    return (await this.#d.settings.plans()).find((p) => p.customQuote);
  }

  /**
   * The Diamant order form: the name, the application, the needs in words, the admin password, the
   * payment method → a draft of the custom-quote plan (its request is sent from the order page, with
   * the billing address and the CGV, by the use case request-diamant).
   */
  async saveDiamantDraft(user: CurrentUser, input: Omit<DraftInput, 'planCode'> & { needs: string }): Promise<OrderResult<{ orderId: number }>> {
    const plan = await this.customQuotePlan();
    if (!user.organisationId || !plan) return { ok: false, errors: { plan: 'plan_invalid' } };
    const errors = await this.#validateCommon(input, null);
    const needs = needsError(input.needs);
    if (needs) errors.needs = needs;
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const fields = {
      instance_name: input.instanceName.toLowerCase(),
      plan_code: plan.code,
      flavour: input.flavour as Flavour,
      admin_password_enc: encryptSecret(this.#key, input.password),
      payment_method: input.paymentMethod as PaymentMethod,
    };
    return { ok: true, orderId: await this.#repo.insertDraft(user.id, user.organisationId, { ...fields, needs: input.needs.trim() }, this.#d.clock.now()) };
  }

  /** A Diamant draft sent to the operator: "à chiffrer" from now on, its name held. */
  async markRequested(trx: Kysely<DB>, orderId: number): Promise<boolean> {
    return this.#repo.setStatus(trx, orderId, ['draft'], 'requested', this.#d.clock.now());
  }

  /** The operator's quote of a Diamant request: its custom terms kept with the order, and the order awaits payment. */
  async fixCustomTerms(trx: Kysely<DB>, orderId: number, terms: CustomTerms): Promise<boolean> {
    if (!(await this.#repo.setStatus(trx, orderId, ['requested'], 'validated', this.#d.clock.now()))) return false;
    await this.#repo.setCustomTerms(trx, orderId, terms, this.#d.clock.now());
    return true;
  }

  /** Diamant requests awaiting their quote, oldest first (the operator's list). */
  requestedOrders() {
    return this.#repo.requestedOrders();
  }

  /**
   * The custom terms a renewal of this instance must reuse (limits, and the lines renewed every
   * year with their yearly total), from the newest paid order of the instance that has some; null
   * for an instance on a catalogue plan (its renewal is priced from the plan).
   */
  async renewalTermsOf(instanceId: number, db?: Kysely<DB>): Promise<{ orderId: number; limits: CustomLimits; lines: CustomTermsLine[]; yearlyCents: number } | null> {
    const row = await this.#repo.latestCustomTermsOfInstance(instanceId, db);
    if (!row?.custom_terms) return null;
    const lines = row.custom_terms.lines.filter((l) => l.yearly);
    return { orderId: row.id, limits: row.custom_terms.limits, lines, yearlyCents: yearlyCentsOf(row.custom_terms) };
  }

  /** "Accepter les CGV": the version, time, address and person are recorded with the order. */
  async acceptTerms(user: CurrentUser, orderId: number, accepted: boolean, ip: string | null): Promise<OrderResult> {
    const order = await this.ownOrder(user, orderId);
    if (!order || order.status !== 'draft') return { ok: false, errors: { order: 'order_not_draft' } };
    if (!accepted) return { ok: false, errors: { terms: 'terms_required' } };
    const terms = await this.#d.settings.currentTerms();
    if (!terms) return { ok: false, errors: { terms: 'terms_required' } };
    await this.#repo.acceptTerms(orderId, terms.version, user.id, ip, this.#d.clock.now());
    return { ok: true };
  }

  /**
   * In the validation's transaction: is there room for one more validated unpaid order (the
   * `maxUnpaidOrders` setting)? The customer's validations are serialised until the commit, so the
   * count cannot be overtaken by a validation racing this one.
   */
  async roomForUnpaidOrder(trx: Kysely<DB>, userId: number): Promise<{ ok: true } | { ok: false; limit: number }> {
    await this.#repo.lockCustomer(trx, userId);
    const limit = (await this.#d.settings.billing(trx)).maxUnpaidOrders;
    return (await this.#repo.countUnpaidValidated(trx, userId)) < limit ? { ok: true } : { ok: false, limit };
  }

  /** Locks the order row for the rest of the caller's transaction (one "order paid", one validation). */
  lock(trx: Kysely<DB>, orderId: number): Promise<Order | undefined> {
    return this.#repo.lock(trx, orderId);
  }

  /** Moves an order from one of `from` to `to`, in the caller's transaction; false if it was elsewhere. */
  setStatus(trx: Kysely<DB>, orderId: number, from: OrderStatus[], to: OrderStatus): Promise<boolean> {
    return this.#repo.setStatus(trx, orderId, from, to, this.#d.clock.now());
  }

  /**
   * The instance of a paid hosting order has ended (destroyed): the order is "ended" and no longer
   * holds its name, which stays out of reach for the `nameQuarantineDays` setting (released_instance_names).
   * In the caller's transaction; false when the order was not a paid one (already ended: idempotent).
   */
  async markEnded(trx: Kysely<DB>, orderId: number): Promise<boolean> {
    const order = await this.#repo.lock(trx, orderId);
    if (!order || order.status !== 'paid') return false;
    await this.#repo.setStatus(trx, orderId, ['paid'], 'ended', this.#d.clock.now());
    await this.#repo.releaseName(trx, order.instance_name, this.#d.clock.now());
    return true;
  }

  /** "Order paid", in the transaction that issued its invoice; the modules that care hear of it after commit. */
  async markPaid(trx: Kysely<DB>, orderId: number): Promise<void> {
    if (!(await this.#repo.setStatus(trx, orderId, ['validated'], 'paid', this.#d.clock.now()))) throw new Error(`order ${orderId} is not awaiting payment`);
    const order = await this.#repo.find(orderId, trx);
    if (order?.kind === 'renewal' && order.instance_id !== null && order.renews_from && order.renews_to)
      await this.#d.events.record(trx, renewalPaid, { orderId, instanceId: order.instance_id, planCode: order.plan_code, renewsFrom: order.renews_from, renewsTo: order.renews_to });
    else if (order?.kind === 'upgrade' && order.instance_id !== null) await this.#d.events.record(trx, planChangePaid, { orderId, instanceId: order.instance_id, planCode: order.plan_code });
    else await this.#d.events.record(trx, orderPaid, { orderId });
  }

  /** Once the instance is live, the admin password chosen at order time is not kept (idempotent). */
  async forgetAdminPassword(orderId: number): Promise<void> {
    await this.#repo.eraseAdminPassword(orderId, this.#d.clock.now());
  }

  /** Validated orders whose latest quote lapsed (the daily sweep, use-cases/expire-lapsed-orders.ts, decides each). */
  async lapsedOrderIds(): Promise<number[]> {
    return (await this.#repo.lapsedOrders(parisDate(this.#d.clock.now()))).map((r) => Number(r.id));
  }

  /** A lapsed order with nothing paid becomes "expired" and frees its name. */
  expire(orderId: number): Promise<boolean> {
    return this.#repo.setStatus(this.#repo.db, orderId, ['validated'], 'expired', this.#d.clock.now());
  }

  /**
   * A plan change for an instance, accepted with today's CGV: the order is created validated (its
   * quote follows in the same transaction). At most one awaiting payment per instance (the
   * database refuses a second: `orders_one_open_upgrade`).
   */
  async createPlanChange(trx: Kysely<DB>, o: { userId: number; organisationId: number; instanceId: number; instanceName: string; flavour: Flavour; fromPlan: string; toPlan: string; termsVersion: number; ip: string | null }): Promise<Order> {
    const now = this.#d.clock.now();
    return this.#repo.insertPlanChange(trx, { ...o, now });
  }

  /** The plan change of an instance still awaiting payment, if any. */
  openPlanChange(instanceId: number): Promise<Order | undefined> {
    return this.#repo.openPlanChange(instanceId);
  }

  /** The instance's plan change and renewal orders still awaiting payment (to cancel when it ends). */
  openOrdersOfInstance(instanceId: number): Promise<Order[]> {
    return this.#repo.openOrdersOfInstance(instanceId);
  }

  /**
   * The renewal order of an instance for the period [renewsFrom, renewsTo], created validated (its
   * quote follows in the same transaction), with the CGV version in force. The database keeps one
   * live renewal per instance and period (`orders_one_live_renewal`): null when one exists already.
   */
  async createRenewal(trx: Kysely<DB>, o: { userId: number; organisationId: number; instanceId: number; instanceName: string; flavour: Flavour; fromPlan: string; planCode: string; renewsFrom: string; renewsTo: string; termsVersion: number | null; acceptedBy: number | null }): Promise<Order | null> {
    return this.#repo.insertRenewal(trx, { ...o, now: this.#d.clock.now() });
  }

  /** The latest renewal order of an instance for the period starting on `renewsFrom` (any status), if any. */
  latestRenewal(instanceId: number, renewsFrom: string, db?: Kysely<DB>): Promise<Order | undefined> {
    return this.#repo.latestRenewal(instanceId, renewsFrom, db);
  }

  /** The latest renewal orders of many instances for the periods that follow their current ones, in one query. */
  latestRenewals(pairs: { instanceId: number; renewsFrom: string }[]): Promise<Map<number, Order>> {
    return this.#repo.latestRenewals(pairs);
  }

  /** Notes that the operator was told this lapsed order is partly paid: true the first time only. */
  async notePartlyPaidAlert(trx: Kysely<DB>, orderId: number): Promise<boolean> {
    return this.#repo.notePartlyPaidAlert(trx, orderId, this.#d.clock.now());
  }
}
