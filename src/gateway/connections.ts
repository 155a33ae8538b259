import type { Socket } from 'node:net';

/**
 * Open connections per client address, over the whole port: beyond the bound a new connection is
 * closed at once (a browser opens six or so per site; the default leaves room for an office behind
 * one address). A trusted proxy's address is not bounded: all its clients come through it, and the
 * proxy is where their connections are bounded.
 */
export class ConnectionsPerAddress {
  readonly #max: number;
  readonly #exempt: true | Set<string> | ((address: string) => boolean);
  readonly #open = new Map<string, number>();

  constructor(max: number, exempt: true | string[] | ((address: string) => boolean)) {
    this.#max = max;
    this.#exempt = exempt === true || typeof exempt === 'function' ? exempt : new Set(exempt);
  }

  admit(socket: Socket): boolean {
    const ip = socket.remoteAddress ?? '';
    if (this.#exempt === true || (typeof this.#exempt === 'function' ? this.#exempt(ip) : this.#exempt.has(ip))) return true;
    const n = this.#open.get(ip) ?? 0;
    if (n >= this.#max) {
      socket.destroy();
      return false;
    }
    this.#open.set(ip, n + 1);
    socket.once('close', () => {
      const left = (this.#open.get(ip) ?? 1) - 1;
      if (left <= 0) this.#open.delete(ip);
      else this.#open.set(ip, left);
    });
    return true;
  }

  /** Open connections of an address now. */
  of(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }
}
