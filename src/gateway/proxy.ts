import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { FrontDoorConfig } from '../config.ts';
import type { InstanceDriver } from '../hosting/driver.ts';
import type { Logger } from '../platform/logger.ts';
import { Forwarder, PROBE_HEADER, type Forwarded, type Traffic, type Upstream } from './forward.ts';
import { classifyHost, type HostKind } from './front-door.ts';
import { ConnectionsPerAddress } from './connections.ts';
import { ByteBucket, type PlanLimits } from './limits.ts';
import { BodyStalled, BodyTooLarge, RequestBodies, type ReceivedBody } from './request-body.ts';
import { SessionTracker, type SessionRequest } from './sessions.ts';

export interface FrontDoorDeps {
  publicDomain: string;
  /** instances are NAME.<instanceDomain> (default: publicDomain) */
  instanceDomain?: string;
  scheme: 'http' | 'https';
  /** the state and plan limits of an instance by name (kept in memory by the instances module) */
  route: (name: string) => { state: string; limits: PlanLimits } | undefined;
  /** where to upgrade, shown on the "too many sessions" page */
  portalUrl: () => string;
  /** how long a session counts after its last request (ms) */
  sessionWindowMs?: number;
  driver: InstanceDriver;
  logger: Logger;
  /** who the client is (the socket's peer, or what a trusted proxy says): ecrin's one decision, shared with the portal */
  clientAddress: (req: IncomingMessage) => string;
  /** bounds on request bodies and connections (Config.frontDoor); defaults otherwise */
  bounds?: Partial<FrontDoorConfig>;
  /** where bodies too big for memory wait (DATA_DIR/hosting/spool) */
  spoolDir?: string;
  /** addresses not bounded in connections (a trusted proxy's): true for all, or a list, or a rule */
  unboundedAddresses?: true | string[] | ((address: string) => boolean);
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

  readonly bodies: RequestBodies;
  readonly connections: ConnectionsPerAddress;

  constructor(deps: FrontDoorDeps) {
    this.#d = deps;
    this.sessions = new SessionTracker({ ...(deps.sessionWindowMs !== undefined ? { windowMs: deps.sessionWindowMs } : {}) });
    const b = deps.bounds ?? {};
    this.bodies = new RequestBodies({
      memoryBytes: b.bodyMemoryBytes ?? 1024 * 1024,
      memoryTotalBytes: b.bodyMemoryTotalBytes ?? 64 * 1024 * 1024,
      maxBytes: b.bodySpoolBytes ?? 512 * 1024 * 1024,
      stallMs: b.bodyStallMs ?? 60_000,
      spoolDir: deps.spoolDir ?? path.join(tmpdir(), 'ecrin-spool'),
    });
    this.connections = new ConnectionsPerAddress(b.connectionsPerAddress ?? 128, deps.unboundedAddresses ?? []);
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
    if (hostHeader === undefined) return classifyHost(hostHeader, this.#d.publicDomain, this.#d.instanceDomain);
    let kind = this.#hosts.get(hostHeader);
    if (kind === undefined) {
      kind = classifyHost(hostHeader, this.#d.publicDomain, this.#d.instanceDomain);
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

  /** What replaces whatever X-Forwarded-* the client sent: ecrin's own view of the request. */
  #forwarded(req: IncomingMessage): Forwarded {
    return { for: this.#d.clientAddress(req), proto: this.#d.scheme, host: req.headers.host ?? '' };
  }

  #upstream(target: Target, admitted: Admitted | null): Upstream {
    const onSetCookie = admitted === null ? null : (setCookie: string | string[]) => this.sessions.answered(target.name, admitted.request, admitted.key, setCookie, Date.now());
    return { origin: target.origin, bucket: this.#bucketOf(target.name, target.limits.bandwidthMbps), traffic: this.#trafficOf(target.name), onSetCookie };
  }

  /** Counts the request's session against the plan (ecrin's own probes excepted); false: refused. */
  #admit(req: IncomingMessage, target: Target): Admitted | null | false {
    // (the probe header itself is never forwarded)
    if (req.headers[PROBE_HEADER] === PROBE_TOKEN) return null;
    const request = this.sessions.request(req.headers.cookie, this.#d.clientAddress(req));
    const key = this.sessions.admit(target.name, request, target.limits.maxSessions, Date.now());
    return key === null ? false : { request, key };
  }

  /** A new connection on the port: false (and closed) when its address has too many open already. */
  admitConnection(socket: Socket): boolean {
    return this.connections.admit(socket);
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const target = this.#target(req);
    if (!target) return false;
    const admitted = this.#admit(req, target);
    if (admitted === false) {
      res.writeHead(429, { ...HTML_NO_STORE, 'retry-after': '60' });
      res.end(tooManySessionsPage(target.limits, this.#d.portalUrl()));
      return true;
    }
    const up = this.#upstream(target, admitted);
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      this.#forwarder.http(req, res, up, this.#forwarded(req));
      return true;
    }
    // The body first, whole (request-body.ts): one slow client must not hold the instance's worker.
    this.bodies.receive(req, up.bucket, (n) => (up.traffic.bytesIn += n)).then(
      (body) => this.#forwardWithBody(req, res, up, body),
      (err: unknown) => this.#refuseBody(req, res, err),
    );
    return true;
  }

  #forwardWithBody(req: IncomingMessage, res: ServerResponse, up: Upstream, body: ReceivedBody): void {
    if (res.destroyed) {
      this.bodies.discard(body);
      return;
    }
    this.#forwarder.http(req, res, up, this.#forwarded(req), { bytes: this.bodies.bodyOf(body), length: body.length }, () => this.bodies.done(body));
  }

  #refuseBody(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof BodyTooLarge || err instanceof BodyStalled) {
      const tooLarge = err instanceof BodyTooLarge;
      if (!res.headersSent && !res.destroyed) {
        // The rest of the body is not read: the connection closes after this answer.
        res.writeHead(tooLarge ? 413 : 408, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
        res.end(tooLarge ? BODY_TOO_LARGE_PAGE : BODY_STALLED_PAGE, () => req.socket.destroy());
      } else req.socket.destroy();
      return;
    }
    // The client went away mid-body: nobody to answer, and the instance never saw the request.
    if (!res.destroyed) res.destroy();
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.#target(req);
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    const admitted = this.#admit(req, target);
    if (admitted === false) {
      const page = tooManySessionsPage(target.limits, this.#d.portalUrl());
      socket.end(`HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/html; charset=utf-8\r\nretry-after: 60\r\ncontent-length: ${Buffer.byteLength(page)}\r\nconnection: close\r\n\r\n${page}`);
      return;
    }
    // A long-lived connection keeps its session alive while bytes flow (checked at most once a second).
    let touched = 0;
    const touch = () => {
      if (admitted === null) return;
      const now = Date.now();
      if (now - touched < 1000) return;
      touched = now;
      this.sessions.touch(target.name, admitted.key, now);
    };
    this.#forwarder.upgrade(req, socket, head, this.#upstream(target, null), this.#forwarded(req), touch);
  }

  async close(): Promise<void> {
    await this.#forwarder.close();
  }
}

/** A request counted as this place (`key`), from this cookie and address. */
interface Admitted {
  request: SessionRequest;
  key: string;
}

const BODY_TOO_LARGE_PAGE = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Envoi trop volumineux</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem;">
<h1>Envoi trop volumineux</h1><p>Ce que vous envoyez dépasse la taille acceptée. Envoyez un fichier plus petit, ou en plusieurs fois.</p></body></html>`;

const BODY_STALLED_PAGE = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Envoi interrompu</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem;">
<h1>Envoi interrompu</h1><p>L'envoi n'avançait plus : il a été interrompu. Vérifiez votre connexion et recommencez.</p></body></html>`;

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
