import type { Clock } from '../../platform/clock.ts';
import type { ActionKind, Instance, InstanceState } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import { decryptSecret, deriveKey, encryptSecret } from '../../platform/secrets.ts';
import { DriverError, type InstanceDriver } from '../../hosting/driver.ts';
import type { PlanLimits } from '../../gateway/limits.ts';
import type { CurrentUser } from '../../web/context.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import type { FieldErrorCode } from '../accounts/accounts.validation.ts';
import { checkPassword } from '../accounts/passwords.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { BillingService } from '../billing/billing.service.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import type { OrdersRepository } from '../orders/orders.repository.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { MAX_ATTEMPTS, provisionInstanceJob, runActionJob } from './instances.jobs.ts';
import { actionFailedMail, instanceReadyMail } from './instances.mails.ts';
import { InstancesRepository } from './instances.repository.ts';

/** What the front door needs to know of an instance, kept in memory and refreshed on every change. */
export interface Route {
  instanceId: number;
  state: InstanceState;
  planCode: string;
  limits: PlanLimits;
}

export interface InstancesDeps {
  repo: InstancesRepository;
  orders: OrdersRepository;
  driver: InstanceDriver;
  accounts: AccountsService;
  settings: SettingsService;
  billing: BillingService;
  mail: MailService;
  audit: AuditRepository;
  queue: Queue;
  clock: Clock;
  logger: Logger;
  secretKey: Buffer;
  publicDomain: string;
  scheme: 'http' | 'https';
  portalUrl: () => string;
  /** the public URL of an instance as customers type it (port included in the embedded default) */
  instanceUrl: (name: string) => string;
  /** a request through the front door, as a customer would make it: true when it answers */
  probe?: (name: string) => Promise<boolean>;
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
 * Instances: provisioning on payment, the routes of the front door, and hosting actions. Each step
 * is idempotent so a retried job (or ecrin restarted mid-way) finishes the same instance, once.
 */
export class InstancesService {
  readonly repo: InstancesRepository;
  readonly #d: InstancesDeps;
  readonly #orderKey: Buffer;
  readonly #actionKey: Buffer;
  readonly #routes = new Map<string, Route>();

  constructor(deps: InstancesDeps) {
    this.repo = deps.repo;
    this.#d = deps;
    this.#orderKey = deriveKey(deps.secretKey, 'instance-admin-password');
    this.#actionKey = deriveKey(deps.secretKey, 'hosting-action');
  }

  route(name: string): Route | undefined {
    return this.#routes.get(name.toLowerCase());
  }

  #setRoute(i: Pick<Instance, 'id' | 'name' | 'plan_code'>, state: InstanceState): void {
    if (state === 'deleted') this.#routes.delete(i.name);
    else this.#routes.set(i.name, { instanceId: i.id, state, planCode: i.plan_code, limits: this.#limits.get(i.plan_code) ?? UNKNOWN_PLAN });
  }

  /** The plans' limits, read when the routes are loaded and whenever the catalogue changes. */
  readonly #limits = new Map<string, PlanLimits>();

  async refreshLimits(): Promise<void> {
    for (const p of await this.#d.settings.plans()) this.#limits.set(p.code, { planName: p.name, maxSessions: p.maxSessions, bandwidthMbps: p.bandwidthMbps });
    for (const r of this.#routes.values()) r.limits = this.#limits.get(r.planCode) ?? UNKNOWN_PLAN;
  }

  async #state(i: Instance, state: InstanceState, extra: Parameters<InstancesRepository['setState']>[3] = {}): Promise<void> {
    await this.repo.setState(i.id, state, this.#d.clock.now(), extra);
    this.#setRoute(i, state);
  }

  /** At start, before serving: the front door's routes. */
  async loadRoutes(): Promise<void> {
    await this.refreshLimits();
    for (const i of await this.repo.listLive()) this.#setRoute(i, i.state);
  }

  /** At start, once serving: every live instance comes back up. */
  async startLive(): Promise<void> {
    for (const i of await this.repo.listLive()) {
      if (i.state === 'active' || i.state === 'maintenance') {
        try {
          await this.#d.driver.start(i.name);
        } catch (err) {
          this.#d.logger.error({ instance: i.name, err: err instanceof Error ? err.message : String(err) }, 'instance did not come back up');
        }
      }
    }
  }

  /** Right after payment: the instance exists as "en création", so its address says so at once. */
  async markCreating(orderId: number): Promise<void> {
    const order = await this.#d.orders.find(orderId);
    if (!order || order.status !== 'paid') return;
    const instance = await this.repo.ensureForOrder({ orderId, userId: order.user_id, name: order.instance_name, planCode: order.plan_code, flavour: order.flavour }, this.#d.clock.now());
    if (!this.#routes.has(instance.name)) this.#setRoute(instance, instance.state);
  }

  /** The `instance.provision` job: create → security → start → check → active → e-mail. */
  async provision(orderId: number): Promise<void> {
    const order = await this.#d.orders.find(orderId);
    if (!order || order.status !== 'paid') throw new Error(`order ${orderId} is not paid`);
    const now = this.#d.clock.now();
    const instance = await this.repo.ensureForOrder({ orderId, userId: order.user_id, name: order.instance_name, planCode: order.plan_code, flavour: order.flavour }, now);
    if (instance.state === 'active') return;
    this.#setRoute(instance, 'creating');
    const actionId = await this.repo.provisionAction(instance.id, now);
    // One worker at a time: a second call (a retry racing a restart) leaves it to the first.
    const attempts = await this.repo.claimAction(actionId, now, new Date(now.getTime() - provisionInstanceJob.options.expireInSeconds! * 1000));
    if (attempts === null) return;
    const host = `${instance.name}.${this.#d.publicDomain}`;
    try {
      await this.#d.driver.create({ name: instance.name, flavour: instance.flavour, host });
      if (order.admin_password_enc) {
        await this.#d.driver.setSecurity(instance.name, { mode: 0, password: decryptSecret(this.#orderKey, order.admin_password_enc) });
      }
      await this.#d.driver.start(instance.name);
      const probe = this.#d.probe ?? ((n: string) => this.#d.driver.health(n));
      // Active only once a request through the front door gets an answer, as the customer's will.
      this.#setRoute(instance, 'active');
      let up = false;
      for (let i = 0; i < 30 && !up; i++) {
        up = await probe(instance.name);
        if (!up) await new Promise((r) => setTimeout(r, 200));
      }
      if (!up) throw new DriverError('check', "l'instance ne répond pas à travers la porte d'entrée");
      const period = await this.#servicePeriod(orderId);
      await this.#state(instance, 'active', { activated_at: this.#d.clock.now(), failure_reason: null, ...(period ? { period_start: period.start, period_end: period.end } : {}) });
      await this.#d.orders.eraseAdminPassword(orderId, this.#d.clock.now());
      await this.repo.finishAction(actionId, this.#d.clock.now());
      await this.#mailReady(instance);
    } catch (err) {
      const reason = err instanceof DriverError ? `${err.step} : ${err.message}` : err instanceof Error ? err.message : String(err);
      const final = attempts >= MAX_ATTEMPTS;
      // No half-made instance left running; its files stay, so a retry resumes where it stopped.
      await this.#d.driver.stop(instance.name).catch(() => {});
      await this.repo.failAttempt(actionId, reason, final, this.#d.clock.now());
      await this.#state(instance, final ? 'failed' : 'creating', { failure_reason: reason });
      if (final) await this.#alertOperator(instance, 'provision', reason);
      throw err;
    }
  }

  async #servicePeriod(orderId: number): Promise<{ start: string; end: string } | null> {
    const quote = await this.#d.billing.repo.latestQuoteForOrder(orderId);
    const invoice = quote ? await this.#d.billing.repo.invoiceForQuote(quote.id) : undefined;
    return invoice ? ((invoice.content as BillingDocument).servicePeriod ?? null) : null;
  }

  async #mailReady(instance: Instance): Promise<void> {
    const account = await this.#d.accounts.getAccount(instance.user_id);
    if (!account) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(this.repo.db, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'instances.ready',
      userId: account.user.id,
      rendered: instanceReadyMail({ site, name: account.user.name, url: this.#d.instanceUrl(instance.name), portalUrl: this.#d.portalUrl() }),
    });
  }

  async #alertOperator(instance: Instance, kind: ActionKind, reason: string): Promise<void> {
    const recipients = await this.#d.accounts.repository.operatorEmails();
    this.#d.logger.error({ instance: instance.name, action: kind, reason }, 'hosting action failed for good');
    if (recipients.length === 0) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(this.repo.db, {
      recipients,
      template: 'instances.action_failed',
      userId: null,
      rendered: actionFailedMail({ site, instance: instance.name, action: ACTION_LABELS[kind], error: reason, backofficeUrl: `${this.#d.portalUrl()}/backoffice` }),
    });
  }

  /** The customer's own instance, or null. */
  async ownInstance(user: CurrentUser, id: number): Promise<Instance | null> {
    const i = await this.repo.find(id);
    return i && i.user_id === user.id && i.state !== 'deleted' ? i : null;
  }

  /** "Mot de passe": the new admin password, typed twice, applied by an action. */
  async requestPasswordChange(user: CurrentUser, instanceId: number, password: string, confirm: string): Promise<{ ok: true; actionId: number } | { ok: false; error: FieldErrorCode | 'admin_password_chars' | 'not_active' }> {
    const instance = await this.ownInstance(user, instanceId);
    if (!instance || instance.state !== 'active') return { ok: false, error: 'not_active' };
    const problem = checkPassword(password, confirm, { alias: 'admin' });
    if (problem) return { ok: false, error: `password_${problem}` as FieldErrorCode };
    if (/[,=]/.test(password)) return { ok: false, error: 'admin_password_chars' };
    const now = this.#d.clock.now();
    const actionId = await this.repo.db.transaction().execute(async (trx) => {
      const id = await this.repo.createAction({ instanceId, kind: 'set_password', payload: encryptSecret(this.#actionKey, password), requestedBy: user.id }, now, trx);
      await this.#d.queue.send(runActionJob, { actionId: id }, { trx });
      return id;
    });
    return { ok: true, actionId };
  }

  /** The `instance.action` job. */
  async runAction(actionId: number): Promise<void> {
    const action = await this.repo.findAction(actionId);
    if (!action || action.state === 'done' || action.state === 'failed') return;
    const instance = await this.repo.find(action.instance_id);
    if (!instance) return;
    const now = this.#d.clock.now();
    const attempts = await this.repo.claimAction(actionId, now, new Date(now.getTime() - runActionJob.options.expireInSeconds! * 1000));
    if (attempts === null) return;
    try {
      switch (action.kind) {
        case 'set_password': {
          if (!action.payload_enc) throw new Error('the password of this action is gone');
          await this.#d.driver.setSecurity(instance.name, { mode: 0, password: decryptSecret(this.#actionKey, action.payload_enc) });
          break;
        }
        default:
          throw new Error(`action ${action.kind} is not available yet`);
      }
      await this.repo.finishAction(actionId, this.#d.clock.now());
    } catch (err) {
      const reason = err instanceof DriverError ? `${err.step} : ${err.message}` : err instanceof Error ? err.message : String(err);
      const final = attempts >= MAX_ATTEMPTS;
      await this.repo.failAttempt(actionId, reason, final, this.#d.clock.now());
      if (final) await this.#alertOperator(instance, action.kind, reason);
      throw err;
    }
  }

  /** Operator: run a failed action again. */
  async retryAction(actionId: number): Promise<boolean> {
    const action = await this.repo.findAction(actionId);
    if (!action || action.state !== 'failed') return false;
    if (action.kind === 'provision') {
      const instance = await this.repo.find(action.instance_id);
      if (!instance || !(await this.repo.resetAction(actionId))) return false;
      await this.#state(instance, 'creating', { failure_reason: null });
      await this.#d.queue.send(provisionInstanceJob, { orderId: instance.order_id });
      return true;
    }
    if (!(await this.repo.resetAction(actionId))) return false;
    await this.#d.queue.send(runActionJob, { actionId });
    return true;
  }
}
