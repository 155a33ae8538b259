import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../platform/logger.ts';
import type { InstanceDriver } from '../hosting/driver.ts';
import { FrontDoor } from './proxy.ts';

/**
 * Streams that end, against a real HTTP server standing for a one-worker Diacamma (it serves one
 * request at a time, reading its body included, as gunicorn's single sync worker does) behind the
 * real FrontDoor on a real listening server.
 */
let upstream: http.Server;
let front: http.Server;
let port: number;
let door: FrontDoor;
let spoolDir: string;
/** what the instance saw: path, when its request started and ended, body size, how it ended */
const seen: { path: string; started: number; ended: number | null; bytes: number; finished: boolean }[] = [];
let busy = false;
const waiting: (() => void)[] = [];

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

before(async () => {
  spoolDir = mkdtempSync(path.join(tmpdir(), 'ecrin-spool-test-'));
  upstream = http.createServer((req, res) => {
    const serve = () => {
      busy = true;
      const entry = { path: req.url!, started: performance.now(), ended: null as number | null, bytes: 0, finished: false };
      seen.push(entry);
      res.on('close', () => {
        entry.ended = performance.now();
        entry.finished = res.writableFinished;
        busy = false;
        waiting.shift()?.();
      });
      req.on('data', (c: Buffer) => (entry.bytes += c.length));
      req.on('end', () => {
        if (req.url === '/silent') return; // computes for ever: only the client leaving ends it
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`got ${entry.bytes}`);
      });
    };
    if (busy) waiting.push(serve);
    else serve();
  });
  const upstreamPort = await listen(upstream);
  const driver = { endpoint: (name: string) => (name === 'asso' ? { host: '127.0.0.1', port: upstreamPort } : null) } as unknown as InstanceDriver;
  door = new FrontDoor({
    publicDomain: 'localhost',
    scheme: 'http',
    route: (name) => (name === 'asso' ? { state: 'active', limits: { planName: 'Émeraude', maxSessions: null, bandwidthMbps: null } } : undefined),
    portalUrl: () => 'http://portail.localhost',
    driver,
    logger: createLogger('silent'),
    clientAddress: (req) => req.socket.remoteAddress ?? '',
    bounds: { bodyMemoryBytes: 64 * 1024, bodyMemoryTotalBytes: 1024 * 1024, bodySpoolBytes: 80 * 1024 * 1024, bodyStallMs: 400, connectionsPerAddress: 4 },
    spoolDir,
  });
  front = http.createServer((req, res) => {
    if (!door.handle(req, res)) {
      res.writeHead(404);
      res.end('portal');
    }
  });
  front.on('connection', (socket) => door.admitConnection(socket));
  port = await listen(front);
});

after(async () => {
  await door.close();
  front.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => front.close(r));
  await new Promise((r) => upstream.close(r));
  rmSync(spoolDir, { recursive: true, force: true });
});

/** A raw request on its own socket; `body` pieces are written with `gapMs` between them. */
function raw(opts: { path: string; length?: number; pieces?: Buffer[]; gapMs?: number; localAddress?: string; keepOpenMs?: number }): { done: Promise<string>; socket: net.Socket } {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: opts.localAddress ?? '127.0.0.1' });
  const done = new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', () => resolve(got));
  });
  socket.on('connect', async () => {
    const length = opts.length ?? (opts.pieces ?? []).reduce((n, p) => n + p.length, 0);
    socket.write(`POST ${opts.path} HTTP/1.1\r\nhost: asso.localhost:${port}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`);
    for (const p of opts.pieces ?? []) {
      if (socket.destroyed) return;
      socket.write(p);
      if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
    }
  });
  return { done, socket };
}

const get = (p: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, headers: { host: `asso.localhost:${port}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });

describe('request bodies', () => {
  it('are received whole before the instance sees them: a slow one does not hold its only worker', async () => {
    const slow = raw({ path: '/slow', pieces: Array.from({ length: 5 }, () => Buffer.alloc(1000, 1)), gapMs: 200 });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const quick = await get('/quick');
    assert.equal(quick.status, 200);
    assert.ok(performance.now() - t0 < 500, 'answered while the slow body is still coming');
    assert.match(await slow.done, /^HTTP\/1\.1 200[\s\S]*got 5000\r\n/);
    const s = seen.find((e) => e.path === '/slow')!;
    assert.ok(s.ended! - s.started < 200, `the instance spent ${Math.round(s.ended! - s.started)} ms on it: the body came at once`);
  });

  it('are cut when they make no progress for the stall bound (408), never reaching the instance', async () => {
    const before = seen.length;
    const t0 = performance.now();
    const stalled = raw({ path: '/stalled', length: 10_000, pieces: [Buffer.alloc(3000, 2)] });
    const answer = await stalled.done;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /Envoi interrompu/);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(seen.length, before, 'the instance never saw it');
    assert.equal(door.bodies.inMemory, 0);
  });

  it('go to a temporary file beyond the memory bound, arrive intact, and leave nothing behind', async () => {
    const piece = Buffer.alloc(256 * 1024, 3);
    const big = raw({ path: '/big', pieces: [piece, piece, piece, piece] });
    assert.match(await big.done, /got 1048576\r\n/);
    assert.equal(door.bodies.inMemory, 0);
    assert.deepEqual(readdirSync(spoolDir), [], 'the temporary file was unlinked at once');
  });

  it('are refused beyond the largest size (413), a declared length at once', async () => {
    const res = await raw({ path: '/huge', length: 200 * 1024 * 1024, pieces: [Buffer.alloc(10)] }).done;
    assert.match(res, /^HTTP\/1\.1 413 /);
    assert.match(res, /Envoi trop volumineux/);
  });

  it('an aborted 50 MB upload: the instance’s request ends within 1 s (it never started)', async () => {
    const before = seen.length;
    const upload = raw({ path: '/upload', length: 50 * 1024 * 1024, pieces: Array.from({ length: 40 }, () => Buffer.alloc(256 * 1024, 4)), gapMs: 5 });
    await new Promise((r) => setTimeout(r, 150));
    upload.socket.destroy();
    const aborted = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const reached = seen.slice(before).filter((e) => e.path === '/upload');
    assert.ok(reached.every((e) => e.ended !== null && e.ended - aborted < 1000), 'any request of it at the instance ended within 1 s');
    assert.equal(door.bodies.inMemory, 0, 'its memory is given back');
    assert.deepEqual(readdirSync(spoolDir), []);
  });
});

describe('answers', () => {
  it('a client that goes away while the instance computes ends the instance’s request at once', async () => {
    const req = http.get({ host: '127.0.0.1', port, path: '/silent', headers: { host: `asso.localhost:${port}` }, agent: false });
    req.on('error', () => {});
    await new Promise((r) => setTimeout(r, 200));
    const entry = seen.find((e) => e.path === '/silent')!;
    assert.ok(entry && entry.ended === null, 'the instance is working on it');
    req.destroy();
    const gone = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(entry.ended !== null && entry.ended - gone < 1000, 'ended within 1 s of the client leaving');
    assert.equal(entry.finished, false);
  });
});

describe('connections', () => {
  it('are bounded per client address; other addresses are not affected', async () => {
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) open.push(await connected('127.0.0.2'));
      const fifth = await connected('127.0.0.2');
      const closed = await new Promise<boolean>((resolve) => {
        fifth.on('close', () => resolve(true));
        setTimeout(() => resolve(false), 500);
      });
      assert.equal(closed, true, 'a fifth connection from the same address is closed at once');
      assert.equal(door.connections.of('127.0.0.2'), 4);
      assert.equal((await get('/other')).status, 200, 'another address is served');
    } finally {
      for (const s of open) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(door.connections.of('127.0.0.2'), 0, 'counted down as they close');
  });
});

function connected(localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}
