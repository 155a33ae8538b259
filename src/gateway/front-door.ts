import { isIP } from 'node:net';

export type HostKind =
  | { kind: 'portal' }
  | { kind: 'instance'; name: string }
  | { kind: 'unknown' };

/**
 * The front door routes by Host: `portail.<domain>` and `<domain>` are the portal; a single label
 * under the instances' domain (the same domain unless INSTANCE_DOMAIN sets another) is an instance;
 * anything else is not ours. A bare IP address reaches the portal, so a health check or a first
 * visit by address works.
 */
export function classifyHost(hostHeader: string | undefined, publicDomain: string, instanceDomain: string = publicDomain): HostKind {
  if (!hostHeader) return { kind: 'unknown' };
  let host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end > 0 ? host.slice(1, end) : host;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && host.indexOf(':') === colon) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (isIP(host)) return { kind: 'portal' };
  if (host === publicDomain || host === `portail.${publicDomain}`) return { kind: 'portal' };
  if (host.endsWith(`.${instanceDomain}`)) {
    const label = host.slice(0, -(instanceDomain.length + 1));
    if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) return { kind: 'instance', name: label };
  }
  return { kind: 'unknown' };
}
