/**
 * The baseline: a bare Fastify with one route, run in a process of its own by the benchmarks.
 * `PORT=3000 node_modules/.bin/node bench/support/hello-fastify.ts`
 */
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => 'hello');
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
