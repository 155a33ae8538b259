import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Container } from './container.ts';
import { classifyHost } from './gateway/front-door.ts';
import http from 'node:http';
import { accountsRoutes, SESSION_COOKIE } from './modules/accounts/accounts.routes.ts';
import { backofficeRoutes } from './modules/backoffice/backoffice.routes.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import { registerMetrics } from './modules/metrics/metrics.routes.ts';
import { publicSiteRoutes } from './modules/public-site/public-site.routes.ts';
import { billingRoutes } from './modules/billing/billing.routes.ts';
import { ordersRoutes } from './modules/orders/orders.routes.ts';
import { instancesRoutes } from './modules/instances/instances.routes.ts';
import { paymentsRoutes } from './modules/payments/payments.routes.ts';
import { paypalApprovalOrigin } from './modules/payments/paypal/paypal.client.ts';
import { AppError, type ErrorCode } from './web/errors.ts';
import { parseLocale, DEFAULT_LOCALE } from './web/i18n.ts';
import { errorPage, makePageContext, sendHtml } from './web/pages.ts';
import { PortalMenu } from './web/portal-menu.ts';
import { recordRoutes } from './web/route-table.ts';
import { accountsPortalEntries } from './modules/accounts/accounts.portal.ts';
import { billingPortalEntries } from './modules/billing/billing.portal.ts';
import { ordersPortalEntries } from './modules/orders/orders.portal.ts';

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

declare module 'fastify' {
  interface FastifyContextConfig {
    /** state-changing route that does its own authenticity check (e.g. signed webhooks) */
    skipCsrf?: boolean;
  }
}

export interface AppOptions {
  /** how long a client may take to send its request headers (slow clients are cut off) */
  headersTimeoutMs?: number;
  /** how often the server checks those timeouts */
  timeoutCheckMs?: number;
}

export async function buildApp(c: Container, opts: AppOptions = {}): Promise<FastifyInstance> {
  const { config, services } = c;
  const secure = config.scheme === 'https';
  const frontDoor = c.frontDoor;
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
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    // Per-request lines only at debug level: at info they would cost more than the pages themselves.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    routerOptions: { ignoreTrailingSlash: true },
  });
  recordRoutes(app);
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('currentUser', null);

  await app.register(cookie);
  await app.register(formbody);
  await app.register(csrf, {
    cookieKey: 'ecrin_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure },
    getToken: (req: FastifyRequest) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
      const header = req.headers['x-csrf-token'];
      return fromBody ?? (typeof header === 'string' ? header : undefined);
    },
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'", ...(config.paypal ? [paypalApprovalOrigin(config.paypal.baseUrl)] : [])],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: secure ? { maxAge: 31536000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(rateLimit, {
    global: false,
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
  const menu = new PortalMenu().add(...ordersPortalEntries(c), ...billingPortalEntries(c), ...accountsPortalEntries(c));
  const pageContext = makePageContext(services.settings, menu);

  // 1. The front door: which site is this request for?
  app.addHook('onRequest', async (request, reply) => {
    const urlPath = request.url.split('?', 1)[0]!;
    if (HOST_INDEPENDENT.has(urlPath)) return;
    const host = classifyHost(request.headers.host, config.publicDomain);
    if (host.kind === 'portal') return;
    request.locale = localeOf(request);
    // An instance that is not serving (an active one is proxied before Fastify): say why.
    const route = host.kind === 'instance' ? services.instances.route(host.name) : undefined;
    const code: ErrorCode =
      host.kind !== 'instance' ? 'unknown_host' : !route ? 'no_such_instance' : INSTANCE_STATE_PAGES[route.state] ?? 'instance_unavailable';
    const status = code === 'unknown_host' || code === 'no_such_instance' ? 404 : 503;
    if (status === 503) reply.header('retry-after', code === 'instance_creating' ? '30' : '300');
    const ctx = await pageContext(request, reply);
    return sendHtml(reply, errorPage(ctx, code), status);
  });

  // 2. Language and signed-in user.
  app.addHook('onRequest', async (request, reply) => {
    const asked = parseLocale((request.query as Record<string, unknown> | undefined)?.lang);
    if (asked) {
      reply.setCookie('lang', asked, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'lax', secure, httpOnly: true });
      request.locale = asked;
    } else {
      request.locale = localeOf(request);
    }
    if (request.url.startsWith('/static/') || request.url === '/favicon.ico') return;
    request.currentUser = await services.accounts.resolveSession(request.cookies[SESSION_COOKIE]);
  });

  // 3. CSRF on every state-changing request.
  app.addHook('preHandler', (request, reply, done) => {
    const method = request.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || request.routeOptions.config?.skipCsrf) return done();
    app.csrfProtection(request, reply, done);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const ctx = await pageContext(request, reply);
    return sendHtml(reply, errorPage(ctx, 'not_found'), 404);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const err = error as Error & { statusCode?: number; code?: string };
    let code: ErrorCode;
    if (err instanceof AppError) {
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
    return sendHtml(reply, errorPage(ctx, code, request.id), status);
  });

  registerMetrics(app);
  await app.register(healthRoutes(c));
  await app.register(publicSiteRoutes(c, pageContext));
  await app.register(accountsRoutes(c, pageContext, menu));
  await app.register(ordersRoutes(c, pageContext));
  await app.register(instancesRoutes(c, pageContext));
  await app.register(billingRoutes(c, pageContext));
  await app.register(paymentsRoutes(c, pageContext));
  await app.register(backofficeRoutes(c, pageContext));
  return app;
}

function localeOf(request: FastifyRequest) {
  return parseLocale(request.cookies?.lang) ?? DEFAULT_LOCALE;
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.url.startsWith('/api/') || (accept.includes('application/json') && !accept.includes('text/html'));
}

export type PageContextFn = ReturnType<typeof makePageContext>;
export type { FastifyReply };
