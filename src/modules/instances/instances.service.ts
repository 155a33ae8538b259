import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { ActionKind, CustomLimits, DB, EndReason, Instance, InstanceState, Order } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import { decryptSecret, deriveKey, encryptSecret } from '../../platform/secrets.ts';
import { DriverError, type InstanceDriver } from '../../hosting/driver.ts';
import type { PlanLimits } from '../../gateway/limits.ts';
import type { FieldErrorCode } from '../../errors/app-error.ts';
import type { CurrentUser } from '../../web/context.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { checkPassword, passwordErrorCode } from '../accounts/passwords.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import type { OrdersService } from '../orders/orders.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { PlanView } from '../settings/settings.types.ts';
import { withCustomLimits } from '../settings/custom-limits.ts';
import { ARCHIVE_ACTION_KINDS, archiveActionJob, MAX_ATTEMPTS, provisionInstanceJob, runActionJob } from './instances.jobs.ts';
import { actionFailedMail, instanceReadyMail } from './instances.mails.ts';
import type { InstancesRepository } from './instances.repository.ts';
import { translator, type Locale } from '../../web/i18n.ts';
import { instanceMessages } from './instances.messages.ts';

/** What the front door needs to know of an instance, kept in memory and refreshed on every change. */
export interface Route {
  instanceId: number;
  state: InstanceState;
  planCode: string;
  /** the limits of a custom quote (Diamant), which override the plan's */
  custom: CustomLimits | null;
  limits: PlanLimits;
}

/** The front door's limits of an instance: its plan's, or its custom quote's where it has one. */
function routeLimits(plan: PlanLimits | undefined, custom: CustomLimits | null): PlanLimits {
  const base = plan ?? UNKNOWN_PLAN;
  return custom ? { planName: base.planName, maxSessions: custom.maxSessions, bandwidthMbps: custom.bandwidthMbps } : base;
}

export interface InstancesDeps {
  repo: InstancesRepository;
  orders: OrdersService;
  driver: InstanceDriver;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  queue: Queue;
  clock: Clock;
  logger: Logger;
  secretKey: Buffer;
  portalUrl: () => string;
  /** the public URL of an instance as customers type it (port included in the embedded default) */
  instanceUrl: (name: string) => string;
}

/** A plan the catalogue no longer has: no limit rather than a lock-out. */
const UNKNOWN_PLAN: PlanLimits = { planName: '', maxSessions: null, bandwidthMbps: null };

const ACTION_LABELS: Record<ActionKind, string> = {
  provision: "Création de l'instance",
  set_password: 'Mot de passe admin',
  archive: 'Archivage',
  restore: 'Restauration',
  delete_archive: "Suppression d'archive",
  import: "Import d'archive",
};

/**
 * Instances: their rows and actions (the only writer of `instances` and `hosting_actions`), the
 * routes of the front door kept in memory, and hosting actions. Provisioning, which spans modules,
 * is the use case use-cases/provision-instance.ts built on the steps below; each step is idempotent
 * so a retried job (or ecrin restarted mid-way) finishes the same instance, once.
 */
export class InstancesService {
  readonly #repo: InstancesRepository;
  readonly #d: InstancesDeps;
  readonly #orderKey: Buffer;
  readonly #actionKey: Buffer;
  readonly #routes = new Map<string, Route>();
  /** The plans' limits, read when the routes are loaded and whenever the catalogue changes. */
  readonly #limits = new Map<string, PlanLimits>();

  constructor(deps: InstancesDeps) {
    this.#repo = deps.repo;
    this.#d = deps;
    this.#orderKey = deriveKey(deps.secretKey, 'instance-admin-password');
    this.#actionKey = deriveKey(deps.secretKey, 'hosting-action');
  }

  // --- the front door's routes -------------------------------------------------------------------
  route(name: string): Route | undefined {
    return this.#routes.get(name.toLowerCase());
  }

  /** What the front door says of an instance from now on (in memory only; see setState). */
  showAs(i: Pick<Instance, 'id' | 'name' | 'plan_code'> & { custom_limits?: CustomLimits | null }, state: InstanceState): void {
    if (state === 'deleted') this.#routes.delete(i.name);
    else {
      // A custom quote's limits (Diamant) stay with the instance's route across catalogue changes.
      const custom = i.custom_limits !== undefined ? i.custom_limits : (this.#routes.get(i.name)?.custom ?? null);
      this.#routes.set(i.name, { instanceId: i.id, state, planCode: i.plan_code, custom, limits: routeLimits(this.#limits.get(i.plan_code), custom) });
    }
  }

  async refreshLimits(): Promise<void> {
    for (const p of await this.#d.settings.plans()) this.#limits.set(p.code, { planName: p.name, maxSessions: p.maxSessions, bandwidthMbps: p.bandwidthMbps });
    for (const r of this.#routes.values()) r.limits = routeLimits(this.#limits.get(r.planCode), r.custom);
  }

  /** The plan as it applies to this instance: the catalogue's, with its custom limits (Diamant) in place. */
  async effectivePlan(i: Pick<Instance, 'plan_code' | 'custom_limits'>): Promise<PlanView | undefined> {
    const plan = await this.#d.settings.plan(i.plan_code);
    return plan ? withCustomLimits(plan, i.custom_limits) : undefined;
  }

  /** An instance's state, stored (in the caller's transaction when given) and shown by the front door. */
  async setState(i: Instance, state: InstanceState, extra: Parameters<InstancesRepository['setState']>[3] = {}, db?: Kysely<DB>): Promise<void> {
    await this.#repo.setState(i.id, state, this.#d.clock.now(), extra, db);
    this.showAs(i, state);
  }

  /**
   * A paid plan change: the instance's plan from now on, and the front door's limits at once (the
   * period does not move). False when it was already applied (a replayed job).
   */
  async changePlan(instanceId: number, planCode: string): Promise<boolean> {
    const instance = await this.#repo.find(instanceId);
    if (!instance || instance.plan_code === planCode) return false;
    await this.#repo.setPlan(instanceId, planCode, this.#d.clock.now());
    await this.refreshLimits();
    if (instance.state !== 'deleted') this.showAs({ ...instance, plan_code: planCode }, instance.state);
    return true;
  }

  /**
   * A paid renewal, applied once: the new period from the old end, the plan renewed (a downgrade
   * at renewal applies now), a suspended instance served again at once. Null when already applied.
   */
  async applyRenewal(r: { instanceId: number; planCode: string; renewsFrom: string; renewsTo: string }): Promise<Instance | null> {
    const before = await this.#repo.find(r.instanceId);
    const after = await this.#repo.applyRenewal(r, this.#d.clock.now());
    if (!after) return null;
    if (before && before.plan_code !== after.plan_code) await this.refreshLimits();
    this.showAs(after, after.state);
    return after;
  }

  /**
   * The subscription lapsed: the front door shows the suspension page (the server keeps the data, and
   * runs, for an instant return). Only while its period still ends as in `i` (false otherwise: paid).
   */
  async suspend(i: Instance, db?: Kysely<DB>): Promise<boolean> {
    if (!(await this.#repo.suspend(i.id, String(i.period_end), this.#d.clock.now(), db))) return false;
    this.showAs(i, 'suspended');
    return true;
  }

  /** The retention delay ran out: marked to be ended (the end itself is the archives' end-instance step). */
  markRetentionOver(instanceId: number, db?: Kysely<DB>): Promise<boolean> {
    return this.#repo.markRetentionOver(instanceId, this.#d.clock.now(), db);
  }

  /** Live instances whose period ends by `upTo` and whose retention has not run out (the lifecycle sweep's). */
  dueForLifecycle(upTo: string): Promise<Instance[]> {
    return this.#repo.dueForLifecycle(upTo);
  }

  /** At start, before serving: the front door's routes. */
  async loadRoutes(): Promise<void> {
    await this.refreshLimits();
    for (const i of await this.#repo.listLive()) this.showAs(i, i.state);
  }

  /** The instances whose server should run. */
  async #toRun(): Promise<string[]> {
    // A suspended instance's server keeps running: a payment serves it again at once.
    return (await this.#repo.listLive()).filter((i) => i.state === 'active' || i.state === 'maintenance' || i.state === 'suspended').map((i) => i.name);
  }

  /** At start, before serving: servers left running by the previous ecrin are supervised again, as they are. */
  async adoptLive(): Promise<string[]> {
    return this.#d.driver.adopt(await this.#toRun());
  }

  /** At start, once serving: every live instance comes back up (adopted or started, a bounded number at once). */
  async startLive(): Promise<void> {
    for (const r of await this.#d.driver.startMany(await this.#toRun())) {
      if (r.error) this.#d.logger.error({ instance: r.name, err: r.error }, 'instance did not come back up');
    }
  }

  // --- provisioning steps ------------------------------------------------------------------------
  /** The instance of a paid order, made once (the order id is unique), shown "en création" if new. */
  async ensureForOrder(order: Order): Promise<Instance> {
    const instance = await this.#repo.ensureForOrder({ orderId: order.id, userId: order.user_id, name: order.instance_name, planCode: order.plan_code, flavour: order.flavour, customLimits: order.custom_terms?.limits ?? null }, this.#d.clock.now());
    if (!this.#routes.has(instance.name)) this.showAs(instance, instance.state);
    return instance;
  }

  /** Right after payment (the head start of `order.paid`): the address says "en création" at once. */
  async markCreating(orderId: number): Promise<void> {
    const order = await this.#d.orders.find(orderId);
    if (order && order.status === 'paid') await this.ensureForOrder(order);
  }

  /** The admin password the customer chose with the order, opened for the admin tool. */
  adminPasswordOf(order: Order): string | null {
    return order.admin_password_enc ? decryptSecret(this.#orderKey, order.admin_password_enc) : null;
  }

  /** The provisioning action of an instance, claimed for this worker: its attempt number, or null if another holds it. */
  async claimProvisioning(instanceId: number): Promise<{ actionId: number; attempts: number } | null> {
    const now = this.#d.clock.now();
    const actionId = await this.#repo.provisionAction(instanceId, now);
    const attempts = await this.#repo.claimAction(actionId, now, new Date(now.getTime() - provisionInstanceJob.options.expireInSeconds! * 1000));
    return attempts === null ? null : { actionId, attempts };
  }

  async finishAction(actionId: number): Promise<void> {
    await this.#repo.finishAction(actionId, this.#d.clock.now());
  }

  async failAttempt(actionId: number, reason: string, final: boolean): Promise<void> {
    await this.#repo.failAttempt(actionId, reason, final, this.#d.clock.now());
  }

  /** "Votre instance est prête", to the customer (and their organisation's address). */
  async mailReady(instance: Instance): Promise<void> {
    const account = await this.#d.accounts.getAccount(instance.user_id);
    if (!account) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(this.#repo.db, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'instances.ready',
      userId: account.user.id,
      rendered: instanceReadyMail({ site, name: account.user.name, url: this.#d.instanceUrl(instance.name), portalUrl: this.#d.portalUrl() }),
    });
  }

  /** An action failed for good: logged, and every operator e-mailed. */
  async alertOperators(instance: Instance, kind: ActionKind, reason: string): Promise<void> {
    const recipients = await this.#d.accounts.operatorEmails();
    this.#d.logger.error({ instance: instance.name, action: kind, reason }, 'hosting action failed for good');
    if (recipients.length === 0) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(this.#repo.db, {
      recipients,
      template: 'instances.action_failed',
      userId: null,
      rendered: actionFailedMail({ site, instance: instance.name, action: ACTION_LABELS[kind], error: reason, backofficeUrl: `${this.#d.portalUrl()}/backoffice` }),
    });
  }

  // --- reads -------------------------------------------------------------------------------------
  find(id: number) {
    return this.#repo.find(id);
  }
  findByName(name: string) {
    return this.#repo.findByName(name);
  }
  listForUser(userId: number) {
    return this.#repo.listForUser(userId);
  }
  findAction(id: number) {
    return this.#repo.findAction(id);
  }
  actionsForUser(userId: number) {
    return this.#repo.actionsForUser(userId);
  }
  actionsForInstance(instanceId: number) {
    return this.#repo.actionsForInstance(instanceId);
  }
  /** Whether an action of this kind waits or runs on the instance (ending it waits for a restore). */
  hasOpenAction(instanceId: number, kind: ActionKind): Promise<boolean> {
    return this.#repo.hasOpenAction(instanceId, kind);
  }
  /** Active instances (the automatic archives' job). */
  async listActive(): Promise<Instance[]> {
    return (await this.#repo.listLive()).filter((i) => i.state === 'active');
  }
  /** The back office: every instance, failed actions, an instance's actions in detail. */
  listAll(limit: number, offset: number) {
    return this.#repo.listAll(limit, offset);
  }
  failedActions(limit: number) {
    return this.#repo.failedActions(limit);
  }
  actionsInDetail(instanceId: number, limit: number) {
    return this.#repo.actionsInDetail(instanceId, limit);
  }

  // --- hosting actions ---------------------------------------------------------------------------
  /** The customer's own instance, or null. */
  async ownInstance(user: CurrentUser, id: number): Promise<Instance | null> {
    const i = await this.#repo.find(id);
    return i && i.user_id === user.id && i.state !== 'deleted' ? i : null;
  }

  /** "Mot de passe": the new admin password, typed twice, applied by an action. */
  /** An instance's state as the portal names it, for pages of other modules (the paid order's). */
  stateLabel(state: Instance['state'], locale: Locale): string {
    return translator(instanceMessages, locale)(`state_${state}`);
  }

  async requestPasswordChange(user: CurrentUser, instanceId: number, password: string, confirm: string): Promise<{ ok: true; actionId: number } | { ok: false; error: FieldErrorCode }> {
    const instance = await this.ownInstance(user, instanceId);
    if (!instance || instance.state !== 'active') return { ok: false, error: 'instance_not_active' };
    const problem = passwordErrorCode(checkPassword(password, confirm, { forbidden: 'admin' }));
    if (problem) return { ok: false, error: problem };
    if (/[,=]/.test(password)) return { ok: false, error: 'admin_password_chars' };
    const now = this.#d.clock.now();
    const payload = encryptSecret(this.#actionKey, password);
    const actionId = await this.#repo.db.transaction().execute(async (trx) => {
      // One pending action of a kind per instance: a new password replaces the one still waiting.
      const replaced = await this.#repo.replaceScheduledAction({ instanceId, kind: 'set_password', payload, requestedBy: user.id }, now, trx);
      if (replaced !== null) return replaced;
      const id = await this.#repo.createAction({ instanceId, kind: 'set_password', payload, requestedBy: user.id }, now, trx);
      await this.#d.queue.send(runActionJob, { actionId: id }, { trx, group: actionGroup(user.id) });
      return id;
    });
    return { ok: true, actionId };
  }

  /** The `instance.action` job. */
  async runAction(actionId: number): Promise<void> {
    const action = await this.#repo.findAction(actionId);
    if (!action || action.state === 'done' || action.state === 'failed') return;
    const instance = await this.#repo.find(action.instance_id);
    if (!instance) return;
    const now = this.#d.clock.now();
    const attempts = await this.#repo.claimAction(actionId, now, new Date(now.getTime() - runActionJob.options.expireInSeconds! * 1000));
    if (attempts === null) return;
    // Read again once claimed: a newer password may have replaced this one while it waited.
    const claimed = (await this.#repo.findAction(actionId)) ?? action;
    try {
      switch (claimed.kind) {
        case 'set_password': {
          // Erased once applied: a retry after that has nothing to apply (an internal fault, not the customer's).
          if (!claimed.payload_enc) throw new Error('the password of this action is gone');
          await this.#d.driver.setSecurity(instance.name, { mode: 0, password: decryptSecret(this.#actionKey, claimed.payload_enc) });
          break;
        }
        default:
          throw new Error(`action ${action.kind} is not available yet`);
      }
      await this.#repo.finishAction(actionId, this.#d.clock.now());
    } catch (err) {
      const reason = err instanceof DriverError ? `${err.step} : ${err.message}` : err instanceof Error ? err.message : String(err);
      const final = attempts >= MAX_ATTEMPTS;
      await this.#repo.failAttempt(actionId, reason, final, this.#d.clock.now());
      if (final) await this.alertOperators(instance, action.kind, reason);
      throw err;
    }
  }

  // --- actions run by other modules (archives) ---------------------------------------------------
  /**
   * Schedules an action another module runs (Archiver, Restaurer) in the caller's transaction: its
   * details (which may hold a password) are kept encrypted until done; its job is in the customer's
   * group, so one customer's actions never run side by side.
   */
  async scheduleAction(a: { instanceId: number; userId: number; kind: ActionKind; details: string; requestedBy: number | null }, trx: Kysely<DB>): Promise<number> {
    const id = await this.#repo.createAction({ instanceId: a.instanceId, kind: a.kind, payload: encryptSecret(this.#actionKey, a.details), requestedBy: a.requestedBy }, this.#d.clock.now(), trx);
    await this.#d.queue.send(archiveActionJob, { actionId: id }, { trx, group: actionGroup(a.userId) });
    return id;
  }

  /** An action that happened at once (Supprimer, Import): recorded done or failed for the history. */
  async recordAction(a: { instanceId: number; kind: ActionKind; requestedBy: number | null; error: string | null }): Promise<number> {
    const now = this.#d.clock.now();
    const id = await this.#repo.createAction({ instanceId: a.instanceId, kind: a.kind, payload: null, requestedBy: a.requestedBy }, now);
    if (a.error === null) await this.#repo.finishAction(id, now);
    else await this.#repo.failAttempt(id, a.error, true, now);
    return id;
  }

  /**
   * Claims an action of another module for this worker: the action, its instance, its attempt
   * number and its details opened; null when it is done, failed, or held by another worker.
   */
  async claimForRun(actionId: number): Promise<{ actionId: number; kind: ActionKind; instance: Instance; attempts: number; details: string | null; requestedBy: number | null; createdAt: Date } | null> {
    const action = await this.#repo.findAction(actionId);
    if (!action || action.state === 'done' || action.state === 'failed') return null;
    const instance = await this.#repo.find(action.instance_id);
    if (!instance) return null;
    const now = this.#d.clock.now();
    const attempts = await this.#repo.claimAction(actionId, now, new Date(now.getTime() - archiveActionJob.options.expireInSeconds! * 1000));
    if (attempts === null) return null;
    const claimed = (await this.#repo.findAction(actionId)) ?? action;
    return { actionId, kind: claimed.kind, instance, attempts, details: claimed.payload_enc ? decryptSecret(this.#actionKey, claimed.payload_enc) : null, requestedBy: claimed.requested_by, createdAt: new Date(claimed.created_at) };
  }

  /** After a failed attempt: retried, or failed for good (the operators told) after MAX_ATTEMPTS. */
  async failRun(run: { actionId: number; kind: ActionKind; instance: Instance; attempts: number }, reason: string, opts: { final?: boolean } = {}): Promise<boolean> {
    const final = opts.final === true || run.attempts >= MAX_ATTEMPTS;
    await this.#repo.failAttempt(run.actionId, reason, final, this.#d.clock.now());
    if (final) await this.alertOperators(run.instance, run.kind, reason);
    return final;
  }

  /**
   * The instance has ended (its server and files destroyed by the driver): "deleted", with when and
   * why, in the caller's transaction; its address is unknown to the front door from now on.
   */
  async markEnded(instance: Instance, reason: EndReason, trx: Kysely<DB>): Promise<void> {
    await this.setState(instance, 'deleted', { deleted_at: this.#d.clock.now(), end_reason: reason }, trx);
  }

  /** Maintenance and back: what the front door shows while an instance is restored. */
  async setMaintenance(instance: Instance, on: boolean): Promise<void> {
    await this.setState(instance, on ? 'maintenance' : 'active');
  }

  /** Operator ("Relancer"): run a failed action again, attempts from zero; the audit log says who. */
  async retryAction(actionId: number, by: { actorUserId: number; ip: string | null } | null = null): Promise<boolean> {
    const action = await this.#repo.findAction(actionId);
    if (!action || action.state !== 'failed') return false;
    const instance = await this.#repo.find(action.instance_id);
    if (!instance || !(await this.#repo.resetAction(actionId))) return false;
    if (action.kind === 'provision') {
      await this.setState(instance, 'creating', { failure_reason: null });
      await this.#d.queue.send(provisionInstanceJob, { orderId: instance.order_id });
    } else if (ARCHIVE_ACTION_KINDS.has(action.kind)) {
      await this.#d.queue.send(archiveActionJob, { actionId }, { group: actionGroup(instance.user_id) });
    } else {
      await this.#d.queue.send(runActionJob, { actionId }, { group: actionGroup(instance.user_id) });
    }
    if (by) await this.#d.audit.record({ action: 'action.retried', actorUserId: by.actorUserId, subjectUserId: instance.user_id, ip: by.ip, at: this.#d.clock.now(), details: { actionId, instanceId: action.instance_id, kind: action.kind } });
    return true;
  }
}

/** A customer's actions form one group of the queue: at most ACTIONS_PER_CUSTOMER of them run at once. */
function actionGroup(userId: number): string {
  return `customer-${userId}`;
}
