import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';

/**
 * The rules every browser journey follows, enforced here rather than by review:
 *
 * 1. A journey walks, it does not jump: `page.goto` is refused unless it opens `/` (of the portal or
 *    of an instance) or a link read from an e-mail the SMTP sink received. Everything else is reached
 *    by clicking what a person sees. A journey that checks that a URL is refused says so with
 *    `gotoRefused`.
 * 2. Every portal page a journey shows is checked with axe-core, injected into the page (as a
 *    tester's extension would, CSP or not): it runs once the page is parsed and styled and after each
 *    htmx swap; a navigation away waits for the check to finish, and the journey's last page is
 *    checked at the end. A serious or critical violation fails the journey.
 */

export class JourneyRuleError extends Error {}

// --- 1. links read from e-mails ---------------------------------------------------------------

const mailedLinks = new Set<string>();

/** Called by the SMTP sink for every message: its links become places a journey may open. */
export function recordMailedLinks(text: string): void {
  for (const m of text.matchAll(/https?:\/\/[^\s"<>]+/g)) mailedLinks.add(m[0].replace(/[.,;:)»]+$/, ''));
}

function allowedStart(url: string): boolean {
  const u = new URL(url);
  return (u.pathname === '/' && u.search === '') || mailedLinks.has(u.href);
}

const guarded = new WeakSet<Page>();
const originalGoto = new WeakMap<Page, Page['goto']>();

/** Replaces `page.goto` by one that refuses inner URLs (rule 1). */
export function guardPage(page: Page): Page {
  if (guarded.has(page)) return page;
  guarded.add(page);
  const goto = page.goto.bind(page);
  originalGoto.set(page, goto);
  page.goto = (async (url: string, options?: Parameters<Page['goto']>[1]) => {
    if (!allowedStart(url)) {
      throw new JourneyRuleError(
        `page.goto(${JSON.stringify(url)}) refused: a journey starts at "/" or at a link read from an e-mail, then clicks what a person sees. ` +
          'To check that a URL is refused, use gotoRefused(page, url).',
      );
    }
    return goto(url, options);
  }) as Page['goto'];
  return page;
}

/**
 * Opens an inner URL on purpose, to check that it is refused: the answer must be a 4xx, or the
 * sign-in page (a visitor sent to "Connexion"). Fails the test otherwise.
 */
export async function gotoRefused(page: Page, url: string): Promise<Response | null> {
  const goto = originalGoto.get(page) ?? page.goto.bind(page);
  const res = await goto(url);
  const status = res?.status() ?? 0;
  const landed = new URL(page.url());
  assert.ok((status >= 400 && status < 500) || landed.pathname === '/connexion', `${url} was not refused: ${status} at ${page.url()}`);
  return res;
}

/** Every context and page of this browser follows rule 1, popups included. */
export function guardBrowser(browser: Browser): Browser {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (async (...args: Parameters<Browser['newContext']>) => guardContext(await newContext(...args))) as Browser['newContext'];
  const newPage = browser.newPage.bind(browser);
  browser.newPage = (async (...args: Parameters<Browser['newPage']>) => guardPage(await newPage(...args))) as Browser['newPage'];
  return browser;
}

function guardContext(context: BrowserContext): BrowserContext {
  context.on('page', (p) => guardPage(p));
  const newPage = context.newPage.bind(context);
  context.newPage = (async () => guardPage(await newPage())) as BrowserContext['newPage'];
  return context;
}

// --- 2. axe-core on every portal page -------------------------------------------------------------

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  url: string;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical violations axe-core finds in the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  // (strings, not functions: the project's type-check has no DOM library)
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    rule: v.id, impact: v.impact || '', help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  })))`)) as Omit<AxeFinding, 'url'>[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ url: page.url(), ...v }));
}

export interface AxeWatch {
  findings: AxeFinding[];
  /** the portal documents checked (their URLs), for the report */
  checked: string[];
  /** true in a context without JavaScript, where nothing can run in the page */
  skipped?: boolean;
  /** checks the page as it is now (the end of a journey, after htmx swaps) */
  checkNow(): Promise<void>;
}

/** Whether a URL is one of ecrin's portal pages (the portal's host is portail.<domain>). */
function isPortal(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.startsWith('portail.');
  } catch {
    return false;
  }
}

/**
 * The in-page side: once a portal document is parsed and styled, axe-core runs in it (injected
 * with the page, as a tester's extension would, CSP or not) and reports through a binding; an htmx
 * swap runs it again. The binding calls are how Node learns a run began and ended.
 */
const IN_PAGE = `(() => {
  if (window.top !== window || !location.hostname.startsWith('portail.') || document.contentType !== 'text/html') return;
  const id = Math.random().toString(36).slice(2);
  let running = Promise.resolve();
  const styled = () => Promise.all([...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.sheet ? null : new Promise((r) => { l.addEventListener('load', r); l.addEventListener('error', r); })));
  window.__ecrinRunAxe = () => {
    running = running.then(async () => {
      window.__ecrinAxeBegin(id, location.href);
      await styled();
      let found = [];
      try {
        const r = await axe.run(document, { resultTypes: ['violations'] });
        found = r.violations.map((v) => ({ rule: v.id, impact: v.impact || '', help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
      } catch (e) { found = [{ rule: 'axe-error', impact: 'critical', help: String(e), targets: [] }]; }
      await window.__ecrinAxeEnd(id, location.href, JSON.stringify(found));
    });
    return running;
  };
  document.addEventListener('DOMContentLoaded', () => window.__ecrinRunAxe());
  let again = null;
  document.addEventListener('htmx:afterSettle', () => { clearTimeout(again); again = setTimeout(() => window.__ecrinRunAxe(), 50); });
})();`;

/**
 * axe-core on every portal page of a context. A navigation of the main frame waits (at most 10 s)
 * for the check of the document it leaves, so a fast journey cannot skip a page.
 */
export async function watchAccessibility(context: BrowserContext, page: Page, opts: { javaScript?: boolean } = {}): Promise<AxeWatch> {
  // Without JavaScript nothing can run in the page, axe-core included: the same pages are checked
  // by the journeys that run with it.
  if (opts.javaScript === false) return { findings: [], checked: [], skipped: true, checkNow: async () => {} };
  const pending = new Map<string, { done: Promise<void>; resolve: () => void }>();
  const watch: AxeWatch = {
    findings: [],
    checked: [],
    async checkNow() {
      if (page.isClosed() || !isPortal(page.url())) return;
      await page.evaluate('window.__ecrinRunAxe ? window.__ecrinRunAxe() : null');
    },
  };
  await context.exposeBinding('__ecrinAxeBegin', (_source, id: string) => {
    if (pending.has(id)) return;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    pending.set(id, { done, resolve });
  });
  await context.exposeBinding('__ecrinAxeEnd', (_source, id: string, url: string, json: string) => {
    watch.checked.push(url);
    for (const v of JSON.parse(json) as Omit<AxeFinding, 'url'>[]) if (v.impact === 'serious' || v.impact === 'critical') watch.findings.push({ url, ...v });
    pending.get(id)?.resolve();
    pending.delete(id);
  });
  await context.addInitScript({ content: `${AXE_SOURCE}\n${IN_PAGE}` });
  await context.route('**/*', async (route) => {
    const request = route.request();
    if (request.isNavigationRequest() && request.frame() === page.mainFrame() && isPortal(page.url())) {
      const runs = [...pending.values()].map((p) => p.done);
      if (runs.length > 0) await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(r, 10_000))]);
    }
    await route.fallback();
  });
  return watch;
}

/** No serious or critical axe-core violation on any page the journey showed. */
export function assertAccessible(watch: AxeWatch): void {
  const lines = watch.findings.map((f) => `${f.url}: ${f.rule} (${f.impact}) ${f.help} — ${f.targets.join(', ')}`);
  assert.deepEqual(lines, [], `axe-core violations:\n${lines.join('\n')}`);
  if (!watch.skipped) assert.ok(watch.checked.length > 0, 'axe-core checked no page');
}
