/**
 * Plan limits seen from real browsers: on an Opale instance (3 simultaneous sessions), three browser
 * contexts sign in to the instance and a fourth is refused with the page naming the limit, while the
 * three go on; on Émeraude (unlimited) a fourth and fifth are not refused. Real server, real front
 * door, the stand-in as Diacamma, Debian's Chromium. Skipped, with the reason, without Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, skipReason } from '../support/browser.ts';
import { customerAgent, DEFAULT_ADMIN_PASSWORD, paidOrder } from '../support/paid-order.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const TIMEOUT = 120_000;

describe('plan limits in real browsers', { skip: skipReason, timeout: TIMEOUT * 2 }, () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function activeInstance(alias: string, name: string, plan: string): Promise<string> {
    const agent = await customerAgent(server, alias);
    const { orderId } = await paidOrder(server, agent, name, { plan });
    // The real worker provisions it; wait until the front door serves it.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const i = await server.container.services.instances.findByName(name);
      if (i?.state === 'active') return `http://${name}.localhost:${server.port}`;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`order ${orderId}: ${name} not active after 30 s`);
  }

  async function signedInContext(url: string, n: number): Promise<{ context: BrowserContext; status: number | null; body: string }> {
    const context = await browser.newContext({ userAgent: `Navigateur de test ${n}` });
    contexts.push(context);
    const page = await context.newPage();
    // at the instance's address, as a person types it: the stand-in sends a visitor to its sign-in
    const res = await page.goto(`${url}/`);
    if (res?.status() === 429) return { context, status: 429, body: await page.content() };
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Identifiant').fill('admin');
    await page.getByLabel('Mot de passe').fill(DEFAULT_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Connexion' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    return { context, status: 200, body: await page.content() };
  }

  it('refuses a 4th browser on Opale while 3 are signed in, and never cuts the 3', { timeout: TIMEOUT }, async () => {
    const url = await activeInstance('navigateurs', 'navigateurs-opale', 'opale');
    const three = [];
    for (let n = 1; n <= 3; n++) {
      const s = await signedInContext(url, n);
      assert.equal(s.status, 200, `browser ${n}`);
      three.push(s.context);
    }
    const fourth = await signedInContext(url, 4);
    assert.equal(fourth.status, 429);
    assert.match(fourth.body, /Trop de connexions simultanées/);
    assert.match(fourth.body, /Opale/);
    assert.match(fourth.body, /3 connexions simultanées au maximum/);
    for (const context of three) {
      const page = await context.newPage();
      const res = await page.goto(`${url}/`);
      assert.equal(res?.status(), 200, 'a signed-in browser goes on');
      await page.getByRole('heading', { level: 1, name: 'Accueil' }).waitFor();
      await page.close();
    }
  });

  it('lets as many browsers as come on Émeraude', { timeout: TIMEOUT }, async () => {
    const url = await activeInstance('illimites', 'illimites-emeraude', 'emeraude');
    for (let n = 1; n <= 5; n++) assert.equal((await signedInContext(url, 10 + n)).status, 200, `browser ${n}`);
  });
});
