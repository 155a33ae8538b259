import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * How a GET route is reached, when it is not by a link on a page of the portal or back office:
 * - `email`: a link in an e-mail (sign-up, reset, operator invitation);
 * - `fragment`: a part of a page, asked by htmx (the page itself is linked);
 * - `external`: a redirect back from another site (PayPal);
 * - `machine`: for programs (health checks, metrics, static files, webhooks).
 * A route without `reach` is a page: the crawl test fails when no link leads to it.
 */
export type RouteReach = 'email' | 'fragment' | 'external' | 'machine';

declare module 'fastify' {
  interface FastifyContextConfig {
    reach?: RouteReach;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  reach: RouteReach | 'link';
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Records every route as it is added; call before any route is registered. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const reach = (route.config as { reach?: RouteReach } | undefined)?.reach ?? (route.url.startsWith('/static/') ? 'machine' : 'link');
    for (const method of methods) table.push({ method, url: route.url, reach });
  });
}

/** The application's routes, as registered (GET routes also answer HEAD). */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}
