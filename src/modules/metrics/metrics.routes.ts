import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { AppError } from '../../web/errors.ts';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Prometheus metrics at /metrics: process metrics and responses by route and status class.
 * Served to loopback clients only (a scraper on the same host or through an SSH tunnel).
 * Registered on the root instance so the response hook sees every route.
 */
export function registerMetrics(app: FastifyInstance): void {
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
  app.get('/metrics', { config: { reach: 'machine' } }, async (request, reply) => {
    if (!LOOPBACK.test(request.socket.remoteAddress ?? '')) throw new AppError('not_found');
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
