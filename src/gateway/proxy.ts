import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { InstanceDriver } from '../hosting/driver.ts';
import type { Logger } from '../platform/logger.ts';
import { classifyHost } from './front-door.ts';

export interface FrontDoorDeps {
  publicDomain: string;
  scheme: 'http' | 'https';
  /** the state of an instance by name (kept in memory by the instances module) */
  route: (name: string) => { state: string } | undefined;
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
export class FrontDoor {
  readonly #d: FrontDoorDeps;
  readonly #proxy = createProxyServer({ xfwd: false, ws: true, proxyTimeout: 10 * 60_000 });

  constructor(deps: FrontDoorDeps) {
    this.#d = deps;
    this.#proxy.on('error', (err, _req, res) => {
      this.#d.logger.warn({ err: err.message }, 'instance did not answer the front door');
      if (res instanceof http.ServerResponse && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '10', 'cache-control': 'no-store' });
        res.end(UNAVAILABLE_PAGE);
      } else if (res && 'destroy' in res) (res as Duplex).destroy();
    });
  }

  /** The running instance this request is for, or null (then Fastify answers). */
  #target(req: IncomingMessage): { name: string; url: string } | null {
    const host = classifyHost(req.headers.host, this.#d.publicDomain);
    if (host.kind !== 'instance') return null;
    const route = this.#d.route(host.name);
    if (!route || route.state !== 'active') return null;
    const ep = this.#d.driver.endpoint(host.name);
    return ep ? { name: host.name, url: `http://${ep.host}:${ep.port}` } : null;
  }

  /** Replaces whatever X-Forwarded-* the client sent (unless a trusted proxy set them). */
  #forwardedHeaders(req: IncomingMessage): void {
    const h = req.headers;
    if (!this.#d.trustProxy || !h['x-forwarded-for']) {
      h['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      h['x-forwarded-proto'] = this.#d.scheme;
      h['x-forwarded-host'] = h.host ?? '';
      delete h['x-forwarded-port'];
      delete h.forwarded;
    }
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const target = this.#target(req);
    if (!target) return false;
    this.#forwardedHeaders(req);
    this.#proxy.web(req, res, { target: target.url });
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

/** A request through the front door as a customer makes it: true when the instance answers. */
export function probeThroughFrontDoor(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, timeout: 3000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
