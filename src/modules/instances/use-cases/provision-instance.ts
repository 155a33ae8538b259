import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { DB } from '../../../platform/db/schema.ts';
import type { EventBus } from '../../../platform/events/event-bus.ts';
import { DriverError, type InstanceDriver } from '../../../hosting/driver.ts';
import { instanceLive } from '../../../events/domain-events.ts';
import type { BillingService } from '../../billing/billing.service.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import { MAX_ATTEMPTS } from '../instances.jobs.ts';
import type { InstancesService } from '../instances.service.ts';

export interface ProvisionInstanceDeps {
  db: Kysely<DB>;
  clock: Clock;
  events: EventBus;
  instances: InstancesService;
  orders: OrdersService;
  billing: BillingService;
  driver: InstanceDriver;
  instanceDomain: string;
  /** a request through the front door, as a customer would make it: true when it answers */
  probe: (name: string) => Promise<boolean>;
}

/**
 * The `instance.provision` job, run for each paid order (the `order.paid` event): the instance's
 * row → `lucterios_admin add` → the admin password chosen at order time → the server started →
 * a request through the front door answered → active, with its service period (the `instance.live`
 * event, after which orders forgets the password) → "votre instance est prête". A failure stops
 * the half-made server and is retried by the job; the last attempt marks it failed and tells the
 * operators.
 */
export async function provisionInstance(d: ProvisionInstanceDeps, orderId: number): Promise<void> {
  const order = await d.orders.find(orderId);
  // The job is only sent for a paid order: anything else is a broken invariant, retried then failed loudly.
  if (!order || order.status !== 'paid') throw new Error(`order ${orderId} is not paid`);
  const instance = await d.instances.ensureForOrder(order);
  if (instance.state === 'active') return;
  d.instances.showAs(instance, 'creating');
  // One worker at a time: a second call (a retry racing a restart) leaves it to the first.
  const claim = await d.instances.claimProvisioning(instance.id);
  if (!claim) return;
  try {
    await d.driver.create({ name: instance.name, flavour: instance.flavour, host: `${instance.name}.${d.instanceDomain}` });
    const password = d.instances.adminPasswordOf(order);
    if (password) await d.driver.setSecurity(instance.name, { mode: 0, password });
    await d.driver.start(instance.name);
    // Active only once a request through the front door gets an answer, as the customer's will.
    d.instances.showAs(instance, 'active');
    let up = false;
    for (let i = 0; i < 30 && !up; i++) {
      up = await d.probe(instance.name);
      if (!up) await new Promise((r) => setTimeout(r, 200));
    }
    if (!up) throw new DriverError('check', "l'instance ne répond pas à travers la porte d'entrée");
    const period = await d.billing.servicePeriodOfOrder(orderId);
    await d.events.transaction(d.db, async (trx) => {
      await d.instances.setState(instance, 'active', { activated_at: d.clock.now(), failure_reason: null, ...(period ? { period_start: period.start, period_end: period.end } : {}) }, trx);
      await d.events.record(trx, instanceLive, { instanceId: instance.id, orderId });
    });
    await d.instances.finishAction(claim.actionId);
    await d.instances.mailReady(instance);
  } catch (err) {
    const reason = err instanceof DriverError ? `${err.step} : ${err.message}` : err instanceof Error ? err.message : String(err);
    const final = claim.attempts >= MAX_ATTEMPTS;
    // No half-made instance left running; its files stay, so a retry resumes where it stopped.
    await d.driver.stop(instance.name).catch(() => {});
    await d.instances.failAttempt(claim.actionId, reason, final);
    await d.instances.setState(instance, final ? 'failed' : 'creating', { failure_reason: reason });
    if (final) await d.instances.alertOperators(instance, 'provision', reason);
    throw err;
  }
}
