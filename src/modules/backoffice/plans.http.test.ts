import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { Agent } from '../../../test/support/agent.ts';
import { orderAndValidate, signedInCustomer, signedInOperator } from '../../../test/support/customers.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

const opale = { name: 'Opale', price: '44,99', bandwidth: '32', sla: '99,5', sessions: '3', storage: '1' };

describe('"Forfaits" in the back office', () => {
  it('is the operator’s only', async () => {
    const customer = await signedInCustomer(t, 'curieuse');
    assert.equal((await customer.get('/backoffice/forfaits')).statusCode, 403);
    assert.equal((await customer.post('/backoffice/forfaits/opale', { ...opale, price: '1' })).statusCode, 403);
    assert.equal((await t.container.services.settings.plan('opale'))?.priceCents, 4499);
  });

  it('changes a price for new quotes only: issued documents keep theirs, byte for byte', async () => {
    const customer = await signedInCustomer(t, 'avant');
    const { quoteNumber: before } = await orderAndValidate(t, customer, 'avant-hausse');
    const oldDoc = await t.container.services.billing.findDocument({ number: before });
    const oldPdf = await t.container.services.billing.ledger.pdf(oldDoc!.id);
    const operator = await signedInOperator(t);
    const page = await operator.get('/backoffice/forfaits');
    assert.match(page.body, /value="44,99"/);
    const res = await operator.post('/backoffice/forfaits/opale', { ...opale, price: '49,90' });
    assert.equal(res.statusCode, 303);
    assert.match((await new Agent(t.app).get('/')).body, /49,90/);
    const { quoteNumber: after } = await orderAndValidate(t, customer, 'apres-hausse');
    assert.equal((await t.container.services.billing.findDocument({ number: after }))?.gross_cents, 4990);
    const again = await t.container.services.billing.findDocument({ number: before });
    assert.equal(again?.gross_cents, 4499);
    assert.deepEqual(again?.content, oldDoc?.content);
    assert.ok((await t.container.services.billing.ledger.pdf(oldDoc!.id))!.equals(oldPdf!));
    const audit = await t.container.services.audit.list({ limit: 5, offset: 0, action: 'settings.updated' });
    assert.ok(audit.some((a) => (a.details as { plan?: string }).plan === 'opale'));
  });

  it('explains bad values and changes nothing', async () => {
    const operator = await signedInOperator(t, 'ops2@example.org');
    await operator.get('/backoffice/forfaits');
    const bad = await operator.post('/backoffice/forfaits/emeraude', { name: '', price: '12,345', bandwidth: '-3', sla: '120', sessions: 'beaucoup', storage: '10' });
    assert.equal(bad.statusCode, 422);
    for (const text of [/Ce champ est obligatoire/, /montant en euros/, /nombre entier positif/, /pourcentage entre 50 et 100/]) assert.match(bad.body, text);
    const noPrice = await operator.post('/backoffice/forfaits/emeraude', { ...opale, name: 'Émeraude', price: '' });
    assert.equal(noPrice.statusCode, 422);
    assert.match(noPrice.body, /a un prix/);
    assert.equal((await t.container.services.settings.plan('emeraude'))?.priceCents, 12999);
    assert.equal((await operator.post('/backoffice/forfaits/platine', opale)).statusCode, 404);
  });

  it('makes a plan unlimited by leaving its sessions empty', async () => {
    const operator = await signedInOperator(t, 'ops3@example.org');
    await operator.get('/backoffice/forfaits');
    assert.equal((await operator.post('/backoffice/forfaits/opale', { ...opale, sessions: '' })).statusCode, 303);
    assert.equal((await t.container.services.settings.plan('opale'))?.maxSessions, null);
    assert.match((await new Agent(t.app).get('/')).body, /Sans limitation[\s\S]*Sans limitation/);
  });
});
