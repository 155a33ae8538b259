import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { linkIn } from './agent.ts';
import { assertAccessible, watchAccessibility, type AxeWatch } from './journey.ts';
import type { SmtpSink } from './smtp-sink.ts';

/** What went wrong in a page while a journey drove it. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  cspViolations: string[];
  /** responses with status >= 400 for anything but the page itself (scripts, styles, htmx calls…) */
  failedSubresources: string[];
  /** axe-core on every portal page shown */
  axe: AxeWatch;
}

/**
 * A French browser context and page whose CSP violations, uncaught errors, console errors and failed
 * sub-requests are collected. With `origin`, only that origin's pages count (an instance's own pages
 * are the stand-in's business, not ecrin's).
 */
export async function newWatchedPage(
  browser: Browser,
  opts: { stepTimeout: number; origin?: string; viewport?: { width: number; height: number }; javaScript?: boolean },
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: opts.viewport ?? { width: 1100, height: 900 }, javaScriptEnabled: opts.javaScript ?? true });
  context.setDefaultTimeout(opts.stepTimeout);
  context.setDefaultNavigationTimeout(opts.stepTimeout);
  const problems: Omit<PageProblems, 'axe'> = { consoleErrors: [], pageErrors: [], cspViolations: [], failedSubresources: [] };
  const ours = (url: string) => {
    if (!opts.origin) return true;
    try {
      return new URL(url).origin === opts.origin;
    } catch {
      return false;
    }
  };
  // A binding survives navigations; the init script runs before any page script, CSP or not.
  await context.exposeBinding('__ecrinReportCsp', (_source, origin: string, violation: string) => {
    if (ours(origin)) problems.cspViolations.push(violation);
  });
  // (a string, not a function: the project's type-check has no DOM library)
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      window.__ecrinReportCsp(location.origin, e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });`,
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && ours(page.url())) problems.consoleErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => {
    if (ours(page.url())) problems.pageErrors.push(err.stack ?? err.message);
  });
  page.on('response', (res) => {
    const request = res.request();
    if (res.status() < 400 || request.resourceType() === 'document' || !ours(res.url())) return;
    if (new URL(res.url()).pathname === '/favicon.ico') return;
    // an htmx form sent back with its errors is an answer, not a failure (it is shown)
    if (request.headers()['hx-request'] === 'true' && (res.status() === 409 || res.status() === 422)) return;
    problems.failedSubresources.push(`${res.status()} ${request.method()} ${res.url()} (${request.resourceType()})`);
  });
  return { context, page, problems: { ...problems, axe: await watchAccessibility(context, page, { javaScript: opts.javaScript ?? true }) } };
}

/**
 * No CSP violation, no uncaught script error, no failed script/style/htmx request. The console's
 * "Failed to load resource" lines are left to the response check: pages answered 4xx on purpose
 * (401 wrong password, 422 form errors) log them too.
 */
export async function assertNoPageProblems(problems: PageProblems): Promise<void> {
  await problems.axe.checkNow();
  assertAccessible(problems.axe);
  const csp = [...problems.cspViolations, ...problems.consoleErrors.filter((e) => /Content Security Policy/i.test(e))];
  assert.deepEqual(csp, [], `Content Security Policy violations:\n${csp.join('\n')}`);
  assert.deepEqual(problems.pageErrors, [], `uncaught errors in the page:\n${problems.pageErrors.join('\n')}`);
  assert.deepEqual(problems.failedSubresources, [], `failed requests:\n${problems.failedSubresources.join('\n')}`);
  const others = problems.consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e));
  assert.deepEqual(others, [], `console errors:\n${others.join('\n')}`);
}

/** The heading shows exactly the expected text. */
export async function assertHeading(locator: ReturnType<Page['getByRole']>, expected: string): Promise<void> {
  await locator.filter({ hasText: expected }).first().waitFor();
  assert.equal((await locator.first().innerText()).trim(), expected);
}

/**
 * A customer's sign-up as a person does it: the form, the welcome mail's link (read from the SMTP
 * sink), the password typed twice; ends on "/espace".
 */
export async function signUpInBrowser(
  page: Page,
  sink: SmtpSink,
  o: { baseUrl: string; alias: string; name: string; email: string; organisation: string; password: string; mailTimeout: number },
): Promise<void> {
  const heading = () => page.getByRole('heading', { level: 1 });
  await page.goto(`${o.baseUrl}/`);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Créer un compte' }).click();
  await assertHeading(heading(), 'Créer un compte');
  await page.getByLabel('Alias (identifiant de connexion)').fill(o.alias);
  await page.getByLabel('Vos nom et prénom').fill(o.name);
  await page.getByLabel('Votre adresse courriel').fill(o.email);
  await page.getByLabel('Nom de votre structure (association, entreprise…)').fill(o.organisation);
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await assertHeading(heading(), 'Vérifiez votre messagerie');
  const welcome = await sink.waitFor((m) => m.to.includes(o.email) && /Bienvenue/.test(m.subject), o.mailTimeout);
  await page.goto(linkIn(welcome.text, '/mot-de-passe/definir'));
  await assertHeading(heading(), 'Choisir votre mot de passe');
  await page.getByLabel('Nouveau mot de passe').fill(o.password);
  await page.getByLabel('Confirmez le mot de passe').fill(o.password);
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await page.waitForURL((u) => u.pathname === '/espace');
}
