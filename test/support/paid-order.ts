import assert from 'node:assert/strict';
import type { Container } from '../../src/container.ts';
import type { Agent } from './agent.ts';
import { prefilledValidation, signedInCustomer, type AppAndContainer } from './customers.ts';
import { recordPayment } from '../../src/modules/payments/use-cases/record-payment.ts';

/**
 * A paid hosting order made in-process (app.inject), for code that has an app and a container but
 * not a TestApp (the browser journeys' real server, the front-door benchmark's server): a customer
 * signs up through the portal, orders, accepts the CGV, validates, and the operator records the
 * transfer. The payment settles the quote at once, which queues `instance.provision`.
 */
export type { AppAndContainer };

export const DEFAULT_ADMIN_PASSWORD = 'tournesol-geant-42';

/** A customer signed up through the portal, password set, organisation filled in; signed in. */
export function customerAgent(t: AppAndContainer, alias: string, password = 'velo-rouge-2026!'): Promise<Agent> {
  return signedInCustomer(t, alias, { password });
}

/** The id of an operator (created on first use). */
export async function operatorId(c: Container, email = 'operateur@example.org'): Promise<number> {
  let user = await c.services.accounts.findUserByEmail(email);
  if (!user) {
    const created = await c.services.accounts.createOperator(email);
    assert.ok(created.ok, `operator ${email} not created`);
    user = await c.services.accounts.findUserByEmail(email);
  }
  assert.ok(user, `no operator ${email}`);
  return user.id;
}

/** The operator records a bank transfer covering the quote ("order paid"). */
export async function recordTransfer(c: Container, quoteNumber: string): Promise<void> {
  const quote = await c.services.billing.findDocument({ number: quoteNumber });
  assert.ok(quote, `no quote ${quoteNumber}`);
  const paid = await recordPayment(c.deps, await operatorId(c), quoteNumber, {
    method: 'transfer',
    amountCents: quote.gross_cents,
    receivedOn: c.services.billing.today(),
    reference: quoteNumber,
    bank: '',
  });
  assert.ok(paid.ok, `payment refused: ${JSON.stringify(paid)}`);
  assert.equal(paid.outcome.state, 'paid', `the transfer does not settle ${quoteNumber}`);
}

/** Order → CGV → validation → transfer recorded. Returns the order id (its provisioning job is queued). */
export async function paidOrder(
  t: AppAndContainer,
  agent: Agent,
  name: string,
  opts: { plan?: string; adminPassword?: string } = {},
): Promise<{ orderId: number; quoteNumber: string }> {
  const password = opts.adminPassword ?? DEFAULT_ADMIN_PASSWORD;
  await agent.get('/instances/nouvelle');
  const draft = await agent.post('/instances/nouvelle', { instance_name: name, plan: opts.plan ?? 'opale', flavour: 'diacamma.asso', password, password_confirm: password, payment_method: 'transfer' });
  assert.equal(draft.statusCode, 303, draft.body);
  const orderPath = String(draft.headers.location);
  const orderId = Number(orderPath.split('/').pop());
  const page = await agent.get(orderPath);
  const validated = await agent.post(`${orderPath}/valider`, prefilledValidation(page.body));
  assert.equal(validated.statusCode, 303, validated.body);
  const quoteNumber = new URL(String(validated.headers.location), 'http://x').searchParams.get('valide')!;
  await recordTransfer(t.container, quoteNumber);
  return { orderId, quoteNumber };
}
