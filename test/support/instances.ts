import assert from 'node:assert/strict';
import type { Agent } from './agent.ts';
import type { AppAndContainer } from './customers.ts';
import { customerAgent, paidOrder } from './paid-order.ts';
import { provisionInstance } from '../../src/modules/instances/use-cases/provision-instance.ts';

/**
 * Active instances made through the portal (app.inject): one customer, one paid Opale order per
 * name, each provisioned (a bounded number at once, as the queue would run them on a bigger worker).
 * Returns the customer, signed in to the portal.
 */
export async function activeInstances(t: AppAndContainer, alias: string, names: string[], opts: { concurrency?: number; plan?: string } = {}): Promise<Agent> {
  const agent = await customerAgent(t, alias);
  const orders: { name: string; orderId: number }[] = [];
  for (const name of names) orders.push({ name, orderId: (await paidOrder(t, agent, name, opts.plan ? { plan: opts.plan } : {})).orderId });
  let next = 0;
  const worker = async () => {
    while (next < orders.length) {
      const o = orders[next++]!;
      await provisionInstance(t.container.deps, o.orderId);
      // With job workers running, the queue's own provisioning may hold it: wait for whichever runs.
      const deadline = Date.now() + 60_000;
      while (!t.container.driver.endpoint(o.name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(t.container.driver.endpoint(o.name), `${o.name} is not serving after provisioning`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  return agent;
}
