import { hkdfSync } from 'node:crypto';
import csrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.ts';
import { cookieOptions } from './cookies.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** state-changing route that does its own authenticity check (e.g. signed webhooks) */
    skipCsrf?: boolean;
    /**
     * a streamed upload (multipart, read by the handler after the check): its token rides in the
     * address (`?_csrf=`), the origin check still applies
     */
    csrfInQuery?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  /** https: the secret's cookie is `__Host-` prefixed and Secure */
  secure: boolean;
  scheme: 'http' | 'https';
  cookieName: string;
  /** SECRET_KEY: the tokens' HMAC key is derived from it */
  secretKey: Buffer;
}

/**
 * What a token is bound to: the signed-in session (a token minted for one session is worthless in
 * another — @fastify/csrf-protection's `userInfo`, its fix for CVE-2021-29624), or "anonymous"
 * before sign-in. A new session at sign-in is a new binding: the tokens rotate with it.
 */
export function csrfUserInfo(request: FastifyRequest): string {
  return request.currentUser ? `session:${request.currentUser.sessionId}` : 'anonymous';
}

/** The token for the forms of the page being rendered (its secret cookie is set when missing). */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfUserInfo(request) } as Parameters<FastifyReply['generateCsrf']>[0]);
}

/**
 * Why a state-changing request is refused as coming from another site, or null. Browsers say where
 * a request comes from: `Sec-Fetch-Site` (anything but same-origin — "same-site" is precisely a page
 * on an instance — is refused; "none" is the person's own navigation) and `Origin`, which must be the
 * portal's own origin as this request addresses it ("null", sent by sandboxed or privacy-minded
 * pages, passes only where Sec-Fetch-Site vouches for same-origin). A client that sends neither (not
 * a browser, or a very old one) is judged by its token alone.
 */
export function crossOriginReason(request: FastifyRequest, scheme: 'http' | 'https'): string | null {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `sec-fetch-site:${String(site)}`;
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  if (origin === 'null' && site === 'same-origin') return null;
  if (typeof origin !== 'string' || origin === 'null') return 'origin:null';
  try {
    const own = new URL(`${scheme}://${request.headers.host ?? ''}`).origin;
    return new URL(origin).origin === own ? null : 'origin:other';
  } catch {
    return 'origin:invalid';
  }
}

/**
 * CSRF on every state-changing request: the request must come from the portal's own pages (origin
 * check above) and carry a token bound to its session, whose secret is in an HttpOnly cookie.
 * Routes with `config.skipCsrf` (the PayPal webhook: a signed server-to-server call) are exempt.
 */
export async function registerCsrf(app: FastifyInstance, o: CsrfOptions): Promise<void> {
  const hmacKey = Buffer.from(hkdfSync('sha256', o.secretKey, Buffer.alloc(0), 'ecrin csrf tokens', 32));
  await app.register(csrf, {
    cookieKey: o.cookieName,
    cookieOpts: cookieOptions(o.secure),
    csrfOpts: { userInfo: true, hmacKey },
    getUserInfo: csrfUserInfo,
    getToken: (req: FastifyRequest) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
      const header = req.headers['x-csrf-token'];
      const query = req.routeOptions.config?.csrfInQuery ? (req.query as Record<string, unknown> | undefined)?._csrf : undefined;
      return fromBody ?? (typeof header === 'string' ? header : typeof query === 'string' ? query : undefined);
    },
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config?.skipCsrf) return done();
    const refused = crossOriginReason(request, o.scheme);
    if (refused) {
      request.log.warn({ reason: refused, origin: request.headers.origin, url: request.url }, 'cross-origin request refused');
      return done(new AppError('csrf_invalid', { message: `cross-origin: ${refused}` }));
    }
    app.csrfProtection(request, reply, done);
  });
}

/** At sign-in and sign-out: a fresh secret for the next page (the old tokens already fail: their session is gone). */
export function dropCsrfSecret(reply: FastifyReply, o: Pick<CsrfOptions, 'secure' | 'cookieName'>): void {
  reply.clearCookie(o.cookieName, cookieOptions(o.secure));
}
