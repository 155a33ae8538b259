import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorStatus, type ErrorCode } from '../../errors/app-error.ts';
import type { SettingsService } from '../../modules/settings/settings.service.ts';
import { parseLocale, type Locale } from '../i18n.ts';
import { errorPage } from '../pages.ts';
import { helmetOptions, staticSecurityHeaders } from './headers.ts';

/**
 * The answers Fastify's hooks never see — a malformed URL (FST_ERR_BAD_URL, before routing), a
 * request the HTTP parser refuses (oversized header, bad syntax, too slow), several Host headers —
 * given like every other error: the French (or English) error page, with the security headers of
 * every page, never Fastify's English JSON.
 */
export class FrameworkErrors {
  readonly #headers: Record<string, string>;
  readonly #settings: SettingsService;
  readonly #langCookie: string;
  #siteName = 'ecrin';

  constructor(o: { secure: boolean; formActions?: readonly string[]; settings: SettingsService; cookieName: string }) {
    this.#headers = staticSecurityHeaders(helmetOptions(o.secure, o.formActions));
    this.#settings = o.settings;
    this.#langCookie = o.cookieName;
  }

  /** The trade name shown in the page title (kept from the last read: the socket path cannot wait). */
  async refreshSiteName(): Promise<void> {
    this.#siteName = (await this.#settings.operatorIdentity()).tradeName;
  }

  #page(code: ErrorCode, locale: Locale): string {
    return errorPage({ locale, user: null, csrfToken: '', url: '/', siteName: this.#siteName, nav: [] }, code).value;
  }

  #locale(cookieHeader: string | undefined): Locale {
    const match = cookieHeader ? new RegExp(`(?:^|;\\s*)${this.#langCookie.replace(/[^\w-]/g, '\\$&')}=(\\w+)`).exec(cookieHeader) : null;
    return parseLocale(match?.[1]) ?? 'fr';
  }

  /** fastify's `frameworkErrors`: a URL that cannot be decoded (or a parameter far too long). */
  frameworkError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const code: ErrorCode = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'bad_url' : 'bad_request';
    request.log.info({ code: error.code, url: request.raw.url?.slice(0, 200) }, 'request refused by the router');
    return reply
      .code(errorStatus(code))
      .headers({ ...this.#headers, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .send(this.#page(code, this.#locale(request.headers.cookie)));
  }

  /** fastify's `clientErrorHandler`: the HTTP parser refused the request; answer on the raw socket. */
  clientError(err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'bad_request';
    if (socket.writable) socket.write(this.#raw(code, 'fr'));
    socket.destroy(err);
    void this.refreshSiteName().catch(() => {});
  }

  /** Several Host headers (the parser keeps the first, a proxy may take the last): 400, answered here. */
  refuseSeveralHosts(req: IncomingMessage, res: ServerResponse): boolean {
    const raw = req.rawHeaders;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) break;
    }
    if (hosts <= 1) return false;
    const body = this.#page('several_hosts', this.#locale(req.headers.cookie));
    res.writeHead(errorStatus('several_hosts'), { ...this.#headers, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
    return true;
  }

  #raw(code: ErrorCode, locale: Locale): string {
    const status = errorStatus(code);
    const body = this.#page(code, locale);
    const headers = { ...this.#headers, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
    return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
  }
}
