import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { classifyHost } from '../../src/gateway/front-door.ts';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInCustomer } from '../support/customers.ts';

/**
 * INSTANCE_DOMAIN: instances under a registrable domain apart from the portal's, so that a page on
 * an instance is not even same-site with the portal (docs/operations.md says why).
 */
let t: TestApp;
before(async () => {
  t = await createTestApp({ env: { PUBLIC_DOMAIN: 'sleto.example', INSTANCE_DOMAIN: 'sleto-instances.example', PUBLIC_URL_SCHEME: 'https' } });
});
after(async () => {
  await t.close();
});

describe('instances on a domain of their own', () => {
  it('the front door: the portal on the public domain, instances on theirs, nothing else', () => {
    const c = (host: string) => classifyHost(host, 'sleto.example', 'sleto-instances.example');
    assert.deepEqual(c('portail.sleto.example'), { kind: 'portal' });
    assert.deepEqual(c('sleto.example'), { kind: 'portal' });
    assert.deepEqual(c('bidule.sleto-instances.example'), { kind: 'instance', name: 'bidule' });
    assert.deepEqual(c('bidule.sleto.example'), { kind: 'unknown' }, 'no instance under the portal’s domain');
    assert.deepEqual(c('portail.sleto-instances.example'), { kind: 'instance', name: 'portail' }, 'a reserved name: never an instance, so a 404');
  });

  it('the portal shows and mails instance addresses under the instances’ domain', async () => {
    assert.equal(t.container.urls.instance('bidule'), 'https://bidule.sleto-instances.example');
    assert.equal(t.container.urls.portal(), 'https://portail.sleto.example');
    const agent = await signedInCustomer(t, 'domaine');
    const form = await agent.get('/instances/nouvelle');
    assert.match(form.body, /sleto-instances\.example/);
    const unknown = new Agent(t.app);
    unknown.host = 'bidule.sleto-instances.example';
    const page = await unknown.get('/');
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /Aucune instance d&#39;hébergement ne porte ce nom/);
    unknown.host = 'bidule.sleto.example';
    assert.match((await unknown.get('/')).body, /Cette adresse n&#39;est pas servie ici/);
  });
});
