import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { tarOf, validEntries } from '../archives/corpus.ts';
import type { AddressInfo } from 'node:net';
import type { DriverEvent, Endpoint, InstanceDriver, InstanceRuntime, InstanceSpec, IsolationSummary } from '../../src/hosting/driver.ts';
import { customerAgent, paidOrder, type AppAndContainer } from './paid-order.ts';

/**
 * An instance driver whose instances are HTTP servers written by the test (a hostile page, an
 * echo of what the front door sends): ecrin provisions them and routes to them exactly as it does
 * to Diacamma, through the front door. Only the server behind the address is the test's.
 */
export class SiteDriver implements InstanceDriver {
  readonly #handler: (name: string, req: http.IncomingMessage, res: http.ServerResponse) => void;
  readonly #servers = new Map<string, { server: http.Server; endpoint: Endpoint }>();
  readonly #created = new Set<string>();

  constructor(handler: (name: string, req: http.IncomingMessage, res: http.ServerResponse) => void) {
    this.#handler = handler;
  }

  async create(spec: InstanceSpec): Promise<void> {
    this.#created.add(spec.name);
  }
  async exists(name: string): Promise<boolean> {
    return this.#created.has(name);
  }
  async setSecurity(): Promise<void> {}
  async start(name: string): Promise<Endpoint> {
    const running = this.#servers.get(name);
    if (running) return running.endpoint;
    const server = http.createServer((req, res) => this.#handler(name, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const endpoint = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
    this.#servers.set(name, { server, endpoint });
    return endpoint;
  }
  async stop(name: string): Promise<void> {
    const running = this.#servers.get(name);
    this.#servers.delete(name);
    if (running) await new Promise<void>((resolve) => running.server.close(() => resolve()));
  }
  /** A small sound archive (dump.json, target, usr/), as the admin tool would write it. */
  async archive(_name: string, file: string): Promise<void> {
    writeFileSync(file, gzipSync(tarOf(validEntries())));
  }
  async restore(): Promise<void> {}
  async destroy(name: string): Promise<void> {
    await this.stop(name);
    this.#created.delete(name);
  }
  async usage(): Promise<{ diskBytes: number }> {
    return { diskBytes: 0 };
  }
  async health(name: string): Promise<boolean> {
    return this.#servers.has(name);
  }
  endpoint(name: string): Endpoint | null {
    return this.#servers.get(name)?.endpoint ?? null;
  }
  async stopAll(): Promise<void> {
    for (const name of [...this.#servers.keys()]) await this.stop(name);
  }
  async adopt(): Promise<string[]> {
    return [];
  }
  async startMany(names: string[]): Promise<{ name: string; error: string | null }[]> {
    for (const name of names) await this.start(name);
    return names.map((name) => ({ name, error: null }));
  }
  runtime(name: string): InstanceRuntime {
    return { state: this.#servers.has(name) ? 'running' : 'stopped', restarts: 0, since: null, lastExit: null, adopted: false, pid: null, uid: null };
  }
  async logTail(): Promise<string[]> {
    return [];
  }
  onEvent(_listener: (e: DriverEvent) => void): void {}
  isolation(): IsolationSummary {
    return { sandboxed: false, reason: 'test', detail: 'servers written by the test', cgroup: { available: false, reason: 'test', detail: 'none' } };
  }
  async release(): Promise<void> {
    await this.stopAll();
  }
  async stopRecorded(): Promise<string[]> {
    const names = [...this.#servers.keys()];
    await this.stopAll();
    return names;
  }
}

/** A paid order for `name` (a new customer `alias`), then its provisioning waited for: the site is live. */
export async function liveSite(t: AppAndContainer, alias: string, name: string): Promise<void> {
  const agent = await customerAgent(t, alias);
  await paidOrder(t, agent, name);
  const until = Date.now() + 30_000;
  while (t.container.services.instances.route(name)?.state !== 'active') {
    if (Date.now() > until) throw new Error(`${name} was not provisioned in 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
