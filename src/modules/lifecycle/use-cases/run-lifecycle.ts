import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import { addDays, daysBetween, isCalendarDate, parisDate } from '../../../platform/dates.ts';
import type { DB, DocumentRow, Instance, LifecycleNoticeKind, Order } from '../../../platform/db/schema.ts';
import type { EventBus } from '../../../platform/events/event-bus.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { Queue } from '../../../platform/queue/queue.ts';
import { endInstanceJob } from '../../archives/archives.jobs.ts';
import type { Account } from '../../accounts/accounts.service.ts';
import type { RenderedMail } from '../../notifications/mail-layout.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { InstancesService } from '../../instances/instances.service.ts';
import { applyRenewal } from '../../instances/use-cases/apply-renewal.ts';
import type { LifecycleSettings } from '../../settings/settings.types.ts';
import { endedMail, graceMail, renewalReminderMail, retentionOverMail, suspendedMail, type LifecycleMailFacts } from '../lifecycle.mails.ts';
import { declinedDates } from '../../instances/renewal-status.ts';
import { extendRenewalQuote } from './extend-renewal-quote.ts';
import { issueRenewal, lapseDates, nextPeriod, renewalFacts, type RenewalDeps } from './renewal-quote.ts';

export interface RunLifecycleDeps extends RenewalDeps {
  events: EventBus;
  instances: InstancesService;
  logger: Logger;
  clock: Clock;
  queue: Queue;
}

export interface LifecycleDaySummary {
  day: string;
  instances: number;
  renewalsIssued: number;
  reminders: number;
  grace: number;
  suspended: number;
  ended: number;
  retentionOver: number;
  extended: number;
  /** renewal quotes replaced by one payable longer (the operator lengthened the delays after them) */
  requoted: number;
}

const emptySummary = (day: string): LifecycleDaySummary => ({ day, instances: 0, renewalsIssued: 0, reminders: 0, grace: 0, suspended: 0, ended: 0, retentionOver: 0, extended: 0, requoted: 0 });

/**
 * The daily sweep of the hosting year, for the calendar day `asOf` (Europe/Paris), over every
 * instance whose period ends within the renewal lead or has ended unpaid:
 *   - `renewalLeadDays` before the end: the renewal order, its quote, its e-mail (once: one live
 *     renewal per instance and period in the database);
 *   - while unpaid, on each of `reminderDays` before the end: a reminder (each once, recorded);
 *   - the day after the end, unpaid: the grace period (e-mail; the portal shows a banner);
 *   - `graceDays` later, unpaid: suspended (the front door's page names the quote and its amount);
 *   - `retentionDays` after that: retention over, the instance to be ended.
 * A renewal the customer cancelled ("Annuler la commande automatique") ends the instance with its
 * period: suspended the day after, retention over `retentionDays` later, with their e-mails.
 * Idempotent for a day: every step is guarded by the database (notices, unique renewal, states).
 */
export async function runLifecycleDay(d: RunLifecycleDeps, asOf: string): Promise<LifecycleDaySummary> {
  if (!isCalendarDate(asOf)) throw new Error(`not a calendar date: ${asOf}`);
  const l = await d.settings.lifecycle();
  // The settings the steps' e-mails and quotes read (cached), read now outside any transaction: a
  // step must not find the cache cold inside its transaction (on PGlite, a read outside it would
  // wait for the transaction's own connection).
  await Promise.all([d.settings.billing(), d.settings.operatorIdentity()]);
  const summary = emptySummary(asOf);
  await d.lifecycle.startDay(asOf);
  // Every instance whose renewal is due (period ending within the lead) or whose end has passed,
  // until its retention ran out.
  const candidates = await d.instances.dueForLifecycle(addDays(asOf, l.renewalLeadDays - 1));
  summary.instances = candidates.length;
  const pairs = candidates.map((i) => ({ instanceId: i.id, renewsFrom: nextPeriod(String(i.period_end)).from }));
  const renewals = await d.orders.latestRenewals(pairs);
  const sent = await d.lifecycle.sentKeys(candidates.map((i) => ({ instanceId: i.id, periodEnd: String(i.period_end) })));
  const reads = await readsForDay(d, l, asOf, candidates, renewals, sent);
  for (const instance of candidates) {
    try {
      await sweepInstance(d, l, asOf, instance, renewals.get(instance.id), sent, reads, summary);
    } catch (err) {
      // One instance's failure (a missing account…) does not stop the others; the next run retries it.
      d.logger.error({ err, instance: instance.name, day: asOf }, 'lifecycle step failed');
    }
  }
  await d.lifecycle.finishDay(asOf, summary);
  const acted = summary.renewalsIssued + summary.reminders + summary.grace + summary.suspended + summary.ended + summary.retentionOver + summary.extended + summary.requoted;
  if (acted > 0) d.logger.info(summary, 'lifecycle sweep');
  return summary;
}

/**
 * The sweep for every day since the last one that finished, up to `today` included (ecrin was
 * down: the days it missed are run in order). The first run ever runs today only.
 */
export async function runLifecycleCatchUp(d: RunLifecycleDeps, today: string = parisDate(d.clock.now())): Promise<LifecycleDaySummary[]> {
  const last = await d.lifecycle.lastFinishedDay();
  const first = last === null ? today : addDays(last, 1);
  const out: LifecycleDaySummary[] = [];
  for (let day = first; daysBetween(day, today) >= 0; day = addDays(day, 1)) out.push(await runLifecycleDay(d, day));
  return out;
}

/** What the day's steps need beyond the rows already read, read at once for every instance that has one due. */
interface DayReads {
  /** the unpaid renewals whose quote lapses before the data goes (under today's delays): to replace */
  requote: Set<number>;
  accounts: Map<number, Account>;
  quotes: Map<number, DocumentRow>;
  paidCents: Map<number, number>;
}

const noticeKey = (instance: Instance, kind: LifecycleNoticeKind) => `${instance.id}|${String(instance.period_end)}|${kind}`;

/**
 * The accounts, quotes and amounts paid the day's steps will use, four queries for the whole day
 * (instead of three per step): only for the instances with something due today (`renewalDue`,
 * `stepDue`: the rules below, without I/O; a quote to replace, from the unpaid renewals' quote
 * validities). A step that finds its row missing here does nothing.
 */
async function readsForDay(d: RunLifecycleDeps, l: LifecycleSettings, asOf: string, candidates: Instance[], renewals: Map<number, Order>, sent: Set<string>): Promise<DayReads> {
  const users: number[] = [];
  const orders: number[] = [];
  const open = candidates.filter((i) => {
    const r = renewals.get(i.id);
    return r !== undefined && (r.status === 'validated' || r.status === 'expired') && !sent.has(noticeKey(i, 'retention_over'));
  });
  const validities = await d.billing.latestQuoteValidities(open.map((i) => renewals.get(i.id)!.id));
  const requote = new Set<number>();
  for (const instance of open) {
    const renewal = renewals.get(instance.id)!;
    const validUntil = validities.get(renewal.id);
    const { dataUntil } = lapseDates(String(instance.period_end), l);
    // Still within the data's keeping (a catch-up past it ends the instance instead).
    if (validUntil !== undefined && validUntil < dataUntil && asOf <= dataUntil) requote.add(renewal.id);
  }
  for (const instance of candidates) {
    const renewal = renewals.get(instance.id);
    const has = (kind: LifecycleNoticeKind) => sent.has(noticeKey(instance, kind));
    if (!renewal) {
      if (renewalDue(l, asOf, instance)) users.push(instance.user_id);
    } else if (renewal.status !== 'paid' && (requote.has(renewal.id) || stepDue(l, asOf, instance, renewal, has))) {
      users.push(instance.user_id);
      if (renewal.status !== 'cancelled') orders.push(renewal.id);
    }
  }
  const [accounts, quotes] = await Promise.all([d.accounts.getAccounts(users), d.billing.latestQuotesForOrders(orders)]);
  const paidCents = await d.payments.paidCentsOf([...quotes.values()].map((q) => q.id));
  return { requote, accounts, quotes, paidCents };
}

/** No renewal yet for the period: whether its order is due (within the lead, the instance served). */
function renewalDue(l: LifecycleSettings, asOf: string, instance: Instance): boolean {
  return instance.state !== 'suspended' && daysBetween(asOf, addDays(String(instance.period_end), 1)) <= l.renewalLeadDays;
}

async function sweepInstance(d: RunLifecycleDeps, l: LifecycleSettings, asOf: string, instance: Instance, renewal: Order | undefined, sent: Set<string>, reads: DayReads, summary: LifecycleDaySummary): Promise<void> {
  const periodEnd = String(instance.period_end);
  const start = addDays(periodEnd, 1);
  const has = (kind: LifecycleNoticeKind) => sent.has(noticeKey(instance, kind));
  const daysToStart = daysBetween(asOf, start); // 1 on the last day of the period
  if (!renewal) {
    if (!renewalDue(l, asOf, instance)) return;
    const account = reads.accounts.get(instance.user_id) ?? null;
    const result = await d.db.transaction().execute((trx) => issueRenewal(d, trx, instance, instance.plan_code, { day: asOf, requestedBy: null, account }));
    if (result.ok) summary.renewalsIssued++;
    else if (result.reason !== 'exists') d.logger.warn({ instance: instance.name, reason: result.reason }, 'no automatic renewal for this instance');
    return;
  }
  if (renewal.status === 'paid') {
    // Paid: the period is extended by renewal.paid's delivery; should it not have happened yet, now.
    if (await applyRenewal(d, { orderId: renewal.id, instanceId: instance.id, planCode: renewal.plan_code, renewsFrom: String(renewal.renews_from), renewsTo: String(renewal.renews_to) })) summary.extended++;
    return;
  }
  const { suspendOn, retentionOverOn } = lapseDates(periodEnd, l);
  if (reads.requote.has(renewal.id)) {
    // The delays were lengthened after the quote: one payable until the data goes replaces it.
    const account = reads.accounts.get(instance.user_id);
    const replaced = account ? await extendRenewalQuote(d, instance, renewal.id, account) : null;
    if (replaced) {
      reads.quotes.set(renewal.id, replaced.quote);
      reads.paidCents.set(replaced.quote.id, replaced.paidCents);
      if (renewal.status === 'expired') renewal = { ...renewal, status: 'validated' };
      summary.requoted++;
    }
  }
  // Most days nothing is due for an instance: decide before reading anything more.
  if (!stepDue(l, asOf, instance, renewal, has)) return;
  const account = reads.accounts.get(instance.user_id);
  if (!account) return;
  if (renewal.status === 'cancelled') {
    // "Annuler la commande automatique": the instance ends with its period; its data is kept a while.
    const endsRetention = declinedDates(periodEnd, l).retentionOverOn;
    if (daysBetween(start, asOf) >= 0 && instance.state === 'active' && !has('ended')) {
      if (await step(d, instance, periodEnd, 'ended', renewal.id, asOf, account, async (trx) => {
        if (!(await d.instances.suspend(instance, trx))) throw new StepOvertaken();
        const facts = await declinedFacts(d, instance, renewal, account, endsRetention);
        return endedMail(facts);
      })) summary.ended++;
    }
    if (daysBetween(endsRetention, asOf) >= 0 && !has('retention_over')) {
      if (await step(d, instance, periodEnd, 'retention_over', renewal.id, asOf, account, async (trx) => {
        if (!(await d.instances.markRetentionOver(instance.id, trx))) throw new StepOvertaken();
        await endInstanceAfterCommit(d, trx, instance, 'customer');
        const facts = await declinedFacts(d, instance, renewal, account, endsRetention);
        return retentionOverMail({ ...facts, dueCents: 0, quoteNumber: '', declined: true, nameDays: l.nameQuarantineDays });
      })) {
        summary.retentionOver++;
      }
    }
    return;
  }
  // Unpaid (validated, or its quote lapsed): reminders, grace, suspension, end of retention.
  const quote = reads.quotes.get(renewal.id);
  if (!quote) return;
  const facts = () => renewalFacts(d, instance, renewal, quote, account, undefined, reads.paidCents.get(quote.id) ?? 0);
  if (daysToStart >= 1) {
    // The latest reminder due today (a catch-up after an outage does not send the earlier ones late).
    const due = l.reminderDays.filter((k) => daysToStart <= k).sort((a, b) => a - b)[0];
    const kind: LifecycleNoticeKind = `reminder_${due ?? 0}`;
    if (due !== undefined && !has(kind)) {
      const f = await facts();
      if (await step(d, instance, periodEnd, kind, renewal.id, asOf, account, async () => renewalReminderMail({ ...f, daysLeft: daysToStart }), quote)) summary.reminders++;
    }
    return;
  }
  if (daysBetween(suspendOn, asOf) < 0) {
    if (!has('grace')) {
      const f = await facts();
      if (await step(d, instance, periodEnd, 'grace', renewal.id, asOf, account, async () => graceMail(f), quote)) summary.grace++;
    }
    return;
  }
  if (instance.state === 'active' && !has('suspended')) {
    const f = await facts();
    if (await step(d, instance, periodEnd, 'suspended', renewal.id, asOf, account, async (trx) => {
      if (!(await d.instances.suspend(instance, trx))) throw new StepOvertaken();
      return suspendedMail(f);
    }, quote)) summary.suspended++;
  }
  if (daysBetween(retentionOverOn, asOf) >= 0 && !has('retention_over')) {
    const f = await facts();
    if (await step(d, instance, periodEnd, 'retention_over', renewal.id, asOf, account, async (trx) => {
      if (!(await d.instances.markRetentionOver(instance.id, trx))) throw new StepOvertaken();
      await endInstanceAfterCommit(d, trx, instance, 'unpaid');
      return retentionOverMail({ ...f, declined: false, nameDays: l.nameQuarantineDays });
    }, quote)) {
      summary.retentionOver++;
    }
  }
}

/** Whether a step of the sweep is due today for this instance (the same rules as below, without I/O). */
function stepDue(l: LifecycleSettings, asOf: string, instance: Instance, renewal: Order, has: (kind: LifecycleNoticeKind) => boolean): boolean {
  const periodEnd = String(instance.period_end);
  const start = addDays(periodEnd, 1);
  if (renewal.status === 'cancelled') {
    const d = declinedDates(periodEnd, l);
    return (daysBetween(start, asOf) >= 0 && instance.state === 'active' && !has('ended')) || (daysBetween(d.retentionOverOn, asOf) >= 0 && !has('retention_over'));
  }
  const daysToStart = daysBetween(asOf, start);
  if (daysToStart >= 1) {
    const due = l.reminderDays.filter((k) => daysToStart <= k).sort((a, b) => a - b)[0];
    return due !== undefined && !has(`reminder_${due}`);
  }
  const { suspendOn, retentionOverOn } = lapseDates(periodEnd, l);
  if (daysBetween(suspendOn, asOf) < 0) return !has('grace');
  return (instance.state === 'active' && !has('suspended')) || (daysBetween(retentionOverOn, asOf) >= 0 && !has('retention_over'));
}

/** The state a step was to change moved since the day's rows were read (a renewal paid meanwhile): the step is rolled back. */
class StepOvertaken extends Error {}

/**
 * One step, once: in one transaction, the notice recorded (the database refuses a second), the
 * state changed, the audit entry and the e-mail — or nothing. False when it was done already, or
 * when its state change no longer applies (the instance was paid since the day's rows were read:
 * no suspension, no end, no e-mail).
 */
async function step(d: RunLifecycleDeps, instance: Instance, periodEnd: string, kind: LifecycleNoticeKind, orderId: number, day: string, account: Account, act: (trx: Kysely<DB>) => Promise<RenderedMail>, quote?: DocumentRow): Promise<boolean> {
  try {
    return await d.db.transaction().execute(async (trx) => {
      if (!(await d.lifecycle.noteOnce(trx, { instanceId: instance.id, periodEnd, kind, orderId, day }))) return false;
      const rendered = await act(trx);
      await d.audit.record({ action: kind.startsWith('reminder_') ? 'lifecycle.reminder' : (`lifecycle.${kind}` as 'lifecycle.grace'), subjectUserId: instance.user_id, at: d.clock.now(), details: { instance: instance.name, orderId, day, periodEnd, kind, ...(quote ? { quote: quote.number } : {}) } }, trx);
      await d.mail.enqueue(trx, { recipients: customerRecipients(account.user, account.organisation), template: `lifecycle.${kind.startsWith('reminder_') ? 'reminder' : kind}`, userId: account.user.id, rendered });
      return true;
    });
  } catch (err) {
    if (err instanceof StepOvertaken) return false;
    throw err;
  }
}

async function declinedFacts(d: RunLifecycleDeps, instance: Instance, renewal: Order, account: Account, endsRetention: string): Promise<Omit<LifecycleMailFacts, 'dueCents' | 'suspendOn'>> {
  const identity = await d.settings.operatorIdentity();
  return {
    site: identity.tradeName,
    name: account.user.name,
    instanceUrl: d.instanceUrl(instance.name),
    quoteNumber: '',
    payUrl: `${d.portalUrl()}/commandes/${renewal.id}`,
    instancePageUrl: `${d.portalUrl()}/instances/${instance.id}`,
    periodEnd: String(instance.period_end),
    renewsFrom: String(renewal.renews_from),
    renewsTo: String(renewal.renews_to),
    planName: renewal.plan_code,
    dataUntil: addDays(endsRetention, -1),
    iban: identity.iban,
    bic: identity.bic,
    accountHolder: identity.accountHolder,
    paypal: false,
  };
}

/**
 * The retention delay is over: the instance is marked to be ended (`retention_over_at`) and, in the
 * same transaction, the archives' "end an instance" job is sent (archives/use-cases/end-instance.ts:
 * a verified final archive, downloadable from « Archives finales », then the destruction; the name
 * released after the quarantine). One pending job per instance (the singleton key shared with the
 * customer's « Mettre fin à l'instance »); the use case is idempotent and, if the final archive fails,
 * destroys nothing and alerts the operators. The final archive takes minutes: it is not made inside
 * the sweep.
 */
async function endInstanceAfterCommit(d: RunLifecycleDeps, trx: Kysely<DB>, instance: Instance, reason: 'unpaid' | 'customer'): Promise<void> {
  await d.queue.send(endInstanceJob, { instanceId: instance.id, reason, actorUserId: null, ip: null }, { trx, singletonKey: `end-${instance.id}` });
}
