import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { Config } from '../../config.ts';
import { AppError } from '../../web/errors.ts';

/**
 * Prometheus metrics: process metrics and responses by route and status class. Who may read them
 * is configuration, never the socket's address (behind a reverse proxy on the same host every
 * visitor comes from loopback):
 * - METRICS_TOKEN: /metrics on the main port, for `Authorization: Bearer <token>` only;
 * - METRICS_LISTEN: /metrics on a listening address of its own (e.g. 127.0.0.1:9464), not on the main port;
 * - neither: no metrics are served (404).
 * Registered on the root instance so the response hook sees every route.
 */
export function registerMetrics(app: FastifyInstance, config: Config['metrics']): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const responses = new Counter({
    name: 'ecrin_http_responses_total',
    help: 'HTTP responses by route and status class',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    responses.inc({ route: request.routeOptions.url ?? 'unmatched', status: `${Math.floor(reply.statusCode / 100)}xx` });
  });
  const expected = config.token ? digest(config.token) : null;
  app.get('/metrics', { config: { reach: 'machine' } }, async (request, reply) => {
    // Refused as "not found": the page does not exist for whoever does not hold the token.
    if (!expected || !bearerMatches(request.headers.authorization, expected)) throw new AppError('not_found');
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(await registry.metrics());
  });
  return registry;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison of the bearer token (hashed first, so lengths do not leak either). */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), expected);
}

/** METRICS_LISTEN: /metrics alone, on its own address (a scraper's network, or loopback). */
export async function startMetricsServer(registry: Registry, listen: { host: string; port: number }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.url ?? '').split('?', 1)[0] === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return server;
}
