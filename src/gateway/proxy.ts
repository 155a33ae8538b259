import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { InstanceDriver } from '../hosting/driver.ts';
import type { Logger } from '../platform/logger.ts';
import { Forwarder, PROBE_HEADER, type Forwarded, type Traffic, type Upstream } from './forward.ts';
import { classifyHost, type HostKind } from './front-door.ts';
import { ByteBucket, SessionTracker, type PlanLimits } from './limits.ts';

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
 * Here: which instance, the plan's limits (sessions, bandwidth) and the forwarded headers; the
 * forwarding itself is forward.ts.
 */

/** Marks ecrin's own probes (this process's secret): they do not count as customer sessions. */
const PROBE_TOKEN = randomBytes(16).toString('hex');

const HTML_NO_STORE = { 'content-type': 'text/html; charset=utf-8', 'retry-after': '10', 'cache-control': 'no-store' };

interface Target {
  name: string;
  origin: string;
  limits: PlanLimits;
}

export class FrontDoor {
  readonly #d: FrontDoorDeps;
  readonly #forwarder: Forwarder;
  readonly sessions: SessionTracker;
  readonly #buckets = new Map<string, ByteBucket>();
  readonly #traffic = new Map<string, Traffic>();

  constructor(deps: FrontDoorDeps) {
    this.#d = deps;
    this.sessions = new SessionTracker(deps.sessionWindowMs);
    this.#forwarder = new Forwarder((err) => {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
        return { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'Requête invalide.\n' };
      }
      this.#d.logger.warn({ err: err.message, code }, 'instance did not answer the front door');
      return { status: /TIMEOUT/.test(code) ? 504 : 502, headers: HTML_NO_STORE, body: UNAVAILABLE_PAGE };
    });
  }

  /** Host headers already classified (the same few come again and again); emptied when it grows too big. */
  readonly #hosts = new Map<string, HostKind>();
  #classify(hostHeader: string | undefined): HostKind {
    if (hostHeader === undefined) return classifyHost(hostHeader, this.#d.publicDomain);
    let kind = this.#hosts.get(hostHeader);
    if (kind === undefined) {
      kind = classifyHost(hostHeader, this.#d.publicDomain);
      if (this.#hosts.size >= 4096) this.#hosts.clear();
      this.#hosts.set(hostHeader, kind);
    }
    return kind;
  }

  /** The running instance this request is for, or null (then Fastify answers). */
  #target(req: IncomingMessage): Target | null {
    const host = this.#classify(req.headers.host);
    if (host.kind !== 'instance') return null;
    const route = this.#d.route(host.name);
    if (!route || route.state !== 'active') return null;
    const ep = this.#d.driver.endpoint(host.name);
    return ep ? { name: host.name, origin: this.#origin(ep.host, ep.port), limits: route.limits } : null;
  }

  /** Built once per endpoint, not per request. */
  readonly #origins = new Map<number, Map<string, string>>();
  #origin(host: string, port: number): string {
    let byHost = this.#origins.get(port);
    if (!byHost) {
      byHost = new Map();
      this.#origins.set(port, byHost);
    }
    let origin = byHost.get(host);
    if (origin === undefined) {
      origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      byHost.set(host, origin);
    }
    return origin;
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

  /** What replaces whatever X-Forwarded-* the client sent; null: a trusted proxy set them, kept. */
  #forwarded(req: IncomingMessage): Forwarded | null {
    if (this.#d.trustProxy && req.headers['x-forwarded-for']) return null;
    return { for: req.socket.remoteAddress ?? '', proto: this.#d.scheme, host: req.headers.host ?? '' };
  }

  #upstream(target: Target): Upstream {
    return { origin: target.origin, bucket: this.#bucketOf(target.name, target.limits.bandwidthMbps), traffic: this.#trafficOf(target.name) };
  }

  /** Counts the request's session against the plan (ecrin's own probes excepted); false: refused. */
  #admit(req: IncomingMessage, target: Target): { key: string; anonymous: string } | null | false {
    // (the probe header itself is never forwarded)
    if (req.headers[PROBE_HEADER] === PROBE_TOKEN) return null;
    const key = SessionTracker.key(req.headers.cookie, req.socket.remoteAddress ?? '', String(req.headers['user-agent'] ?? ''));
    return this.sessions.admit(target.name, key, target.limits.maxSessions, Date.now()) ? key : false;
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const target = this.#target(req);
    if (!target) return false;
    if (this.#admit(req, target) === false) {
      res.writeHead(429, { ...HTML_NO_STORE, 'retry-after': '60' });
      res.end(tooManySessionsPage(target.limits, this.#d.portalUrl()));
      return true;
    }
    this.#forwarder.http(req, res, this.#upstream(target), this.#forwarded(req));
    return true;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.#target(req);
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    const key = this.#admit(req, target);
    if (key === false) {
      const page = tooManySessionsPage(target.limits, this.#d.portalUrl());
      socket.end(`HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/html; charset=utf-8\r\nretry-after: 60\r\ncontent-length: ${Buffer.byteLength(page)}\r\nconnection: close\r\n\r\n${page}`);
      return;
    }
    // A long-lived connection keeps its session alive while bytes flow (checked at most once a second).
    let touched = 0;
    const touch = () => {
      if (key === null) return;
      const now = Date.now();
      if (now - touched < 1000) return;
      touched = now;
      this.sessions.touch(target.name, key.key, now);
    };
    this.#forwarder.upgrade(req, socket, head, this.#upstream(target), this.#forwarded(req), touch);
  }

  async close(): Promise<void> {
    await this.#forwarder.close();
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
