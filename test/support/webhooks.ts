import { request } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { FakePaypal, SignWebhookOptions } from './fake-paypal.ts';

/**
 * Delivers a webhook signed by the fake PayPal to a URL on a real server, as PayPal would: a POST of
 * the exact signed bytes. Unlike `fake.sendWebhook` (global fetch), this reaches the portal's
 * `http://portail.localhost:PORT` address: Node's resolver does not know `*.localhost` names (only
 * Chromium maps them to loopback), so they are resolved to 127.0.0.1 here, the Host header intact.
 */
export async function deliverWebhook(fake: FakePaypal, targetUrl: string, event: object, opts?: SignWebhookOptions): Promise<{ status: number; body: string }> {
  const { headers, body } = fake.signWebhook(event, opts);
  const url = new URL(targetUrl);
  const lookup: LookupFunction = (hostname, options, callback) => {
    const loopback = hostname === 'localhost' || hostname.endsWith('.localhost');
    if (!loopback) return void callback(new Error(`deliverWebhook: only *.localhost targets, not ${hostname}`), '', 4);
    if (options.all) (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`webhook to ${targetUrl} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
