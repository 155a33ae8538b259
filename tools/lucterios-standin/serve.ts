/**
 * STAND-IN for `gunicorn lucterios.framework.wsgi` serving one Diacamma instance
 * (tests and demo only; this is not Diacamma).
 *
 *   serve [lucterios.framework.wsgi] --bind 127.0.0.1:PORT [--chdir INSTANCE_PATH] [-w N] [--timeout N] …
 *   env DJANGO_SETTINGS_MODULE=NAME.settings (or `-e DJANGO_SETTINGS_MODULE=NAME.settings`)
 *
 * A tiny French web app over the instance's db.json: sign-in, members, files. See README.md.
 * Exit codes: 0 after SIGTERM/SIGINT; 1 cannot start; 2 bad usage; 3 simulated (LUCTERIOS_STANDIN_FAIL=serve).
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import {
  CONNECTION_MODES,
  DUMMY_HASH,
  JsonFileCache,
  NAME_RE,
  STANDIN_BANNER,
  StandinError,
  instancePaths,
  nextId,
  nowIso,
  randomToken,
  readSettings,
  sessionAuthHash,
  verifyPassword,
  writeDatabase,
  writeFileAtomic,
  type Database,
  type InstanceSettings,
  type Sessions,
  type User,
} from './common.ts';

const SESSION_AGE_S = 1_209_600; // Django's SESSION_COOKIE_AGE (two weeks)
const CSRF_AGE_S = 31_449_600; // Django's CSRF_COOKIE_AGE (one year)
const FORM_LIMIT = 1024 * 1024;
const UPLOAD_LIMIT = Number(process.env.LUCTERIOS_STANDIN_MAX_UPLOAD ?? 256 * 1024 * 1024);
const BLOB_LIMIT = 16 * 1024 ** 3;

const USAGE = `usage: serve [APP_MODULE] --bind HOST:PORT [--chdir DIR] [-w N] [--timeout N] [--pid FILE] [-e KEY=VALUE]
  Stand-in of gunicorn serving a Diacamma instance, for tests and the demo (not Diacamma).
  The instance is NAME from DJANGO_SETTINGS_MODULE=NAME.settings, under the working directory (or --chdir).`;

interface ServeOptions {
  bind: string;
  chdir: string | undefined;
  pidFile: string | undefined;
  env: Record<string, string>;
  gracefulTimeoutS: number;
  /** `-w N`: at most N requests at once, each holding its worker from its headers to the end of its answer (a sync worker) */
  workers: number | undefined;
}

class UsageError extends Error {}

/** gunicorn-like flags; the ones that only matter to gunicorn's worker model are accepted and ignored. */
export function parseServeArgs(argv: string[]): ServeOptions {
  const opts: ServeOptions = { bind: '127.0.0.1:8000', chdir: undefined, pidFile: undefined, env: {}, gracefulTimeoutS: 10, workers: undefined };
  const withValue = new Map<string, (v: string) => void>([
    ['-b', (v) => (opts.bind = v)],
    ['--bind', (v) => (opts.bind = v)],
    ['--chdir', (v) => (opts.chdir = v)],
    ['-p', (v) => (opts.pidFile = v)],
    ['--pid', (v) => (opts.pidFile = v)],
    [
      '-e',
      (v) => {
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError(`-e expects KEY=VALUE, got '${v}'`);
        opts.env[v.slice(0, eq)] = v.slice(eq + 1);
      },
    ],
    [
      '--graceful-timeout',
      (v) => {
        opts.gracefulTimeoutS = Number(v);
        if (!Number.isFinite(opts.gracefulTimeoutS) || opts.gracefulTimeoutS < 0) throw new UsageError('--graceful-timeout expects seconds');
      },
    ],
  ]);
  withValue.set('--env', withValue.get('-e')!);
  const workers = (v: string) => {
    opts.workers = Number(v);
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new UsageError('-w expects a number of workers');
  };
  withValue.set('-w', workers);
  withValue.set('--workers', workers);
  // Accepted for compatibility with gunicorn command lines, without effect here.
  for (const ignored of ['-t', '--timeout', '--access-logfile', '--error-logfile', '--log-level', '--forwarded-allow-ips', '-n', '--name', '--keep-alive', '--worker-class', '-k', '--threads']) {
    withValue.set(ignored, () => {});
  }
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') throw new UsageError('');
    let key = arg;
    let value: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) {
      key = arg.slice(0, arg.indexOf('='));
      value = arg.slice(arg.indexOf('=') + 1);
    } else if (/^-[a-zA-Z]./.test(arg)) {
      key = arg.slice(0, 2);
      value = arg.slice(2);
    }
    if (key.startsWith('-')) {
      const set = withValue.get(key);
      if (!set) throw new UsageError(`unrecognized arguments: ${arg}`);
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`argument ${key}: expected one argument`);
        value = argv[++i]!;
      }
      set(value);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 1) throw new UsageError(`unrecognized arguments: ${positional.slice(1).join(' ')}`);
  return opts;
}

function parseBind(bind: string): { host: string; port: number } | { path: string } {
  if (bind.startsWith('unix:')) return { path: bind.slice(5) };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d+)$/.exec(bind);
  if (!m) throw new UsageError(`invalid --bind '${bind}' (HOST:PORT or unix:PATH)`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`invalid port in --bind '${bind}'`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

// ---------------------------------------------------------------------------------------------
// Django-like host validation

/** Django's split_domain_port: lower-cased domain without trailing dot, or null when the Host is malformed. */
export function splitHost(host: string): { domain: string; port: string } | null {
  const h = host.toLowerCase();
  const m = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/.exec(h);
  if (!m) return null;
  let domain = m[1]!;
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  return { domain, port: m[2] ? m[2].slice(1) : '' };
}

/** Django's validate_host: exact names, `.example.org` for a domain and its subdomains, `*` for any. */
export function hostAllowed(domain: string, allowed: string[]): boolean {
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return domain === p.slice(1) || domain.endsWith(p);
    return domain === p;
  });
}

// ---------------------------------------------------------------------------------------------
// HTML

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} o`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1).replace('.', ',')} Kio`;
  return `${(n / 1024 / 1024).toFixed(1).replace('.', ',')} Mio`;
}

const CSS = `body{font-family:sans-serif;margin:0;color:#222}
.banner{background:#ffe9a8;border-bottom:2px solid #c9a227;padding:.5em 1em;font-weight:bold}
header{display:flex;gap:1em;align-items:center;padding:.5em 1em;background:#23415a;color:#fff}
header a{color:#fff}main{padding:1em;max-width:60em}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}
.error{color:#a00;font-weight:bold}form.inline{display:inline}label{display:block;margin:.3em 0}`;

// ---------------------------------------------------------------------------------------------

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  path: string;
  scheme: string;
  host: string;
  cookies: Record<string, string>;
  user: User | null;
  sessionKey: string | null;
  csrf: string;
  setCookies: string[];
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    if (!(k in out)) out[k] = part.slice(eq + 1).trim();
  }
  return out;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new HttpError(413, 'Requête trop volumineuse');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'Requête trop volumineuse');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Keeps a local path for `next` (no scheme, no `//host`), else `/`. */
function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next;
}

/** A file name from an upload, reduced to a safe single path segment; null when nothing usable is left. */
export function safeFileName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (clean === '' || clean.startsWith('.') || Buffer.byteLength(clean) > 200) return null;
  return clean;
}

function listFiles(dir: string): { name: string; size: number }[] {
  const out: { name: string; size: number }[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push({ name: relative(dir, p).split(sep).join('/'), size: statSync(p).size });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export class InstanceApp {
  readonly settings: InstanceSettings;
  readonly paths: ReturnType<typeof instancePaths>;
  private readonly db: JsonFileCache<Database>;
  private readonly sessions: JsonFileCache<Sessions>;
  private readonly allowedHosts: string[] | null;
  private readonly forwarded: boolean;

  constructor(instanceRoot: string, name: string) {
    this.paths = instancePaths(instanceRoot, name);
    if (!existsSync(this.paths.settings)) throw new StandinError(`No instance '${name}' in ${instanceRoot} (${this.paths.settings} missing)`);
    this.settings = readSettings(this.paths.settings);
    if (!existsSync(this.paths.db)) throw new StandinError(`Instance '${name}' has no database (${this.paths.db})`);
    this.db = new JsonFileCache<Database>(this.paths.db);
    this.sessions = new JsonFileCache<Sessions>(this.paths.sessions);
    const ah = this.settings.extra.ALLOWED_HOSTS;
    if (Array.isArray(ah)) this.allowedHosts = ah.map(String).filter((h) => h !== '');
    else if (typeof ah === 'string' && ah !== '') this.allowedHosts = ah.split(/[;\s]+/).filter((h) => h !== '');
    else this.allowedHosts = null;
    if (this.allowedHosts !== null && this.allowedHosts.length === 0) this.allowedHosts = null;
    this.forwarded = this.settings.extra.USE_X_FORWARDED_HOST === true || this.settings.extra.SECURE_PROXY_SSL_HEADER !== undefined;
    mkdirSync(this.paths.usr, { recursive: true });
  }

  private readDb(): Database {
    return this.db.read(() => {
      throw new StandinError('database missing');
    });
  }

  private readSessions(): Sessions {
    return this.sessions.read(() => ({}));
  }

  private writeSessions(update: (s: Sessions) => void): void {
    const now = Date.now();
    const current: Sessions = {};
    for (const [k, v] of Object.entries(this.readSessions())) if (v.expires > now) current[k] = v;
    update(current);
    this.sessions.write(current);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    // Host, as Django's request.get_host() reads it.
    const rawHost = (this.forwarded && typeof req.headers['x-forwarded-host'] === 'string' ? req.headers['x-forwarded-host'] : req.headers.host) ?? '';
    const split = splitHost(rawHost);
    if (!split || (this.allowedHosts !== null && !hostAllowed(split.domain, this.allowedHosts))) {
      this.send(res, 400, 'text/html; charset=utf-8', '<h1>Bad Request (400)</h1>');
      return;
    }
    let scheme = 'http';
    const xfp = req.headers['x-forwarded-proto'];
    if (this.forwarded && typeof xfp === 'string') scheme = xfp.split(',')[0]!.trim().toLowerCase() === 'https' ? 'https' : 'http';
    const url = new URL(req.url ?? '/', `${scheme}://${rawHost.toLowerCase()}`);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      this.send(res, 400, 'text/plain; charset=utf-8', 'Bad Request (400)');
      return;
    }
    const method = req.method ?? 'GET';

    // Routes open to everyone (not part of Diacamma: for ecrin's health checks and throughput tests).
    if (path === '/health' && (method === 'GET' || method === 'HEAD')) {
      this.send(res, 200, 'text/plain; charset=utf-8', 'ok');
      return;
    }
    if (path === '/blob' && (method === 'GET' || method === 'HEAD')) {
      await this.blob(res, url, method === 'HEAD');
      return;
    }

    const cookies = parseCookies(req.headers.cookie);
    const ctx: Ctx = { req, res, url, path, scheme, host: rawHost.toLowerCase(), cookies, user: null, sessionKey: null, csrf: '', setCookies: [] };
    ctx.csrf = /^[a-zA-Z0-9]{32,64}$/.test(cookies.csrftoken ?? '') ? cookies.csrftoken! : '';
    this.loadUser(ctx);
    try {
      await this.route(ctx, method);
    } catch (err) {
      if (err instanceof HttpError) this.page(ctx, err.status, 'Erreur', `<p class="error">${esc(err.message)}</p>`);
      else throw err;
    }
  }

  private loadUser(ctx: Ctx): void {
    const key = ctx.cookies.sessionid;
    if (!key || !/^[a-z0-9]{32}$/.test(key)) return;
    const session = this.readSessions()[key];
    if (!session || session.expires <= Date.now() || session.user_id === null) return;
    const user = this.readDb().users.find((u) => u.id === session.user_id);
    if (!user || !user.is_active) return;
    if (session.auth_hash !== sessionAuthHash(this.settings.secretKey, user.password)) return;
    ctx.user = user;
    ctx.sessionKey = key;
  }

  private mode(): number {
    return this.readDb().parameters.connection_mode;
  }

  private canRead(ctx: Ctx): boolean {
    return ctx.user !== null || this.mode() !== 0;
  }

  private canWrite(ctx: Ctx): boolean {
    return ctx.user !== null || this.mode() === 2;
  }

  private async route(ctx: Ctx, method: string): Promise<void> {
    const { path } = ctx;
    const get = method === 'GET' || method === 'HEAD';
    if (path === '/login') {
      if (get) return this.loginPage(ctx, 200, '');
      if (method === 'POST') return this.login(ctx);
      return this.notAllowed(ctx, 'GET, POST');
    }
    if (path === '/logout') {
      if (get || method === 'POST') return this.logout(ctx);
      return this.notAllowed(ctx, 'GET, POST');
    }
    const known = path === '/' || path === '/members' || path === '/files' || path === '/upload' || /^\/members\/\d+\/delete$/.test(path) || path.startsWith('/download/');
    if (!known) return this.page(ctx, 404, 'Page introuvable', '<p>Page introuvable.</p>');
    if (!this.canRead(ctx)) {
      if (get) return this.redirect(ctx, `/login?next=${encodeURIComponent(path + ctx.url.search)}`);
      throw new HttpError(403, 'Connexion nécessaire.');
    }
    if (!get) {
      if (method !== 'POST') return this.notAllowed(ctx, 'GET, POST');
      if (!this.canWrite(ctx)) throw new HttpError(403, 'Connexion nécessaire pour modifier.');
    }
    if (path === '/') return get ? this.home(ctx) : this.notAllowed(ctx, 'GET');
    if (path === '/members') return get ? this.membersPage(ctx, 200, '') : this.addMember(ctx);
    const del = /^\/members\/(\d+)\/delete$/.exec(path);
    if (del) return get ? this.notAllowed(ctx, 'POST') : this.deleteMember(ctx, Number(del[1]));
    if (path === '/files') return get ? this.filesPage(ctx, 200, '') : this.notAllowed(ctx, 'GET');
    if (path === '/upload') return get ? this.filesPage(ctx, 200, '') : this.upload(ctx);
    if (path.startsWith('/download/')) return get ? this.download(ctx, path.slice('/download/'.length), method === 'HEAD') : this.notAllowed(ctx, 'GET');
  }

  // --- responses -------------------------------------------------------------------------------

  private send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string | string[]> = {}): void {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(buf.length), 'Cache-Control': 'no-store', ...extra });
    res.end(res.req?.method === 'HEAD' ? undefined : buf);
  }

  private cookieHeaders(ctx: Ctx): string[] {
    const out = [...ctx.setCookies];
    if (!ctx.csrf) {
      ctx.csrf = randomToken(32);
      out.push(this.cookie(ctx, 'csrftoken', ctx.csrf, CSRF_AGE_S, false));
    }
    return out;
  }

  private cookie(ctx: Ctx, name: string, value: string, maxAge: number, httpOnly: boolean): string {
    return `${name}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax${httpOnly ? '; HttpOnly' : ''}${ctx.scheme === 'https' ? '; Secure' : ''}`;
  }

  private absolute(ctx: Ctx, location: string): string {
    return `${ctx.scheme}://${ctx.host}${location}`;
  }

  private redirect(ctx: Ctx, location: string, status = 302): void {
    const cookies = this.cookieHeaders(ctx);
    ctx.res.writeHead(status, { Location: this.absolute(ctx, location), 'Cache-Control': 'no-store', 'Content-Length': '0', ...(cookies.length ? { 'Set-Cookie': cookies } : {}) });
    ctx.res.end();
  }

  private notAllowed(ctx: Ctx, allow: string): void {
    ctx.res.setHeader('Allow', allow);
    this.page(ctx, 405, 'Méthode non autorisée', '<p>Méthode non autorisée.</p>');
  }

  private page(ctx: Ctx, status: number, title: string, body: string): void {
    const cookies = this.cookieHeaders(ctx);
    const name = esc(this.settings.name);
    const who = ctx.user
      ? `<span>${esc(ctx.user.username)}</span> <a href="/logout">Déconnexion</a>`
      : '<a href="/login">Connexion</a>';
    const html = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — ${name}</title><style>${CSS}</style></head>
<body><div class="banner" role="note">${esc(STANDIN_BANNER)}</div>
<header><strong>${name}</strong><nav><a href="/">Accueil</a> <a href="/members">Membres</a> <a href="/files">Fichiers</a></nav><span>${who}</span></header>
<main><h1>${esc(title)}</h1>
${body}
</main></body></html>
`;
    this.send(ctx.res, status, 'text/html; charset=utf-8', html, {
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      ...(cookies.length ? { 'Set-Cookie': cookies } : {}),
    });
  }

  private csrfField(ctx: Ctx): string {
    if (!ctx.csrf) {
      ctx.csrf = randomToken(32);
      ctx.setCookies.push(this.cookie(ctx, 'csrftoken', ctx.csrf, CSRF_AGE_S, false));
    }
    return `<input type="hidden" name="csrfmiddlewaretoken" value="${ctx.csrf}">`;
  }

  /** Django's double-submit check: the form field (or X-CSRFToken header) must match the csrftoken cookie. */
  private checkCsrf(ctx: Ctx, formToken: string | null): void {
    const header = ctx.req.headers['x-csrftoken'];
    const token = formToken ?? (typeof header === 'string' ? header : '');
    if (!ctx.csrf || !sameToken(token, ctx.csrf)) throw new HttpError(403, 'Échec de la vérification CSRF. Rechargez la page et recommencez.');
  }

  private async readForm(ctx: Ctx): Promise<URLSearchParams> {
    const type = ctx.req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpError(415, 'Formulaire attendu.');
    const form = new URLSearchParams((await readBody(ctx.req, FORM_LIMIT)).toString('utf8'));
    this.checkCsrf(ctx, form.get('csrfmiddlewaretoken'));
    return form;
  }

  // --- pages ---------------------------------------------------------------------------------

  private loginPage(ctx: Ctx, status: number, error: string): void {
    const next = safeNext(ctx.url.searchParams.get('next'));
    this.page(
      ctx,
      status,
      'Connexion',
      `${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/login?next=${esc(encodeURIComponent(next))}">${this.csrfField(ctx)}
<label>Identifiant <input name="username" autocomplete="username" required></label>
<label>Mot de passe <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Connexion</button></form>
<p>Mode de connexion : ${esc(CONNECTION_MODES[this.mode()] ?? '?')}</p>`,
    );
  }

  private async login(ctx: Ctx): Promise<void> {
    const form = await this.readForm(ctx);
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const db = this.readDb();
    const user = db.users.find((u) => u.username === username);
    const ok = await verifyPassword(password, user ? user.password : DUMMY_HASH);
    if (!user || !ok || !user.is_active) {
      return this.loginPage(ctx, 200, 'Identifiant ou mot de passe incorrect.');
    }
    // New session key and new CSRF token on sign-in, as Django does.
    const key = randomToken(32);
    const old = ctx.sessionKey;
    this.writeSessions((s) => {
      if (old) delete s[old];
      s[key] = { user_id: user.id, auth_hash: sessionAuthHash(this.settings.secretKey, user.password), expires: Date.now() + SESSION_AGE_S * 1000 };
    });
    const fresh = this.readDb();
    const u = fresh.users.find((x) => x.id === user.id);
    if (u) {
      u.last_login = nowIso();
      writeDatabase(this.paths.db, fresh);
    }
    ctx.setCookies.push(this.cookie(ctx, 'sessionid', key, SESSION_AGE_S, true));
    ctx.csrf = randomToken(32);
    ctx.setCookies.push(this.cookie(ctx, 'csrftoken', ctx.csrf, CSRF_AGE_S, false));
    this.redirect(ctx, safeNext(ctx.url.searchParams.get('next') ?? form.get('next')));
  }

  private logout(ctx: Ctx): void {
    const key = ctx.cookies.sessionid;
    if (key && key in this.readSessions()) this.writeSessions((s) => delete s[key]);
    ctx.setCookies.push(`sessionid=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly${ctx.scheme === 'https' ? '; Secure' : ''}`);
    ctx.user = null;
    this.redirect(ctx, '/login');
  }

  private home(ctx: Ctx): void {
    const db = this.readDb();
    const files = listFiles(this.paths.usr);
    this.page(
      ctx,
      200,
      'Accueil',
      `<p>Instance <strong>${esc(this.settings.name)}</strong> (${esc(this.settings.appli)}).</p>
<ul><li><a href="/members">Membres</a> : ${db.members.length}</li><li><a href="/files">Fichiers</a> : ${files.length}</li></ul>
<p>Mode de connexion : ${esc(CONNECTION_MODES[db.parameters.connection_mode] ?? '?')}</p>`,
    );
  }

  private membersPage(ctx: Ctx, status: number, error: string): void {
    const db = this.readDb();
    const write = this.canWrite(ctx);
    const rows = db.members
      .map(
        (m) =>
          `<tr><td>${esc(m.first_name)}</td><td>${esc(m.last_name)}</td><td>${esc(m.email)}</td>${
            write ? `<td><form class="inline" method="post" action="/members/${m.id}/delete">${this.csrfField(ctx)}<button type="submit">Supprimer</button></form></td>` : ''
          }</tr>`,
      )
      .join('\n');
    const form = write
      ? `<h2>Ajouter</h2><form method="post" action="/members">${this.csrfField(ctx)}
<label>Prénom <input name="first_name" required maxlength="100"></label>
<label>Nom <input name="last_name" required maxlength="100"></label>
<label>Courriel <input name="email" type="email" maxlength="254"></label>
<button type="submit">Ajouter</button></form>`
      : '<p>Connectez-vous pour modifier la liste.</p>';
    this.page(
      ctx,
      status,
      'Membres',
      `${error ? `<p class="error">${esc(error)}</p>` : ''}
<p>${db.members.length} membre(s).</p>
<table><thead><tr><th>Prénom</th><th>Nom</th><th>Courriel</th>${write ? '<th></th>' : ''}</tr></thead><tbody>
${rows}
</tbody></table>
${form}`,
    );
  }

  private async addMember(ctx: Ctx): Promise<void> {
    const form = await this.readForm(ctx);
    const first = (form.get('first_name') ?? '').trim();
    const last = (form.get('last_name') ?? '').trim();
    const email = (form.get('email') ?? '').trim();
    let error = '';
    if (first === '' || last === '') error = 'Le prénom et le nom sont obligatoires.';
    else if (first.length > 100 || last.length > 100) error = 'Prénom ou nom trop long.';
    else if (email !== '' && (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) error = 'Adresse de courriel invalide.';
    if (error) return this.membersPage(ctx, 400, error);
    const db = this.readDb();
    db.members.push({ id: nextId(db.members), first_name: first, last_name: last, email });
    writeDatabase(this.paths.db, db);
    this.redirect(ctx, '/members', 303);
  }

  private async deleteMember(ctx: Ctx, id: number): Promise<void> {
    await this.readForm(ctx);
    const db = this.readDb();
    const before = db.members.length;
    db.members = db.members.filter((m) => m.id !== id);
    if (db.members.length === before) throw new HttpError(404, 'Membre introuvable.');
    writeDatabase(this.paths.db, db);
    this.redirect(ctx, '/members', 303);
  }

  private filesPage(ctx: Ctx, status: number, error: string): void {
    const files = listFiles(this.paths.usr);
    const rows = files
      .map((f) => `<tr><td><a href="/download/${f.name.split('/').map(encodeURIComponent).join('/')}">${esc(f.name)}</a></td><td data-bytes="${f.size}">${formatSize(f.size)}</td></tr>`)
      .join('\n');
    const form = this.canWrite(ctx)
      ? `<h2>Ajouter</h2><form method="post" action="/upload" enctype="multipart/form-data">${this.csrfField(ctx)}
<label>Fichier <input type="file" name="file" required></label><button type="submit">Ajouter</button></form>`
      : '';
    this.page(
      ctx,
      status,
      'Fichiers',
      `${error ? `<p class="error">${esc(error)}</p>` : ''}
<table><thead><tr><th>Nom</th><th>Taille</th></tr></thead><tbody>
${rows}
</tbody></table>
${form}`,
    );
  }

  private async upload(ctx: Ctx): Promise<void> {
    const type = ctx.req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) throw new HttpError(415, 'Formulaire multipart attendu.');
    const body = await readBody(ctx.req, UPLOAD_LIMIT);
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': type } }).formData();
    } catch {
      throw new HttpError(400, 'Formulaire illisible.');
    }
    const token = form.get('csrfmiddlewaretoken');
    this.checkCsrf(ctx, typeof token === 'string' ? token : null);
    const files = form.getAll('file').filter((f): f is File => typeof f !== 'string');
    if (files.length === 0) return this.filesPage(ctx, 400, 'Aucun fichier envoyé.');
    for (const f of files) {
      const name = safeFileName(f.name);
      if (!name) return this.filesPage(ctx, 400, 'Nom de fichier invalide.');
      writeFileAtomic(join(this.paths.usr, name), new Uint8Array(await f.arrayBuffer()), 0o644);
    }
    this.redirect(ctx, '/files', 303);
  }

  private download(ctx: Ctx, rel: string, head: boolean): void {
    const root = resolve(this.paths.usr);
    const target = resolve(root, rel);
    const segments = rel.split('/');
    if (rel === '' || !target.startsWith(root + sep) || segments.some((s) => s === '' || s.startsWith('.'))) {
      return this.page(ctx, 404, 'Fichier introuvable', '<p>Fichier introuvable.</p>');
    }
    let size: number;
    try {
      const st = statSync(target);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      return this.page(ctx, 404, 'Fichier introuvable', '<p>Fichier introuvable.</p>');
    }
    const fileName = segments[segments.length - 1]!;
    ctx.res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      'Cache-Control': 'private, no-store',
    });
    if (head) {
      ctx.res.end();
      return;
    }
    const stream = createReadStream(target);
    stream.on('error', () => ctx.res.destroy());
    stream.pipe(ctx.res);
  }

  /** N bytes where byte i is i mod 256 (deterministic, so that a client can check what it got). */
  private async blob(res: ServerResponse, url: URL, head: boolean): Promise<void> {
    const raw = url.searchParams.get('size') ?? '';
    if (!/^\d{1,12}$/.test(raw) || Number(raw) > BLOB_LIMIT) {
      this.send(res, 400, 'text/plain; charset=utf-8', `size must be an integer from 0 to ${BLOB_LIMIT}`);
      return;
    }
    const size = Number(raw);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size), 'Cache-Control': 'no-store' });
    if (head) {
      res.end();
      return;
    }
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = i & 0xff;
    let left = size;
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        await new Promise<void>((r) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            r();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end();
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * gunicorn's sync workers (`-w N`): a request holds a worker from the moment it is taken to the end
 * of its answer — reading a slow request body included — and the others wait their turn. Without
 * `-w`, the stand-in serves requests concurrently (a difference from gunicorn, whose default is 1).
 */
class WorkerGate {
  readonly #workers: number;
  #busy = 0;
  readonly #queue: { res: ServerResponse; handle: (done: () => void) => void }[] = [];

  constructor(workers: number) {
    this.#workers = workers;
  }

  run(res: ServerResponse, handle: (done: () => void) => void): void {
    this.#queue.push({ res, handle });
    this.#next();
  }

  #next(): void {
    while (this.#busy < this.#workers && this.#queue.length > 0) {
      const { res, handle } = this.#queue.shift()!;
      if (res.destroyed) continue; // its client left while it waited
      this.#busy++;
      let released = false;
      handle(() => {
        if (released) return;
        released = true;
        this.#busy--;
        this.#next();
      });
    }
  }
}

/**
 * Faults on demand, for ecrin's tests of its supervision (LUCTERIOS_STANDIN_FAULTS=1 only; not
 * Diacamma URLs): `GET /hang` answers, then the server stops answering anything (a stuck worker);
 * `GET /hog?mb=N` allocates and keeps N MiB of memory (past its memory limit the process dies, as a
 * Python worker would be killed).
 */
class Faults {
  hung = false;
  readonly #kept: number[][] = [];

  handle(req: IncomingMessage, res: ServerResponse, path: string | undefined): boolean {
    if (path === '/hang' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('hanging from now on\n');
      this.hung = true;
      return true;
    }
    if (path === '/hog' && req.method === 'GET') {
      const mb = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('mb') ?? '0');
      if (!Number.isInteger(mb) || mb < 0 || mb > 1_000_000) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('mb must be a whole number\n');
        return true;
      }
      // On the JavaScript heap: 1 MiB is an array of 131,072 unboxed doubles, kept for good.
      for (let i = 0; i < mb; i++) this.#kept.push(new Array<number>(131_072).fill(i + 0.5));
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`allocated ${mb} MiB, resident ${Math.round(process.memoryUsage().rss / 1048576)} MiB\n`);
      return true;
    }
    return false;
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export async function main(argv: string[]): Promise<number> {
  let opts: ServeOptions;
  let bind: ReturnType<typeof parseBind>;
  try {
    opts = parseServeArgs(argv);
    bind = parseBind(opts.bind);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${USAGE}\n${err.message ? `serve: error: ${err.message}\n` : ''}`);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  const env = { ...process.env, ...opts.env };
  if ((env.LUCTERIOS_STANDIN_FAIL ?? '').split(',').map((s) => s.trim()).some((v) => v === 'serve' || v === '*')) {
    process.stderr.write('serve: error: simulated failure\n');
    return 3;
  }
  let app: InstanceApp;
  try {
    if (opts.chdir) process.chdir(opts.chdir);
    const module = env.DJANGO_SETTINGS_MODULE ?? '';
    const m = /^([^.]+)\.settings$/.exec(module);
    if (!m || !NAME_RE.test(m[1]!)) throw new StandinError(`DJANGO_SETTINGS_MODULE must be NAME.settings (got '${module}')`);
    app = new InstanceApp(process.cwd(), m[1]!);
  } catch (err) {
    process.stderr.write(`serve: error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  const faults = env.LUCTERIOS_STANDIN_FAULTS === '1' ? new Faults() : null;
  const gate = opts.workers !== undefined ? new WorkerGate(opts.workers) : null;
  const server: Server = createServer((req, res) => {
    const handle = (done: () => void) => {
      const started = performance.now();
      const path = (req.url ?? '/').split('?')[0];
      res.on('close', () => {
        log(`[${new Date().toISOString()}] ${req.method} ${path} ${res.headersSent ? res.statusCode : 499} ${(performance.now() - started).toFixed(1)}ms`);
        done();
      });
      if (faults?.handle(req, res, path)) return;
      app.handle(req, res).catch((err: unknown) => {
        process.stderr.write(`serve: error on ${req.method} ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('Server Error (500)');
        } else res.destroy();
      });
    };
    // A hung server takes connections and answers nothing (its worker is stuck).
    if (faults?.hung) return;
    if (gate) gate.run(res, handle);
    else handle(() => {});
  });
  server.keepAliveTimeout = 5000;
  // `GET /echo` with `Upgrade: websocket`: answers 101 and echoes the bytes it gets. Not a WebSocket
  // implementation (no frames): enough for a front door's tests to see an upgrade pass through.
  server.on('upgrade', (req, socket) => {
    if ((req.url ?? '').split('?')[0] !== '/echo' || String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      if ('path' in bind) server.listen(bind.path, resolveListen);
      else server.listen(bind.port, bind.host, resolveListen);
    });
  } catch (err) {
    process.stderr.write(`serve: error: cannot listen on ${opts.bind}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const address = server.address();
  const shown = typeof address === 'string' || address === null ? `unix:${address}` : `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log(`[${new Date().toISOString()}] [${process.pid}] [INFO] Stand-in of Diacamma (not Diacamma): instance ${app.settings.name}`);
  log(`[${new Date().toISOString()}] [${process.pid}] [INFO] Listening at: ${shown} (${process.pid})`);
  const pidFile = opts.pidFile ? resolve(opts.pidFile) : undefined;
  if (pidFile) writeFileSync(pidFile, `${process.pid}\n`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`[${new Date().toISOString()}] [${process.pid}] [INFO] Handling signal: ${signal.toLowerCase().replace(/^sig/, '')}`);
      const timer = setTimeout(() => server.closeAllConnections(), opts.gracefulTimeoutS * 1000);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        if (pidFile) rmSync(pidFile, { force: true });
        log(`[${new Date().toISOString()}] [${process.pid}] [INFO] Shutting down`);
        resolveExit(0);
      });
      server.closeIdleConnections();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

// `import.meta.main` needs Node 24.2+; the fallback keeps older Node (via the wrapper's `node`) working.
if ((import.meta as { main?: boolean }).main ?? (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename)) {
  process.exitCode = await main(process.argv.slice(2));
}
