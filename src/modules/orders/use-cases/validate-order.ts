import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { CurrentUser } from '../../../web/context.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { RequestMeta } from '../../accounts/accounts.deps.ts';
import { billingAddressErrors, validateOrganisation, type OrganisationInput } from '../../accounts/accounts.validation.ts';
import type { OrderErrors, OrderResult, OrdersService } from '../orders.service.ts';
import { isNameTaken, mailQuote, OrderMoved } from './quote-steps.ts';

export interface ValidateOrderDeps {
  db: Kysely<DB>;
  orders: OrdersService;
  billing: BillingService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  portalUrl: () => string;
}

/** The buyer's details asked at the validation step, prefilled from "Personne morale". */
export interface BillingAddressInput {
  legalForm: string;
  registrationNumber: string;
  address: string;
  postcode: string;
  city: string;
  country: string;
}

/**
 * "Valider la commande", one step for the customer: the billing address (saved back to the
 * organisation, so the next order has it), the CGV box for the version the customer was shown
 * (version, time, IP and person recorded with the order), then the quote. Every problem is reported
 * at once; nothing is accepted or validated while one remains.
 */
export async function validateOrder(
  d: ValidateOrderDeps,
  input: { user: CurrentUser; orderId: number; acceptTerms: boolean; termsVersionShown: number | null; address: BillingAddressInput; meta: RequestMeta },
): Promise<OrderResult<{ quoteNumber: string }>> {
  const accepted = await acceptAddressAndTerms(d, input);
  if (!accepted.ok) return accepted;
  return issueOrderQuote(d, input.user, input.orderId, input.meta.ip);
}

/**
 * The validation step's first half, shared by the Diamant request: the billing address checked and
 * saved back to the organisation, then the CGV accepted (version, time, IP, person) — every problem
 * at once, nothing saved while one remains. The draft stays a draft.
 */
export async function acceptAddressAndTerms(
  d: ValidateOrderDeps,
  input: { user: CurrentUser; orderId: number; acceptTerms: boolean; termsVersionShown: number | null; address: BillingAddressInput; meta: RequestMeta },
): Promise<OrderResult> {
  const order = await d.orders.ownOrder(input.user, input.orderId);
  if (!order || order.status !== 'draft') return { ok: false, errors: { order: 'order_not_draft' } };
  const org = (await d.accounts.getAccount(input.user.id))?.organisation;
  if (!org) return { ok: false, errors: { order: 'order_not_draft' } };
  const a = input.address;
  const merged: OrganisationInput = {
    name: org.name,
    email: org.email ?? '',
    phone: org.phone ?? '',
    legalForm: a.legalForm,
    registrationNumber: a.registrationNumber,
    address: a.address,
    postcode: a.postcode,
    city: a.city,
    country: a.country || org.country,
  };
  // Format checks (postcode, SIREN checksum…) are the organisation's own rules; both sets at once.
  const errors: OrderErrors = {
    ...validateOrganisation(merged).errors,
    ...billingAddressErrors({ legal_form: a.legalForm || null, registration_number: a.registrationNumber || null, address: a.address || null, postcode: a.postcode || null, city: a.city || null }),
  };
  const current = await d.settings.currentTerms();
  if (!input.acceptTerms || !current) errors.terms = 'terms_required';
  else if (input.termsVersionShown !== current.version) errors.terms = 'terms_outdated';
  if (Object.keys(errors).length === 0) {
    // (the organisation's e-mail is kept as it is: no password is needed for the billing address)
    const saved = await d.accounts.updateOrganisation(input.user.id, { ...merged, currentPassword: '' }, input.meta);
    if (!saved.ok) Object.assign(errors, saved.errors);
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return d.orders.acceptTerms(input.user, input.orderId, true, input.meta.ip);
}

/**
 * Holds the name, issues the quote and e-mails it — all in one transaction, so a failure leaves the
 * draft as it was and no number is used. Refuses an order whose buyer has no postal address.
 */
export async function issueOrderQuote(d: ValidateOrderDeps, user: CurrentUser, orderId: number, ip: string | null): Promise<OrderResult<{ quoteNumber: string }>> {
  const order = await d.orders.ownOrder(user, orderId);
  if (!order || order.status !== 'draft') return { ok: false, errors: { order: 'order_not_draft' } };
  const terms = await d.settings.currentTerms();
  if (!order.terms_version || !terms) return { ok: false, errors: { terms: 'terms_required' } };
  if (order.terms_version !== terms.version) return { ok: false, errors: { terms: 'terms_outdated' } };
  if (await d.orders.nameUnavailable(order.instance_name, order.id)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
  const plan = await d.settings.plan(order.plan_code);
  if (!plan || plan.priceCents === null) return { ok: false, errors: { plan: 'plan_on_quote' } };
  const account = await d.accounts.getAccount(user.id);
  if (!account?.organisation) return { ok: false, errors: { order: 'order_not_draft' } };
  // No quote without the buyer's postal address (and SIREN, unless an association has none).
  const missing = billingAddressErrors(account.organisation);
  if (Object.keys(missing).length > 0) return { ok: false, errors: missing };
  const lines = await d.billing.hostingLines(order, plan, d.orders.instanceUrl(order.instance_name));
  const now = d.clock.now();
  try {
    const quote = await d.db.transaction().execute(async (trx) => {
      const locked = await d.orders.lock(trx, order.id);
      if (!locked || locked.status !== 'draft') throw new OrderMoved();
      // Each validated order holds a name and mails a numbered quote: a customer may hold only so many unpaid.
      const room = await d.orders.roomForUnpaidOrder(trx, user.id);
      if (!room.ok) throw new TooManyUnpaid(room.limit);
      await d.orders.setStatus(trx, order.id, ['draft'], 'validated');
      const q = await d.billing.issueQuote(trx, { order: { ...locked, status: 'validated' }, user: account.user, organisation: account.organisation!, lines });
      await d.audit.record({ action: 'order.validated', actorUserId: user.id, subjectUserId: user.id, ip, at: now, details: { orderId: order.id, quote: q.number, instance: order.instance_name } }, trx);
      await mailQuote(d, trx, q, account, order.instance_name);
      return q;
    });
    return { ok: true, quoteNumber: quote.number };
  } catch (err) {
    // Two customers validating the same name at the same moment: the unique index lets one win.
    if (isNameTaken(err)) return { ok: false, errors: { instance_name: 'instance_name_taken' } };
    if (err instanceof OrderMoved) return { ok: false, errors: { order: 'order_not_draft' } };
    if (err instanceof TooManyUnpaid) return { ok: false, errors: { order: { code: 'too_many_unpaid_orders', params: { count: err.limit } } } };
    throw err;
  }
}

/** The customer already holds the most validated unpaid orders allowed. */
class TooManyUnpaid extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super('too many unpaid orders');
    this.limit = limit;
  }
}
