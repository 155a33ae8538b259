import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ClientAddress, parseTrustProxy } from '../../src/platform/net/client-address.ts';
import { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { liveSite, SiteDriver } from '../support/site-driver.ts';

/**
 * Proxies and who the client is: TRUST_PROXY names the proxies believed (or a hop count; `true` is
 * refused), one function decides the client address for the portal and the front door, /metrics is
 * gated by configuration and not by the socket's address, and ecrin listens on loopback by default.
 */
const KEY = { SECRET_KEY: 'x'.repeat(32) };

function fakeRequest(peer: string, xff?: string): http.IncomingMessage {
  return { socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } } as unknown as http.IncomingMessage;
}

describe('TRUST_PROXY', () => {
  it('refuses `true` at start, saying what to write instead', () => {
    assert.throws(
      () => loadConfig({ ...KEY, TRUST_PROXY: 'true' }),
      (e: unknown) => e instanceof ConfigError && /TRUST_PROXY=true would believe/.test(e.message) && /TRUST_PROXY=127\.0\.0\.1/.test(e.message) && /TRUST_PROXY=1\b/.test(e.message),
    );
    assert.throws(() => loadConfig({ ...KEY, TRUST_PROXY: 'proxy.example' }), /"proxy\.example" is not an address/);
    assert.throws(() => loadConfig({ ...KEY, TRUST_PROXY: '10.0.0.0/33' }), /not an address, a CIDR range/);
  });

  it('takes addresses, CIDR ranges, named ranges or a hop count', () => {
    assert.deepEqual(loadConfig(KEY).trustProxy, { kind: 'none' });
    assert.deepEqual(loadConfig({ ...KEY, TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,loopback' }).trustProxy, { kind: 'addresses', list: ['127.0.0.1', '10.0.0.0/8', '::1', 'loopback'] });
    assert.deepEqual(loadConfig({ ...KEY, TRUST_PROXY: '2' }).trustProxy, { kind: 'hops', count: 2 });
  });

  it('listens on loopback by default', () => {
    assert.equal(loadConfig(KEY).host, '127.0.0.1');
  });

  it('one decision: the peer, unless it is a trusted proxy, then the first untrusted address from the right', () => {
    const none = new ClientAddress(parseTrustProxy(undefined));
    assert.equal(none.of(fakeRequest('203.0.113.9', '1.2.3.4')), '203.0.113.9', 'no proxy trusted: X-Forwarded-For ignored');
    const proxy = new ClientAddress(parseTrustProxy('10.0.0.1'));
    assert.equal(proxy.of(fakeRequest('203.0.113.9', '1.2.3.4')), '203.0.113.9', 'from an untrusted address: ignored');
    assert.equal(proxy.of(fakeRequest('10.0.0.1', '198.51.100.7')), '198.51.100.7', 'from the proxy: believed');
    assert.equal(proxy.of(fakeRequest('10.0.0.1', '6.6.6.6, 198.51.100.7')), '198.51.100.7', 'what the client wrote before the proxy is not');
    const hops = new ClientAddress(parseTrustProxy('1'));
    assert.equal(hops.of(fakeRequest('10.9.9.9', '6.6.6.6, 198.51.100.7')), '198.51.100.7');
  });
});

describe('the portal behind a proxy (TRUST_PROXY=10.0.0.1)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '10.0.0.1' } });
  });
  after(async () => {
    await t.close();
  });

  async function signInFrom(peer: string, xff: string) {
    const agent = new Agent(t.app);
    agent.ip = peer;
    await agent.get('/connexion', { 'x-forwarded-for': xff });
    return agent.post('/connexion', { identifier: 'personne', password: 'pas-le-bon-mot' }, { 'x-forwarded-for': xff });
  }

  async function lastFailureIp() {
    const row = await t.container.database.db.selectFrom('audit_log').select('ip').where('action', '=', 'signin.failure').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    return row.ip;
  }

  it('ignores X-Forwarded-For from an untrusted address: the audit log has the real one', async () => {
    await signInFrom('203.0.113.9', '192.0.2.77');
    assert.equal(await lastFailureIp(), '203.0.113.9');
  });

  it('believes the trusted proxy', async () => {
    await signInFrom('10.0.0.1', '198.51.100.7');
    assert.equal(await lastFailureIp(), '198.51.100.7');
  });

  it('keeps per-address limits: a new X-Forwarded-For on each try does not make a new visitor', async () => {
    const agent = new Agent(t.app);
    agent.ip = '203.0.113.50';
    await agent.get('/connexion');
    let status = 0;
    for (let i = 0; i < 31; i++) {
      status = (await agent.post('/connexion', { identifier: `x${i}`, password: 'nope-nope-nope' }, { 'x-forwarded-for': `192.0.2.${i + 1}` })).statusCode;
    }
    assert.equal(status, 429, 'the 31st attempt within 5 minutes from one address is refused');
  });
});

describe('/metrics is gated by configuration, not by the socket address', () => {
  it('is not served at all by default, even to loopback (a reverse proxy on this host is loopback)', async () => {
    const t = await createTestApp();
    try {
      const local = await t.app.inject({ method: 'GET', url: '/metrics', headers: { host: '127.0.0.1:3000' }, remoteAddress: '127.0.0.1' });
      assert.equal(local.statusCode, 404);
    } finally {
      await t.close();
    }
  });

  it('METRICS_TOKEN: served to the bearer of the token only', async () => {
    const token = 'metrics-token-metrics-token-0123456789';
    const t = await createTestApp({ env: { METRICS_TOKEN: token } });
    try {
      const url = '/metrics';
      const host = '127.0.0.1:3000';
      assert.equal((await t.app.inject({ url, headers: { host }, remoteAddress: '127.0.0.1' })).statusCode, 404);
      assert.equal((await t.app.inject({ url, headers: { host, authorization: `Bearer ${token}x` }, remoteAddress: '127.0.0.1' })).statusCode, 404);
      const ok = await t.app.inject({ url, headers: { host, authorization: `Bearer ${token}` }, remoteAddress: '203.0.113.9' });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /ecrin_http_responses_total/);
    } finally {
      await t.close();
    }
  });

  it('METRICS_LISTEN: served on its own address, not on the main port', async () => {
    const port = await freePort();
    const s = await startServer({ env: { METRICS_LISTEN: `127.0.0.1:${port}` } });
    try {
      const own = await get(port, '/metrics', '127.0.0.1');
      assert.equal(own.status, 200);
      assert.match(own.body, /process_cpu_user_seconds_total/);
      assert.equal((await get(s.port, '/metrics', `portail.localhost:${s.port}`)).status, 404);
    } finally {
      await s.close();
    }
    await assert.rejects(get(port, '/metrics', '127.0.0.1'), 'closed with the main port');
  });
});

describe('the front door decides the client address the same way', () => {
  let s: RunningServer;
  const seen: http.IncomingHttpHeaders[] = [];
  before(async () => {
    const driver = new SiteDriver((_name, req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('instance');
    });
    // The proxy is 127.0.0.1; clients come from other loopback addresses (127.0.0.2).
    s = await startServer({ driver, env: { TRUST_PROXY: '127.0.0.1' } });
    await liveSite(s, 'echo', 'echo-site');
  });
  after(async () => {
    await s.close();
  });

  it('an untrusted client’s X-Forwarded-For is replaced by its real address', async () => {
    seen.length = 0;
    const res = await get(s.port, '/', `echo-site.localhost:${s.port}`, { 'x-forwarded-for': '6.6.6.6' }, '127.0.0.2');
    assert.equal(res.body, 'instance');
    assert.equal(seen.at(-1)?.['x-forwarded-for'], '127.0.0.2');
  });

  it('the trusted proxy’s is believed, and passed on as the client address', async () => {
    const res = await get(s.port, '/', `echo-site.localhost:${s.port}`, { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }, '127.0.0.1');
    assert.equal(res.body, 'instance');
    assert.equal(seen.at(-1)?.['x-forwarded-for'], '198.51.100.7');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string, host: string, headers: Record<string, string> = {}, localAddress?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host, ...headers }, ...(localAddress ? { localAddress } : {}), agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}
