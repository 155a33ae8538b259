import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * The portal's cookies. Under https their names carry the `__Host-` prefix: a browser then accepts
 * them only from the portal's own host, Secure, for the whole site and without a Domain attribute —
 * so a page on an instance (NAME.<domain>, same-site with the portal) cannot set ("toss") a cookie
 * of that name for the portal. Under plain http (the embedded default on localhost) the prefix
 * cannot be used: browsers require Secure for it.
 */
export interface CookieNames {
  session: string;
  csrf: string;
  lang: string;
}

export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}ecrin_session`, csrf: `${prefix}ecrin_csrf`, lang: `${prefix}lang` };
}

/** Every cookie of the portal: host-only (no Domain), the whole site, HttpOnly, Lax, Secure under https. */
export function cookieOptions(secure: boolean, extra: CookieSerializeOptions = {}): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure, ...extra };
}
