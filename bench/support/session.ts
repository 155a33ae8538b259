/**
 * A signed-in browser for the benchmarks: an operator created with the CLI before the server
 * starts (PGlite allows one process at a time), then its one-time link followed over HTTP.
 */
import http from 'node:http';
import { ecrinEnv, runNode } from './lib.ts';

export const PASSWORD = 'banc-d-essai-2026!';

/** `ecrin operator create --email bench@example.org`; returns the path (and query) of the one-time link. */
export async function createOperator(env: NodeJS.ProcessEnv, email = 'bench@example.org'): Promise<string> {
  const created = await runNode(['src/main.ts', 'operator', 'create', '--email', email], ecrinEnv(env));
  const link = /https?:\/\/\S+\/mot-de-passe\/definir\?jeton=\S+/.exec(created.stdout)?.[0];
  if (created.code !== 0 || !link) throw new Error(`operator create failed (${created.code}):\n${created.stdout}\n${created.stderr}`);
  const url = new URL(link);
  return url.pathname + url.search;
}

// --- a tiny HTTP client with a cookie jar (node:http lets us set Host) ----------------------------

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, method: string, urlPath: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent: false, timeout: 15_000, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class Jar {
  cookies = new Map<string, string>();
  take(a: Answer) {
    for (const line of a.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';', 1);
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Sets the operator's password through the one-time link; returns the browser's cookies. */
export async function signIn(port: number, linkPath: string): Promise<Jar> {
  const host = `portail.localhost:${port}`;
  const jar = new Jar();
  const page = await request(port, 'GET', linkPath, { host });
  jar.take(page);
  if (page.status !== 200) throw new Error(`GET ${linkPath} → ${page.status}`);
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no csrf-token meta on the set-password page');
  const jeton = new URL(linkPath, 'http://x').searchParams.get('jeton') ?? '';
  const form = new URLSearchParams({ _csrf: csrf, jeton, password: PASSWORD, password_confirm: PASSWORD }).toString();
  const done = await request(port, 'POST', '/mot-de-passe/definir', { host, cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, form);
  jar.take(done);
  if (done.status !== 303 || !jar.cookies.has('ecrin_session')) {
    throw new Error(`POST /mot-de-passe/definir → ${done.status} without a session cookie:\n${done.body.slice(0, 500)}`);
  }
  return jar;
}

