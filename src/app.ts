import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Container } from './container.ts';
import { classifyHost } from './gateway/front-door.ts';
import http from 'node:http';
import { accountsRoutes } from './modules/accounts/accounts.routes.ts';
import { backofficeRoutes } from './modules/backoffice/backoffice.routes.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import { registerMetrics, startMetricsServer } from './modules/metrics/metrics.routes.ts';
import { publicSiteRoutes } from './modules/public-site/public-site.routes.ts';
import { billingRoutes } from './modules/billing/billing.routes.ts';
import { ordersRoutes } from './modules/orders/orders.routes.ts';
import { instancesRoutes } from './modules/instances/instances.routes.ts';
import { planChangeRoutes } from './modules/instances/plan-change.routes.ts';
import { renewalStatus } from './modules/instances/renewal-status.ts';
import { suspendedInstancePage } from './modules/instances/renewal.views.ts';
import { lifecycleRoutes } from './modules/lifecycle/lifecycle.routes.ts';
import { archivesRoutes } from './modules/archives/archives.routes.ts';
import { paymentsRoutes } from './modules/payments/payments.routes.ts';
import { supportRoutes } from './modules/support/support.routes.ts';
import { privacyRoutes } from './modules/privacy/privacy.routes.ts';
import { paypalApprovalOrigin } from './modules/payments/paypal/paypal.client.ts';
import { AppError, type ErrorCode } from './web/errors.ts';
import type { DomainError } from './errors/app-error.ts';
import { parseLocale, DEFAULT_LOCALE } from './web/i18n.ts';
import { errorPage, makePageContext, sendHtml } from './web/pages.ts';
import { PortalMenu } from './web/portal-menu.ts';
import { lifecyclePortalBanners } from './modules/lifecycle/lifecycle.portal.ts';
import { accountsPortalEntries } from './modules/accounts/accounts.portal.ts';
import { billingPortalEntries } from './modules/billing/billing.portal.ts';
import { ordersPortalEntries } from './modules/orders/orders.portal.ts';
import { supportPortalEntries } from './modules/support/support.portal.ts';
import { recordRoutes } from './web/route-table.ts';
import { cookieNames, cookieOptions } from './web/security/cookies.ts';
import { registerCsrf } from './web/security/csrf.ts';
import { FrameworkErrors } from './web/security/framework-errors.ts';
import { helmetOptions } from './web/security/headers.ts';
import { registerInputHygiene } from './web/security/input-hygiene.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const htmxDir = path.join(path.dirname(require.resolve('htmx.org/package.json')), 'dist');

/** Form bodies are small; anything larger is refused with a clear page (uploads get their own limits). */
export const FORM_BODY_LIMIT = 64 * 1024;

const INSTANCE_STATE_PAGES: Record<string, ErrorCode> = {
  creating: 'instance_creating',
  suspended: 'instance_suspended',
  maintenance: 'instance_maintenance',
  failed: 'instance_unavailable',
  active: 'instance_unavailable',
};

/** Paths answered on every host (load balancers and monitors do not send our Host). */
const HOST_INDEPENDENT = new Set(['/healthz', '/readyz']);

export interface AppOptions {
  /** how long a client may take to send its request headers (slow clients are cut off) */
  headersTimeoutMs?: number;
  /** how often the server checks those timeouts */
  timeoutCheckMs?: number;
}

export async function buildApp(c: Container, opts: AppOptions = {}): Promise<FastifyInstance> {
  const { config, services } = c;
  const secure = config.scheme === 'https';
  const cookies = cookieNames(secure);
  const frontDoor = c.frontDoor;
  // What Fastify's own error paths answer (a malformed URL, an oversized header, several Host headers):
  // the French error page with the usual security headers, not Fastify's English JSON.
  // Forms may post to the portal itself, and to PayPal's approval page when PayPal is configured.
  const formActions = config.paypal ? [paypalApprovalOrigin(config.paypal.baseUrl)] : [];
  const frameworkErrors = new FrameworkErrors({ secure, formActions, settings: services.settings, cookieName: cookies.lang });
  await frameworkErrors.refreshSiteName();
  const app = Fastify({
    // One port: requests for a running instance go to it before Fastify sees them; the rest is ours.
    serverFactory: (handler) => {
      // A slow client cannot hold a connection open for ever: its headers must come within 20 s.
      const server = http.createServer(
        {
          headersTimeout: opts.headersTimeoutMs ?? 20_000,
          requestTimeout: 10 * 60_000,
          connectionsCheckingInterval: opts.timeoutCheckMs ?? 5_000,
          // A request without a body (most of them) starts ended: no stream events to run for it.
          optimizeEmptyRequests: true,
        },
        (req, res) => {
          // Several Host headers: which site is meant is ambiguous, for us and for whatever is behind.
          if (frameworkErrors.refuseSeveralHosts(req, res)) return;
          if (!frontDoor.handle(req, res)) handler(req, res);
        },
      );
      server.on('upgrade', (req, socket, head) => frontDoor.upgrade(req, socket, head));
      // Connections per client address are bounded over the whole port (portal included).
      server.on('connection', (socket) => frontDoor.admitConnection(socket));
      return server;
    },
    loggerInstance: c.logger as FastifyBaseLogger,
    bodyLimit: FORM_BODY_LIMIT,
    // The client address is decided in one place (TRUST_PROXY): request.ip follows the same rule.
    trustProxy: config.trustProxy.kind === 'none' ? false : c.clientAddress.trust,
    frameworkErrors: (error, request, reply) => frameworkErrors.frameworkError(error, request, reply),
    clientErrorHandler: (err, socket) => frameworkErrors.clientError(err, socket),
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    // Per-request lines only at debug level: at info they would cost more than the pages themselves.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    routerOptions: { ignoreTrailingSlash: true },
  });
  recordRoutes(app);
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('currentUser', null);
  app.decorateRequest('clientIp', {
    getter(this: FastifyRequest) {
      return c.clientAddress.of(this.raw);
    },
  });

  await app.register(cookie);
  await app.register(formbody);
  // (one set of options for both helmets: @fastify/helmet's types are helmet's CommonJS ones)
  await app.register(helmet, helmetOptions(secure, formActions) as unknown as FastifyHelmetOptions);
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => request.clientIp,
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', { headers: { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) } }),
  });
  await app.register(fastifyStatic, {
    root: path.join(here, 'web', 'static'),
    prefix: '/static/',
    maxAge: '1h',
    index: false,
  });
  // Browsers ask for /favicon.ico on every page: answer from the static icon, before any session work.
  app.get('/favicon.ico', { config: { reach: 'machine' } }, (_req, reply) => reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').sendFile('favicon.svg'));
  app.get('/static/htmx.min.js', (_req, reply) => reply.header('cache-control', 'public, max-age=86400').sendFile('htmx.min.js', htmxDir));

  // The customer's portal entries, registered by the modules that serve them.
  const menu = new PortalMenu().add(...ordersPortalEntries(c), ...billingPortalEntries(c), ...supportPortalEntries(c), ...accountsPortalEntries(c));
  menu.addBanner(...lifecyclePortalBanners(c));
  const pageContext = makePageContext(services.settings, menu);
  registerInputHygiene(app);

  // 1. The front door: which site is this request for?
  app.addHook('onRequest', async (request, reply) => {
    const urlPath = request.url.split('?', 1)[0]!;
    if (HOST_INDEPENDENT.has(urlPath)) return;
    const host = classifyHost(request.headers.host, config.publicDomain, config.instanceDomain);
    if (host.kind === 'portal') return;
    request.locale = localeOf(request, cookies.lang);
    // An instance that is not serving (an active one is proxied before Fastify): say why.
    const route = host.kind === 'instance' ? services.instances.route(host.name) : undefined;
    const code: ErrorCode =
      host.kind !== 'instance' ? 'unknown_host' : !route ? 'no_such_instance' : INSTANCE_STATE_PAGES[route.state] ?? 'instance_unavailable';
    const status = code === 'unknown_host' || code === 'no_such_instance' ? 404 : 503;
    if (status === 503) reply.header('retry-after', code === 'instance_creating' ? '30' : '300');
    const ctx = await pageContext(request, reply);
    // Suspended (its renewal unpaid, or ended as asked): the page says what is due and how to pay.
    if (route?.state === 'suspended' && host.kind === 'instance') {
      const instance = await services.instances.find(route.instanceId);
      const status_ = instance ? await renewalStatus(services, instance, services.billing.today()) : null;
      return sendHtml(reply, suspendedInstancePage(ctx, host.name, status_, c.urls.portal()), 503);
    }
    return sendHtml(reply, errorPage(ctx, code), status);
  });

  // 2. Language and signed-in user.
  app.addHook('onRequest', async (request, reply) => {
    const asked = parseLocale((request.query as Record<string, unknown> | undefined)?.lang);
    if (asked) {
      reply.setCookie(cookies.lang, asked, cookieOptions(secure, { maxAge: 365 * 24 * 3600 }));
      request.locale = asked;
    } else {
      request.locale = localeOf(request, cookies.lang);
    }
    if (request.url.startsWith('/static/') || request.url === '/favicon.ico') return;
    request.currentUser = await services.accounts.resolveSession(request.cookies[cookies.session]);
  });

  // 3. CSRF on every state-changing request: from the portal's own origin, with a token of this session.
  await registerCsrf(app, { secure, scheme: config.scheme, cookieName: cookies.csrf, secretKey: config.secretKey });

  app.setNotFoundHandler(async (request, reply) => {
    const ctx = await pageContext(request, reply);
    return sendHtml(reply, errorPage(ctx, 'not_found'), 404);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const err = error as Error & { statusCode?: number; code?: string };
    let code: ErrorCode;
    let params: DomainError['params'];
    if (err instanceof AppError) {
      params = err.params;
      code = err.code;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    } else if (err.code?.startsWith('FST_CSRF')) code = 'csrf_invalid';
    else if (err.statusCode === 413) code = 'body_too_large';
    else if (err.statusCode === 429) code = 'rate_limited';
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) code = err.statusCode === 404 ? 'not_found' : 'bad_request';
    else code = 'internal';
    if (code === 'internal') request.log.error({ err }, 'request failed');
    else request.log.info({ code, msg: err.message }, 'request refused');
    const status = err instanceof AppError ? err.status : code === 'internal' ? 500 : (err.statusCode ?? 400);
    if (wantsJson(request)) return reply.code(status).send({ error: code });
    const ctx = await pageContext(request, reply).catch(() => ({
      locale: request.locale,
      user: null,
      csrfToken: '',
      url: request.url,
      siteName: 'ecrin',
      nav: [],
    }));
    // Asked by htmx for a part of a page: the error page is not that part; it takes the page's main.
    const partial = request.headers['hx-request'] === 'true';
    if (partial) reply.header('hx-retarget', '#main').header('hx-reselect', '#main').header('hx-reswap', 'outerHTML');
    return sendHtml(reply, errorPage(ctx, params ? { code, params } : code, request.id, partial), status);
  });

  const metrics = registerMetrics(app, config.metrics);
  if (config.metrics.listen) {
    // Metrics on an address of their own, opened with the main port and closed with it.
    const listen = config.metrics.listen;
    let server: http.Server | null = null;
    app.addHook('onListen', async () => {
      server = await startMetricsServer(metrics, listen);
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });
  }
  await app.register(healthRoutes(c));
  await app.register(publicSiteRoutes(c, pageContext));
  await app.register(accountsRoutes(c, pageContext, menu));
  await app.register(ordersRoutes(c, pageContext));
  await app.register(instancesRoutes(c, pageContext));
  await app.register(planChangeRoutes(c, pageContext));
  await app.register(lifecycleRoutes(c, pageContext));
  await app.register(archivesRoutes(c, c.services.archives, pageContext));
  await app.register(billingRoutes(c, pageContext));
  await app.register(paymentsRoutes(c, pageContext));
  await app.register(supportRoutes(c, pageContext));
  await app.register(privacyRoutes(c, pageContext));
  await app.register(backofficeRoutes(c, pageContext));
  return app;
}

function localeOf(request: FastifyRequest, cookieName: string) {
  return parseLocale(request.cookies?.[cookieName]) ?? DEFAULT_LOCALE;
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.url.startsWith('/api/') || (accept.includes('application/json') && !accept.includes('text/html'));
}

export type PageContextFn = ReturnType<typeof makePageContext>;
export type { FastifyReply };
