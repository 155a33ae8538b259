import http from 'node:http';

/** A tiny client of an instance's web app through ecrin's front door (Host header set by hand). */
export class InstanceClient {
  readonly port: number;
  readonly host: string;
  readonly cookies = new Map<string, string>();

  readonly userAgent: string;
  /** the client's own address (127.0.0.0/8 is all loopback: tests stand for several people with it) */
  readonly localAddress: string | undefined;

  constructor(port: number, host: string, userAgent = 'ecrin-test', localAddress?: string) {
    this.port = port;
    this.host = host;
    this.userAgent = userAgent;
    this.localAddress = localAddress;
  }

  request(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; size: number }> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          ...(this.localAddress ? { localAddress: this.localAddress } : {}),
          method,
          path,
          headers: {
            host: this.host,
            'user-agent': this.userAgent,
            cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
            ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            // Large bodies are counted, not kept.
            if (size <= 1_000_000) chunks.push(c);
          });
          res.on('end', () => {
            for (const c of res.headers['set-cookie'] ?? []) {
              const [pair] = c.split(';');
              const [k, ...v] = pair!.split('=');
              const value = v.join('=');
              if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(k!.trim());
              else this.cookies.set(k!.trim(), value);
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), size });
          });
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  /** Signs in to the instance as a person would: the sign-in page, then the form with its CSRF token. */
  async signIn(username: string, password: string): Promise<boolean> {
    this.cookies.delete('sessionid');
    await this.request('GET', '/login');
    const res = await this.request('POST', '/login', { csrfmiddlewaretoken: this.cookies.get('csrftoken') ?? '', username, password });
    return res.status >= 300 && res.status < 400 && this.cookies.has('sessionid');
  }
}
