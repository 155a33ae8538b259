import type { Kysely } from 'kysely';
import { AppError } from '../../../errors/app-error.ts';
import type { Clock } from '../../../platform/clock.ts';
import { addDays } from '../../../platform/dates.ts';
import type { CustomTerms, DB, Order } from '../../../platform/db/schema.ts';
import type { DocumentLine } from '../../billing/document.types.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { limitsSummary } from '../../settings/custom-limits.ts';
import { FLAVOUR_LABELS } from '../../billing/billing.service.ts';
import type { DiamantQuoteInput } from '../diamant.ts';
import type { OrdersService } from '../orders.service.ts';
import { mailQuote, OrderMoved } from './quote-steps.ts';

export interface IssueDiamantQuoteDeps {
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

/** The lines of a Diamant quote from its custom terms: the limits printed on the hosting line. */
export async function diamantQuoteLines(d: Pick<IssueDiamantQuoteDeps, 'billing' | 'orders'>, order: Pick<Order, 'instance_name' | 'flavour'>, terms: CustomTerms): Promise<DocumentLine[]> {
  const instanceUrl = d.orders.instanceUrl(order.instance_name);
  const [hosting, ...others] = terms.lines;
  return d.billing.customLines([
    { label: hosting!.label, detail: `Instance ${instanceUrl} (${FLAVOUR_LABELS[order.flavour]}) : ${limitsSummary(terms.limits)}`, quantity: hosting!.quantity, unitPriceCents: hosting!.unitPriceCents },
    ...others.map((l) => ({ label: l.label, detail: l.yearly ? 'Renouvelé chaque année avec l’hébergement' : null, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
  ]);
}

/**
 * The operator's quote of a Diamant request, in one transaction: the custom terms (limits, lines)
 * kept with the order, the order awaiting payment, the quote numbered in the quote series with the
 * limits printed on its hosting line, the audit entry and the quote e-mail with its PDF. From there
 * it is paid like any order; on payment the instance is made with these limits.
 */
export async function issueDiamantQuote(d: IssueDiamantQuoteDeps, orderId: number, input: DiamantQuoteInput, by: { operatorId: number; ip: string | null }): Promise<{ number: string }> {
  const order = await d.orders.find(orderId);
  if (!order || !order.needs) throw new AppError('not_found');
  if (order.status !== 'requested') throw new AppError('diamant_not_requested');
  const account = await d.accounts.getAccount(order.user_id);
  if (!account?.organisation) throw new AppError('not_found');
  const { terms } = input;
  const lines = await diamantQuoteLines(d, order, terms);
  const note = ['Le service est fourni pour 12 mois à compter de sa mise en service, qui suit la réception du paiement.', input.note].filter(Boolean).join('\n');
  try {
    const quote = await d.db.transaction().execute(async (trx) => {
      const locked = await d.orders.lock(trx, order.id);
      if (!locked || locked.status !== 'requested') throw new OrderMoved();
      if (!(await d.orders.fixCustomTerms(trx, order.id, terms))) throw new OrderMoved();
      const q = await d.billing.issueQuote(trx, { order: { ...locked, status: 'validated' }, user: account.user, organisation: account.organisation!, lines, note, validUntil: addDays(d.billing.today(), input.validityDays) });
      await d.audit.record({ action: 'order.diamant_quoted', actorUserId: by.operatorId, subjectUserId: order.user_id, ip: by.ip, at: d.clock.now(), details: { orderId: order.id, quote: q.number, instance: order.instance_name, limits: terms.limits } }, trx);
      await mailQuote({ ...d }, trx, q, account, order.instance_name);
      return q;
    });
    return { number: quote.number };
  } catch (err) {
    if (err instanceof OrderMoved) throw new AppError('diamant_not_requested');
    throw err;
  }
}
