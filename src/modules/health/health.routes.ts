import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.ts';
import { databaseReachable } from '../../platform/db/database.ts';

/** Liveness (the process answers) and readiness (database and job queue reachable). */
export function healthRoutes(c: Container): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { config: { reach: 'machine' } }, async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
    app.get('/readyz', { config: { reach: 'machine' } }, async (_req, reply) => {
      const [database, queue] = await Promise.all([
        databaseReachable(c.database.db),
        c.queue.healthy(),
      ]);
      const ready = database && queue;
      return reply.code(ready ? 200 : 503).header('cache-control', 'no-store').send({ status: ready ? 'ready' : 'not ready', database, queue });
    });
  };
}
