import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

/**
 * Which proxies in front of ecrin are believed when they say who the client is (X-Forwarded-For):
 * none (the default: the socket's peer is the client), the listed addresses and ranges, or a number
 * of hops (that many proxies, whatever their address — only when ecrin is reachable through them
 * alone).
 */
export type TrustProxy = { kind: 'none' } | { kind: 'addresses'; list: string[] } | { kind: 'hops'; count: number };

/** The names @fastify/proxy-addr understands besides addresses and CIDR ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as written in the environment: empty (none), a hop count ("1"), or a comma-separated
 * list of addresses, CIDR ranges and the names loopback, linklocal, uniquelocal. `true` is refused:
 * it would believe any client's X-Forwarded-For. Throws with a sentence saying what to write.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false' || value === '0') return { kind: 'none' };
  if (value.toLowerCase() === 'true') {
    throw new Error(
      'TRUST_PROXY=true would believe the X-Forwarded-For of any client (per-address limits bypassed, forged addresses in the audit log). ' +
        'Write the address of the proxy in front of ecrin, e.g. TRUST_PROXY=127.0.0.1 (a proxy on this host) or TRUST_PROXY=10.0.0.0/8, ' +
        'or the number of proxies in front of it, e.g. TRUST_PROXY=1.',
    );
  }
  if (/^\d+$/.test(value)) {
    const count = Number(value);
    if (count > 10) throw new Error(`TRUST_PROXY=${value}: at most 10 proxies in a row; write their addresses instead`);
    return { kind: 'hops', count };
  }
  const list = value.split(',').map((v) => v.trim()).filter(Boolean);
  for (const entry of list) {
    if (NAMED_RANGES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !bitsOk || extra !== undefined) {
      throw new Error(`TRUST_PROXY: "${entry}" is not an address, a CIDR range (e.g. 10.0.0.0/8) or one of loopback, linklocal, uniquelocal`);
    }
  }
  return { kind: 'addresses', list };
}

/** The trust function in proxy-addr's form: is the address at hop `i` (0 = the socket's peer) a proxy we believe? */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  switch (trust.kind) {
    case 'none':
      return () => false;
    case 'hops':
      return (_address, hop) => hop < trust.count;
    case 'addresses':
      return proxyAddr.compile(trust.list);
  }
}

/**
 * The one place that decides a request's client address, for the portal (rate limits, sign-in
 * throttling, the audit log) and the front door (session counting, X-Forwarded-For sent to
 * instances): the socket's peer, unless it is a proxy we trust, then the first address in
 * X-Forwarded-For (from the right) that is not one.
 */
export class ClientAddress {
  readonly trust: (address: string, hop: number) => boolean;
  readonly #believesNobody: boolean;

  constructor(trust: TrustProxy) {
    this.trust = trustFunction(trust);
    this.#believesNobody = trust.kind === 'none';
  }

  of(req: IncomingMessage): string {
    const peer = req.socket?.remoteAddress ?? '';
    if (this.#believesNobody || req.headers['x-forwarded-for'] === undefined) return peer;
    return proxyAddr(req, this.trust);
  }
}
