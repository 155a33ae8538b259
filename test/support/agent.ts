import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A small browser for `app.inject`: keeps cookies, finds the CSRF token of the last page, submits
 * forms as application/x-www-form-urlencoded. Requests carry the portal's Host by default.
 */
export class Agent {
  readonly app: FastifyInstance;
  readonly cookies = new Map<string, string>();
  host = 'portail.localhost:3000';
  lastCsrf: string | null = null;
  /** each agent is a different visitor, so per-IP limits apply per agent as they would per person */
  ip = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #absorb(res: LightMyRequestResponse): void {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      // A new session (sign-in, sign-out): the tokens of the pages seen before are bound to the old one,
      // as in a browser, the next form comes from a page of the new session.
      if (c.name.endsWith('ecrin_session')) this.lastCsrf = null;
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const match = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body);
    if (match) this.lastCsrf = match[1]!;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { host: this.host, cookie: this.#cookieHeader(), ...headers } });
    this.#absorb(res);
    return res;
  }

  /** Posts a form; the CSRF token of the last page seen is added unless `_csrf` is given (or null to omit). */
  async post(url: string, fields: Record<string, string | null>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    if (this.lastCsrf === null && fields._csrf === undefined) await this.get('/');
    const body = new URLSearchParams();
    const withToken = fields._csrf === undefined ? { _csrf: this.lastCsrf, ...fields } : fields;
    for (const [k, v] of Object.entries(withToken)) if (v !== null && v !== undefined) body.set(k, v);
    const res = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      headers: { host: this.host, cookie: this.#cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: body.toString(),
    });
    this.#absorb(res);
    return res;
  }
}

/** The first link to the portal found in a text. */
export function linkIn(text: string, path: string): string {
  const re = new RegExp(`https?://[^\\s"<>]+${path.replace(/[/?]/g, (c) => '\\' + c)}\\?jeton=[A-Za-z0-9_-]{43}(?:&[^\\s"<>]*)?`);
  const m = re.exec(text);
  if (!m) throw new Error(`no link to ${path} in:\n${text}`);
  return m[0];
}

export function pathOf(link: string): string {
  const u = new URL(link);
  return u.pathname + u.search;
}
