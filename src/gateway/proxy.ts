import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { InstanceDriver } from '../hosting/driver.ts';
import type { Logger } from '../platform/logger.ts';
import { classifyHost } from './front-door.ts';
import { ByteBucket, SessionTracker, Throttle, type PlanLimits } from './limits.ts';

export interface FrontDoorDeps {
  publicDomain: string;
  scheme: 'http' | 'https';
  /** the state and plan limits of an instance by name (kept in memory by the instances module) */
  route: (name: string) => { state: string; limits: PlanLimits } | undefined;
  /** where to upgrade, shown on the "too many sessions" page */
  portalUrl: () => string;
  /** how long a session counts after its last request (ms) */
  sessionWindowMs?: number;
  driver: InstanceDriver;
  logger: Logger;
  /** behind a trusted reverse proxy, keep the X-Forwarded-* it sets; otherwise they are the client's and are replaced */
  trustProxy: boolean;
}

/**
 * The front door's proxy: a request for `<name>.<domain>` whose instance is active and running goes
 * straight to it (streamed both ways, WebSocket upgrades included), before Fastify. Everything else —
 * the portal, and instances that are not serving — goes to the Fastify app, which renders the pages.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

/** Marks ecrin's own probes (this process's secret): they do not count as customer sessions. */
const PROBE_TOKEN = randomBytes(16).toString('hex');
const PROBE_HEADER = 'x-ecrin-probe';

interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

export class FrontDoor {
  readonly #d: FrontDoorDeps;
  // Connections to instances are kept alive and reused (a new one per request doubled the cost).
  readonly #proxy = createProxyServer({ xfwd: false, ws: true, proxyTimeout: 10 * 60_000, selfHandleResponse: true, agent: new http.Agent({ keepAlive: true, maxSockets: 256 }) });
  readonly sessions: SessionTracker;
  readonly #buckets = new Map<string, ByteBucket>();
  readonly #traffic = new Map<string, Traffic>();
  readonly #pending = new WeakMap<IncomingMessage, { name: string; bucket: ByteBucket | null }>();

  constructor(deps: FrontDoorDeps) {
    this.#d = deps;
    this.sessions = new SessionTracker(deps.sessionWindowMs);
    // Responses go through the instance's bucket: the plan's bandwidth, shared by all its streams.
    this.#proxy.on('proxyRes', (proxyRes, req, res) => {
      const p = this.#pending.get(req);
      if (!(res instanceof http.ServerResponse)) return;
      // Hop-by-hop headers are the instance connection's own, not the client's (keep-alive stays ours).
      const headers = { ...proxyRes.headers };
      for (const h of HOP_BY_HOP) if (headers[h] !== undefined) delete headers[h];
      res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage ?? '', headers);
      const traffic = p ? this.#trafficOf(p.name) : null;
      if (p?.bucket) proxyRes.pipe(new Throttle(p.bucket, (n) => traffic && (traffic.bytesOut += n))).pipe(res);
      else {
        // Counted from the length announced when there is one: no per-chunk work on the hot path.
        const length = Number(proxyRes.headers['content-length']);
        if (traffic && Number.isFinite(length)) traffic.bytesOut += length;
        else proxyRes.on('data', (c: Buffer) => traffic && (traffic.bytesOut += c.length));
        proxyRes.pipe(res);
      }
    });
    this.#proxy.on('error', (err, _req, res) => {
      this.#d.logger.warn({ err: err.message }, 'instance did not answer the front door');
      if (res instanceof http.ServerResponse && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '10', 'cache-control': 'no-store' });
        res.end(UNAVAILABLE_PAGE);
      } else if (res && 'destroy' in res) (res as Duplex).destroy();
    });
  }

  /** The running instance this request is for, or null (then Fastify answers). */
  #target(req: IncomingMessage): { name: string; url: URL; limits: PlanLimits } | null {
    const host = classifyHost(req.headers.host, this.#d.publicDomain);
    if (host.kind !== 'instance') return null;
    const route = this.#d.route(host.name);
    if (!route || route.state !== 'active') return null;
    const ep = this.#d.driver.endpoint(host.name);
    return ep ? { name: host.name, url: this.#url(ep.host, ep.port), limits: route.limits } : null;
  }

  /** Parsed once per endpoint, not per request. */
  readonly #urls = new Map<string, URL>();
  #url(host: string, port: number): URL {
    const key = `${host}:${port}`;
    let u = this.#urls.get(key);
    if (!u) {
      u = new URL(`http://${key}`);
      this.#urls.set(key, u);
    }
    return u;
  }

  #bucketOf(name: string, mbps: number | null): ByteBucket | null {
    if (mbps === null) return null;
    let b = this.#buckets.get(name);
    // A plan change (new rate) gives the instance a new bucket.
    if (!b || b.bytesPerSecond !== (mbps * 1_000_000) / 8) {
      b = new ByteBucket(mbps);
      this.#buckets.set(name, b);
    }
    return b;
  }

  #trafficOf(name: string): Traffic {
    let t = this.#traffic.get(name);
    if (!t) {
      t = { bytesIn: 0, bytesOut: 0 };
      this.#traffic.set(name, t);
    }
    return t;
  }

  /** Bytes through the front door per instance since the last call (for the daily usage counters). */
  takeTraffic(): Map<string, Traffic> {
    const out = new Map(this.#traffic);
    this.#traffic.clear();
    return out;
  }

  /** Replaces whatever X-Forwarded-* the client sent (unless a trusted proxy set them). */
  #forwardedHeaders(req: IncomingMessage): void {
    const h = req.headers;
    if (!this.#d.trustProxy || !h['x-forwarded-for']) {
      h['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      h['x-forwarded-proto'] = this.#d.scheme;
      h['x-forwarded-host'] = h.host ?? '';
      if (h['x-forwarded-port'] !== undefined) delete h['x-forwarded-port'];
      if (h.forwarded !== undefined) delete h.forwarded;
    }
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const target = this.#target(req);
    if (!target) return false;
    const probeHeader = req.headers[PROBE_HEADER];
    const probe = probeHeader === PROBE_TOKEN;
    // (deleting only what is there: a delete turns the headers object into a slow dictionary)
    if (probeHeader !== undefined) delete req.headers[PROBE_HEADER];
    const key = SessionTracker.key(req.headers.cookie, req.socket.remoteAddress ?? '', String(req.headers['user-agent'] ?? ''));
    if (!probe && !this.sessions.admit(target.name, key, target.limits.maxSessions, Date.now())) {
      res.writeHead(429, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '60', 'cache-control': 'no-store' });
      res.end(tooManySessionsPage(target.limits, this.#d.portalUrl()));
      return true;
    }
    this.#forwardedHeaders(req);
    const bucket = this.#bucketOf(target.name, target.limits.bandwidthMbps);
    this.#pending.set(req, { name: target.name, bucket });
    const traffic = this.#trafficOf(target.name);
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      this.#proxy.web(req, res, { target: target.url });
      return true;
    }
    // A request body goes through the same bucket as the responses: both directions count.
    const body = req.pipe(new Throttle(bucket, (n) => (traffic.bytesIn += n)));
    this.#proxy.web(req, res, { target: target.url, buffer: body });
    return true;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.#target(req);
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    this.#forwardedHeaders(req);
    this.#proxy.ws(req, socket, head, { target: target.url });
  }

  close(): void {
    this.#proxy.close();
  }
}

const UNAVAILABLE_PAGE = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Instance momentanément indisponible</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem;">
<h1>Instance momentanément indisponible</h1><p>Votre Diacamma redémarre ou ne répond pas pour l'instant. Réessayez dans quelques secondes.</p></body></html>`;

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function tooManySessionsPage(limits: PlanLimits, portalUrl: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Trop de connexions simultanées</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 38rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5;">
<h1>Trop de connexions simultanées</h1>
<p>Le forfait ${escapeText(limits.planName)} de cette instance permet ${limits.maxSessions ?? ''} connexions simultanées au maximum, et elles sont toutes utilisées en ce moment.</p>
<p>Réessayez quand une autre personne aura fini (une session compte pendant 10 minutes après sa dernière page).</p>
<p>Pour ne plus être limité, le titulaire de l'instance peut passer au forfait supérieur, sans limite de connexions, depuis le portail : <a href="${escapeText(portalUrl)}/instances">${escapeText(portalUrl)}/instances</a>.</p>
</body></html>`;
}

/** A request through the front door as a customer makes it: true when the instance answers. */
export function probeThroughFrontDoor(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host, [PROBE_HEADER]: PROBE_TOKEN }, timeout: 3000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
