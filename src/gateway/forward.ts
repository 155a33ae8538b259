import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { Throttle, type ByteBucket } from './limits.ts';

/**
 * The front door's way to an instance: undici's connection pools (kept alive, one pool per
 * instance address) with its lowest-level `dispatch` API, whose handler receives the response head
 * and body chunks directly — no request/response objects or streams on the upstream side. That
 * side was most of a proxied request's cost with node:http's client (see docs/benchmarks.md).
 * Both HTTP requests and WebSocket upgrades go through here; the client side stays node:http.
 */

/** Bytes through the front door for one instance, both directions (for the daily usage counters). */
export interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

export interface Upstream {
  /** `http://host:port` of the instance's server */
  origin: string;
  /** the plan's bandwidth, shared by every stream of the instance; null: unlimited */
  bucket: ByteBucket | null;
  traffic: Traffic;
  /** the instance's answer sets cookies (its sessions are counted from them) */
  onSetCookie: ((setCookie: string | string[]) => void) | null;
}

/**
 * What the front door answers when a request cannot be forwarded (the status and a page): the
 * instance did not answer, or undici refused the request as it stands (`UND_ERR_INVALID_ARG`).
 */
export type UpstreamFailure = (err: Error) => { status: number; headers: Record<string, string>; body: string };

/** The front door's own view of a request, sent as X-Forwarded-* (null: keep a trusted proxy's). */
export interface Forwarded {
  for: string;
  proto: string;
  host: string;
}

/** ecrin's probes mark their requests with this header (never forwarded). */
export const PROBE_HEADER = 'x-ecrin-probe';

/**
 * The headers an instance gets: the client's, without its connection's own (hop-by-hop, those it
 * named in `Connection`, and `Expect`: node:http has already answered `100 Continue`), without
 * ecrin's probe mark, and with the front door's X-Forwarded-* in place of whatever the client sent.
 * A new object: the client's is left alone (deletes would also make it a slow dictionary).
 */
export function requestHeaders(h: IncomingHttpHeaders, forwarded: Forwarded | null): IncomingHttpHeaders {
  const named = connectionNamed(h.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in h) {
    if (isHopByHop(name) || name === 'expect' || name === PROBE_HEADER || (named !== null && named.includes(name))) continue;
    if (forwarded !== null && (name === 'x-forwarded-for' || name === 'x-forwarded-proto' || name === 'x-forwarded-host' || name === 'x-forwarded-port' || name === 'forwarded')) continue;
    out[name] = h[name];
  }
  if (forwarded !== null) {
    out['x-forwarded-for'] = forwarded.for;
    out['x-forwarded-proto'] = forwarded.proto;
    out['x-forwarded-host'] = forwarded.host;
  }
  return out;
}

/** The extra headers a `Connection` header names as this connection's own, or null (the usual case). */
function connectionNamed(connection: string | string[] | undefined): string[] | null {
  if (connection === undefined) return null;
  let named: string[] | null = null;
  for (const token of String(connection).split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade' && name !== 'host') (named ??= []).push(name);
  }
  return named;
}

/**
 * A response's headers without the instance connection's own (hop-by-hop, and those it named in
 * `Connection`). Copied into a new object rather than deleted from undici's: deletes would turn it
 * into a slow dictionary on the hottest path of the front door.
 */
function responseHeaders(h: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = connectionNamed(h.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in h) {
    if (isHopByHop(name) || (named !== null && named.includes(name))) continue;
    out[name] = h[name];
  }
  return out;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded. */
function isHopByHop(name: string): boolean {
  switch (name) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'transfer-encoding':
    case 'upgrade':
    case 'te':
    case 'trailer':
      return true;
    default:
      return false;
  }
}

/** A response head written by hand on a raw socket (upgrade requests have no ServerResponse). */
function rawHead(status: number, message: string, headers: IncomingHttpHeaders | Record<string, string>): string {
  let head = `HTTP/1.1 ${status} ${message}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`;
  }
  return `${head}\r\n`;
}

/** A token as an `Upgrade` header carries it (e.g. `websocket`), nothing a request line could break on. */
const UPGRADE_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/;

export class Forwarder {
  // Long requests are Diacamma's own business (its server's timeout is 600 s): the front door waits as long.
  readonly #agent = new Agent({ connections: 256, pipelining: 1, headersTimeout: 10 * 60_000, bodyTimeout: 10 * 60_000, connect: { timeout: 10_000 } });
  readonly #failure: UpstreamFailure;

  constructor(failure: UpstreamFailure) {
    this.#failure = failure;
  }

  /**
   * Forwards an HTTP request and streams the answer back. A request body has been received whole
   * by the front door already (request-body.ts): `body` is it, `length` its size; `done` runs once
   * the exchange is over, however it ends.
   */
  http(req: IncomingMessage, res: ServerResponse, up: Upstream, forwarded: Forwarded | null, body: { bytes: Buffer | Readable; length: number } | null = null, done: (() => void) | null = null): void {
    const h = requestHeaders(req.headers, forwarded);
    // Sent with its length (a chunked request's too): Django reads a body by its Content-Length.
    if (body !== null) h['content-length'] = String(body.length);
    const relay = new ResponseRelay(res, up, this.#failure, done);
    try {
      this.#agent.dispatch({ origin: up.origin, path: req.url ?? '/', method: req.method ?? 'GET', headers: h, body: body?.bytes ?? null }, relay);
    } catch (err) {
      // undici refuses what it could not send faithfully (a malformed header value, say)
      if (body && !Buffer.isBuffer(body.bytes)) body.bytes.destroy();
      relay.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Forwards an upgrade request (WebSocket); after `101` both sockets are piped, throttled and counted. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, up: Upstream, forwarded: Forwarded | null, onData: () => void): void {
    const upgrade = String(req.headers.upgrade ?? '');
    if (!UPGRADE_TOKEN.test(upgrade)) {
      socket.end(rawHead(400, 'Bad Request', { 'content-length': '0', connection: 'close' }));
      return;
    }
    const h = requestHeaders(req.headers, forwarded);
    const relay = new UpgradeRelay(socket, head, up, onData, this.#failure);
    try {
      this.#agent.dispatch({ origin: up.origin, path: req.url ?? '/', method: req.method ?? 'GET', headers: h, body: null, upgrade }, relay);
    } catch (err) {
      relay.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** The client closed its connection: nothing to answer, the instance's request is abandoned. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/** Writes an instance's answer on the client's response: head, then body chunks as they come. */
class ResponseRelay implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #up: Upstream;
  readonly #failure: UpstreamFailure;
  /** the plan's bandwidth cap, when there is one: the body goes through it */
  #throttle: Throttle | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  #done: (() => void) | null;
  #settled = false;

  constructor(res: ServerResponse, up: Upstream, failure: UpstreamFailure, done: (() => void) | null) {
    this.#res = res;
    this.#up = up;
    this.#failure = failure;
    this.#done = done;
    // The client going away ends the instance's request at once (a long answer being computed, a
    // download waiting for its next bytes), rather than when the instance next has something to say.
    res.once('close', this.#onClose);
  }

  readonly #onClose = (): void => {
    if (!this.#settled && !this.#res.writableFinished) this.#controller?.abort(new ClientGone());
    this.#settle();
  };

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    const done = this.#done;
    this.#done = null;
    done?.();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#res.destroyed) controller.abort(new ClientGone());
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, message?: string): void {
    const res = this.#res;
    if (res.destroyed) {
      controller.abort(new ClientGone());
      return;
    }
    const setCookie = headers['set-cookie'];
    if (setCookie !== undefined && this.#up.onSetCookie !== null) this.#up.onSetCookie(setCookie);
    try {
      res.writeHead(status, message || STATUS_CODES[status] || '', responseHeaders(headers));
    } catch (err) {
      // a head node:http will not write (a control character in a header, say): the instance's fault
      controller.abort(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.#up.bucket) {
      const throttle = new Throttle(this.#up.bucket, () => {});
      throttle.on('error', (err) => controller.abort(err));
      throttle.pipe(res);
      this.#throttle = throttle;
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#up.traffic.bytesOut += chunk.length;
    const res = this.#res;
    if (res.destroyed) {
      controller.abort(new ClientGone());
      return;
    }
    const sink = this.#throttle ?? res;
    // The client (or the plan's rate) reads slower than the instance writes: hold the instance back
    // until it drains — or stop asking the instance if the client goes away meanwhile.
    if (!sink.write(chunk)) {
      controller.pause();
      const drained = () => {
        res.off('close', gone);
        controller.resume();
      };
      const gone = () => {
        sink.off('drain', drained);
        controller.abort(new ClientGone());
      };
      sink.once('drain', drained);
      res.once('close', gone);
    }
  }

  onResponseEnd(): void {
    if (this.#throttle) this.#throttle.end();
    else this.#res.end();
    this.#settle();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  fail(err: Error): void {
    const res = this.#res;
    this.#throttle?.destroy();
    this.#settle();
    if (err instanceof ClientGone) return;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const page = this.#failure(err);
    res.writeHead(page.status, page.headers);
    res.end(page.body);
  }
}

/** An upgrade: the instance's `101` and then raw bytes both ways; any other answer is relayed as is. */
class UpgradeRelay implements Dispatcher.DispatchHandler {
  readonly #socket: Duplex;
  readonly #head: Buffer;
  readonly #up: Upstream;
  readonly #onData: () => void;
  readonly #failure: UpstreamFailure;
  #wrote = false;

  constructor(socket: Duplex, head: Buffer, up: Upstream, onData: () => void, failure: UpstreamFailure) {
    this.#socket = socket;
    this.#head = head;
    this.#up = up;
    this.#onData = onData;
    this.#failure = failure;
    socket.on('error', () => socket.destroy());
  }

  #abortOnClose: (() => void) | null = null;

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#abortOnClose = () => controller.abort(new ClientGone());
    this.#socket.once('close', this.#abortOnClose);
  }

  #settled(): void {
    if (this.#abortOnClose) this.#socket.off('close', this.#abortOnClose);
    this.#abortOnClose = null;
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
    this.#settled();
    const client = this.#socket;
    const { traffic, bucket } = this.#up;
    client.write(rawHead(status, 'Switching Protocols', headers));
    this.#wrote = true;
    if (this.#head.length > 0) {
      traffic.bytesIn += this.#head.length;
      upstream.write(this.#head);
    }
    const onData = this.#onData;
    // Both directions through the instance's bucket, like any other traffic.
    const inbound = new Throttle(bucket, (n) => {
      traffic.bytesIn += n;
      onData();
    });
    const outbound = new Throttle(bucket, (n) => {
      traffic.bytesOut += n;
      onData();
    });
    const destroyAll = () => {
      for (const s of [client, upstream, inbound, outbound]) s.destroy();
    };
    for (const s of [client, upstream, inbound, outbound]) {
      s.on('error', destroyAll);
      s.on('close', destroyAll);
    }
    client.pipe(inbound).pipe(upstream);
    upstream.pipe(outbound).pipe(client);
  }

  // The instance refused the upgrade (a 4xx, say): its answer goes back as is, then the connection closes.
  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, message?: string): void {
    const h = responseHeaders(headers);
    h.connection = 'close';
    this.#socket.write(rawHead(status, message || STATUS_CODES[status] || '', h));
    this.#wrote = true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#up.traffic.bytesOut += chunk.length;
    // a refusal is usually a few bytes; a long one waits for the client like any answer
    if (!this.#socket.write(chunk)) {
      controller.pause();
      this.#socket.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#settled();
    this.#socket.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  fail(err: Error): void {
    this.#settled();
    if (this.#wrote || err instanceof ClientGone) {
      this.#socket.destroy();
      return;
    }
    const page = this.#failure(err);
    this.#socket.end(rawHead(page.status, STATUS_CODES[page.status] ?? '', { ...page.headers, 'content-length': String(Buffer.byteLength(page.body)), connection: 'close' }) + page.body);
  }
}
