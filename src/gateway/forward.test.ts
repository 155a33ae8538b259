import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../platform/logger.ts';
import type { InstanceDriver } from '../hosting/driver.ts';
import type { PlanLimits } from './limits.ts';
import { FrontDoor, probeThroughFrontDoor } from './proxy.ts';

/**
 * The front door's forwarding, against a real HTTP server standing for an instance (node:http on
 * loopback) and the real FrontDoor on a real listening server: what goes to the instance, what comes
 * back, bodies both ways, upgrades, failures, and clients that go away.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let upstream: http.Server;
let upstreamPort: number;
let front: http.Server;
let port: number;
let door: FrontDoor;
const seen: Seen[] = [];
/** responses of the upstream that were cut before their end (client gone → instance request abandoned) */
const abandoned: string[] = [];
let limits: PlanLimits = { planName: 'Émeraude', maxSessions: null, bandwidthMbps: null };
let state = 'active';
let endpointPort = 0;

function listen(server: http.Server | net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

before(async () => {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const url = new URL(req.url!, 'http://x');
      res.on('close', () => {
        if (!res.writableFinished) abandoned.push(url.pathname);
      });
      switch (url.pathname) {
        case '/hello':
          // A hop-by-hop header named in Connection, two cookies, a keep-alive hint.
          res.writeHead(200, [
            ['content-type', 'text/plain; charset=utf-8'],
            ['content-length', '7'],
            ['connection', 'keep-alive, x-upstream-hop'],
            ['x-upstream-hop', 'secret'],
            ['keep-alive', 'timeout=5'],
            ['set-cookie', 'sessionid=abc; HttpOnly'],
            ['set-cookie', 'csrftoken=def'],
          ].flat());
          res.end('bonjour');
          return;
        case '/echo':
          res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: chunked to the front door
          res.end(Buffer.concat(chunks));
          return;
        case '/chunked': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          let i = 0;
          const timer = setInterval(() => {
            res.write(`part ${i};`);
            if (++i === 5) {
              clearInterval(timer);
              res.end();
            }
          }, 5);
          return;
        }
        case '/big': {
          // 64 MB, written as fast as the reader takes it.
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(64 * 1024 * 1024) });
          const piece = Buffer.alloc(64 * 1024, 7);
          let left = 1024;
          const pump = () => {
            while (left > 0) {
              left--;
              if (!res.write(piece)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          pump();
          return;
        }
        case '/never':
          return; // no answer at all: the client will give up
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not here');
      }
    });
  });
  upstream.on('upgrade', (req, socket) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: '' });
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\nrefuse');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ok\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
    socket.on('error', () => {});
  });
  upstreamPort = await listen(upstream);
  endpointPort = upstreamPort;
  const driver = { endpoint: (name: string) => (name === 'asso' && endpointPort ? { host: '127.0.0.1', port: endpointPort } : null) } as unknown as InstanceDriver;
  door = new FrontDoor({
    publicDomain: 'localhost',
    scheme: 'https',
    route: (name) => (name === 'asso' ? { state, limits } : undefined),
    portalUrl: () => 'https://portail.localhost',
    driver,
    logger: createLogger('silent'),
    clientAddress: (req) => req.socket.remoteAddress ?? '',
  });
  front = http.createServer((req, res) => {
    if (!door.handle(req, res)) {
      res.writeHead(404);
      res.end('portal');
    }
  });
  front.on('upgrade', (req, socket, head) => door.upgrade(req, socket, head));
  port = await listen(front);
});

after(async () => {
  await door.close();
  front.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => front.close(r));
  await new Promise((r) => upstream.close(r));
});

function get(path: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET', body?: Buffer | string[]): Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { host: `asso.localhost:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      // a body in pieces, without a length, the last one a little later: sent chunked
      for (const piece of body.slice(0, -1)) req.write(piece);
      setTimeout(() => req.end(body.at(-1)), 50);
    } else req.end(body);
  });
}

const lastSeen = () => seen[seen.length - 1]!;

describe('the front door forwards to the instance', () => {
  it('passes the answer back without the instance connection’s own headers, cookies intact', async () => {
    const res = await get('/hello');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'bonjour');
    assert.deepEqual(res.headers['set-cookie'], ['sessionid=abc; HttpOnly', 'csrftoken=def']);
    assert.equal(res.headers['x-upstream-hop'], undefined, 'a header the instance named in Connection stays on its connection');
    assert.equal(res.headers['content-length'], '7');
  });

  it('sends the instance the request without the client connection’s headers, and its own X-Forwarded-*', async () => {
    await get('/hello?x=1', { connection: 'keep-alive, x-client-hop', 'x-client-hop': 'secret', te: 'trailers', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', forwarded: 'for=6.6.6.6', 'x-kept': 'yes' });
    const h = lastSeen().headers;
    assert.equal(lastSeen().url, '/hello?x=1');
    assert.equal(h.host, `asso.localhost:${port}`, 'the Host the customer asked for (Django checks ALLOWED_HOSTS)');
    assert.equal(h['x-client-hop'], undefined);
    assert.equal(h.te, undefined);
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-host'], `asso.localhost:${port}`);
    assert.equal(h['x-forwarded-proto'], 'https');
    assert.equal(h.forwarded, undefined);
    assert.equal(h['x-kept'], 'yes');
  });

  it('forwards request bodies, with a length or chunked, and counts them', async () => {
    door.takeTraffic();
    const sized = await get('/echo', { 'content-type': 'text/plain' }, 'POST', Buffer.from('un corps de 21 octets'));
    assert.equal(sized.body.toString(), 'un corps de 21 octets');
    assert.equal(lastSeen().headers['content-length'], '21');
    const chunked = await get('/echo', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, 'PUT', ['morceau 1, ', 'morceau 2']);
    assert.equal(chunked.body.toString(), 'morceau 1, morceau 2');
    // Received whole by the front door first (request-body.ts), then sent with its length.
    assert.equal(lastSeen().headers['transfer-encoding'], undefined);
    assert.equal(lastSeen().headers['content-length'], '20');
    const traffic = door.takeTraffic().get('asso')!;
    assert.equal(traffic.bytesIn, 21 + 20);
    assert.equal(traffic.bytesOut, 21 + 20);
  });

  it('answers Expect: 100-continue itself and forwards the body', async () => {
    const res = await new Promise<{ continued: boolean; body: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', headers: { host: `asso.localhost:${port}`, expect: '100-continue', 'content-length': '5' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ continued, body }));
      });
      req.on('continue', () => {
        continued = true;
        req.end('salut');
      });
      req.on('error', reject);
    });
    assert.deepEqual(res, { continued: true, body: 'salut' });
    assert.equal(lastSeen().headers.expect, undefined);
  });

  it('streams a chunked answer and answers HEAD without a body', async () => {
    assert.equal((await get('/chunked')).body.toString(), 'part 0;part 1;part 2;part 3;part 4;');
    const head = await get('/hello', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '7');
    assert.equal(head.body.length, 0);
    assert.equal((await get('/nothing')).status, 404, 'the instance’s own statuses pass through');
  });

  it('answers 502 with a French page when the instance does not answer', async () => {
    const closed = net.createServer();
    endpointPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    try {
      const res = await get('/hello');
      assert.equal(res.status, 502);
      assert.equal(res.headers['retry-after'], '10');
      assert.match(res.body.toString(), /Instance momentanément indisponible/);
    } finally {
      endpointPort = upstreamPort;
    }
    assert.equal((await get('/hello')).status, 200, 'and serves again once it does');
  });

  it('abandons the instance’s request when the client goes away, reading or not', async () => {
    abandoned.length = 0;
    // A client that reads a little of a 64 MB answer, then closes.
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/big', headers: { host: `asso.localhost:${port}` } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    });
    // A client that never reads (the front door holds the instance back), then closes.
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    socket.write(`GET /big HTTP/1.1\r\nhost: asso.localhost:${port}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    const deadline = Date.now() + 5000;
    while (abandoned.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(abandoned, ['/big', '/big']);
  });

  it('does not forward to an instance that is not active (Fastify answers with its state page)', async () => {
    state = 'suspended';
    try {
      const res = await get('/hello');
      assert.equal(res.body.toString(), 'portal');
    } finally {
      state = 'active';
    }
  });
});

/** An upgrade request on a raw socket; resolves with everything the front door sent back within `ms`. */
function rawUpgrade(path: string, extra = '', send?: string, userAgent = 'ws-test', ms = 300, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: asso.localhost:${port}\r\nconnection: Upgrade\r\nupgrade: websocket\r\nuser-agent: ${userAgent}\r\n${extra}\r\n`);
    });
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('utf8');
      if (send && got.includes('\r\n\r\n')) {
        socket.write(send);
        send = undefined;
      }
    });
    socket.on('error', reject);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe('the front door passes upgrades (WebSocket) through', () => {
  it('relays the 101 and the bytes both ways, counted', async () => {
    door.takeTraffic();
    const got = await rawUpgrade('/ws', 'sec-websocket-key: abc\r\n', 'ping');
    assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(got, /\r\nsec-websocket-accept: ok\r\n/);
    assert.ok(got.endsWith('echo:ping'), got);
    assert.equal(lastSeen().headers['sec-websocket-key'], 'abc');
    assert.equal(lastSeen().headers['x-forwarded-for'], '127.0.0.1');
    const traffic = door.takeTraffic().get('asso')!;
    assert.equal(traffic.bytesIn, 4);
    assert.equal(traffic.bytesOut, 9);
  });

  it('relays the instance’s refusal as it is, and refuses a malformed Upgrade itself', async () => {
    const refused = await rawUpgrade('/refuse');
    assert.match(refused, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(refused, /\r\nconnection: close\r\n/);
    assert.ok(refused.endsWith('refuse'), refused);
    const bad = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /ws HTTP/1.1\r\nhost: asso.localhost:${port}\r\nconnection: Upgrade\r\nupgrade: web socket\r\n\r\n`));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString()));
      socket.on('close', () => resolve(got));
    });
    assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('counts an upgrade as a session of the plan', async () => {
    limits = { planName: 'Opale', maxSessions: 1, bandwidthMbps: null };
    try {
      // The earlier requests of this file (anonymous visitors of 127.0.0.1) fill the only slot; another
      // address with a session cookie the instance never issued is one more anonymous visitor.
      const refused = await rawUpgrade('/ws', 'cookie: sessionid=nouvelle\r\n', undefined, 'autre-navigateur', 300, '127.0.0.2');
      assert.match(refused, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
      assert.match(refused, /Trop de connexions simultanées/);
      assert.ok(await probeThroughFrontDoor(port, 'asso.localhost'), 'ecrin’s own probes are never counted');
    } finally {
      limits = { planName: 'Émeraude', maxSessions: null, bandwidthMbps: null };
    }
  });
});
