import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** A base no request can name: a path that keeps it after parsing stays on this site. */
const BASE = new URL('https://portal.invalid/');

/**
 * A path of this site, as a browser would read it, or null. The value is parsed the way browsers
 * parse a Location header (WHATWG URL: tabs and line breaks dropped, backslashes read as slashes,
 * `//host` a host), and kept only if it still points here; what is returned is the parsed path and
 * query, re-serialised — never the raw text, so `/%09/evil.example/` or a CR/LF cannot leave the
 * site or split a header.
 */
export function samePortalPath(value: unknown, max = 2000): string | null {
  if (typeof value !== 'string' || value.length > max || !value.startsWith('/')) return null;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE.origin) return null;
  return url.pathname + url.search;
}

/** A return address after sign-in: a path of this site only (no open redirect). */
export function safeReturnPath(value: unknown): string | null {
  return samePortalPath(value, 500);
}

/** preHandler: a signed-in person, else the sign-in page, coming back here afterwards. */
export async function requireSignedIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.currentUser) return;
  if (request.method === 'GET' || request.method === 'HEAD') {
    return reply.redirect(`/connexion?retour=${encodeURIComponent(request.url)}`, 303);
  }
  throw new AppError('sign_in_required');
}

/** preHandler: the operator only; a customer gets a 403, a visitor the sign-in page. */
export async function requireOperator(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.currentUser) return requireSignedIn(request, reply);
  if (request.currentUser.role !== 'operator') throw new AppError('forbidden');
}

/** Who is asking: the client address as decided once for the whole port (TRUST_PROXY), and the user agent. */
export function clientMeta(request: FastifyRequest): { ip: string | null; userAgent: string | null } {
  const ua = request.headers['user-agent'];
  return { ip: request.clientIp || null, userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null };
}
