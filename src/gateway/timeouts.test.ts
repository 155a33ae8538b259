import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test/support/app.ts';

let t: TestApp;
let port: number;
before(async () => {
  // The production limit is 20 s; the same mechanism, shortened for the test.
  t = await createTestApp({ app: { headersTimeoutMs: 1000, timeoutCheckMs: 200 } });
  port = Number(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port);
});
after(async () => {
  await t.close();
});

describe('slow clients', () => {
  it('cuts off a client that never finishes its request headers', async () => {
    const started = performance.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        // A slowloris: a request line and one header, then nothing.
        socket.write('GET / HTTP/1.1\r\nHost: portail.localhost\r\n');
      });
      socket.on('data', () => {});
      socket.on('close', () => resolve(performance.now() - started));
      socket.on('error', () => {});
      setTimeout(() => reject(new Error('the connection was still open after 10 s')), 10_000).unref();
    });
    assert.ok(closedAfter >= 900, `closed after ${closedAfter} ms`);
  });

  it('still serves a normal request', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
  });
});
