/**
 * Archives through the portal: upload ("Import") and download ("Export") of a big archive, as a
 * ratio to reading the same file from disk in the same run, and the resident memory growth of the
 * process while they run. ecrin runs in this process (the test app on PGlite, listening on a
 * loopback port, instances served by a test server: the archive is the portal's work, not
 * Diacamma's); the client streams over real HTTP.
 *
 * The archive: a gzip tar (level 1) of dump.json, target and usr/blob of BENCH_ARCHIVE_MB of random
 * bytes (incompressible: the file is about that size). Upload time includes ecrin's verification
 * of the file (gunzip, tar, JSON) before it answers; download is the file served with
 * Content-Length.
 *
 *   Run: node_modules/.bin/node bench/archives.ts        (BENCH_ARCHIVE_MB=1024 by default)
 *   Targets: throughput ≥ 50 % of the disk read; RSS growth ≤ 64 MB.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Header } from 'tar';
import { provisionInstance } from '../src/modules/instances/use-cases/provision-instance.ts';
import { createTestApp } from '../test/support/app.ts';
import { signedInCustomer } from '../test/support/customers.ts';
import { paidOrder } from '../test/support/paid-order.ts';
import { SiteDriver } from '../test/support/site-driver.ts';
import { INSTANCE_TARGET } from '../test/archives/corpus.ts';

export const THROUGHPUT_TARGET = 0.5;
export const RSS_TARGET_MB = 64;
const MB = Number(process.env.BENCH_ARCHIVE_MB ?? 1024);

function header(p: string, size: number, type: 'File' | 'Directory' = 'File'): Buffer {
  const b = Buffer.alloc(512);
  new Header({ path: p, type, size, mode: 0o644, mtime: new Date(0) }).encode(b, 0);
  return b;
}

async function makeArchive(file: string, mb: number): Promise<void> {
  const size = mb * 1024 * 1024;
  const dump = Buffer.from('[{"model": "auth.user", "pk": 1, "fields": {"username": "admin"}}]');
  async function* tarStream() {
    yield header('dump.json', dump.length);
    yield Buffer.concat([dump, Buffer.alloc((512 - (dump.length % 512)) % 512)]);
    const target = Buffer.from(INSTANCE_TARGET);
    yield header('target', target.length);
    yield Buffer.concat([target, Buffer.alloc((512 - (target.length % 512)) % 512)]);
    yield header('usr', 0, 'Directory');
    yield header('usr/blob', size);
    const block = randomBytes(1024 * 1024);
    for (let i = 0; i < mb; i++) {
      block.writeUInt32LE(i, 0);
      yield block;
    }
    yield Buffer.alloc(1024);
  }
  await pipeline(tarStream(), createGzip({ level: 1 }), createWriteStream(file));
}

/** The same bytes written to a new file of the same disk and fsynced: what a durable upload cannot beat. */
async function writeDisk(file: string): Promise<number> {
  const copy = `${file}.copy`;
  const t0 = performance.now();
  const out = createWriteStream(copy, { highWaterMark: 1024 * 1024 });
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), out);
  const fh = await open(copy, 'r+');
  await fh.sync();
  await fh.close();
  const bps = statSync(file).size / ((performance.now() - t0) / 1000);
  rmSync(copy);
  return bps;
}

async function readDisk(file: string): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) n += (chunk as Buffer).length;
  return n / ((performance.now() - t0) / 1000);
}

function sampler() {
  let max = process.memoryUsage().rss;
  const timer = setInterval(() => {
    max = Math.max(max, process.memoryUsage().rss);
  }, 50);
  return { stop: () => (clearInterval(timer), max) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-bench-archives-'));
  const t = await createTestApp({ driver: new SiteDriver((_n, _r, res) => res.end('ok')), env: { DATA_DIR: path.join(dir, 'data') } });
  try {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    t.container.urls.setPublicPort(port);
    const agent = await signedInCustomer(t, 'banc');
    const { orderId } = await paidOrder(t, agent, 'banc-asso', { plan: 'emeraude' });
    await provisionInstance(t.container.deps, orderId);
    const instance = (await t.container.services.instances.findByName('banc-asso'))!;
    const file = path.join(dir, 'big.lbkf');
    const made = performance.now();
    await makeArchive(file, MB);
    const size = statSync(file).size;
    console.log(`# archive: ${(size / 1024 ** 2).toFixed(0)} MiB made in ${((performance.now() - made) / 1000).toFixed(1)} s`);
    await readDisk(file); // the page cache warm for both sides
    const diskBps = await readDisk(file);
    const writeBps = await writeDisk(file);

    const pageHtml = (await agent.get(`/instances/${instance.id}/archives`)).body;
    const action = /<form method="post" action="([^"]*\/import\?_csrf=[^"]+)"/.exec(pageHtml)![1]!.replace(/&amp;/g, '&');
    const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const host = agent.host.replace(':3000', `:${port}`);
    global.gc?.();
    const baseline = process.memoryUsage().rss;

    // Upload: a multipart body streamed from the file.
    const boundary = `----ecrinbench${randomBytes(8).toString('hex')}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbanc\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.lbkf"\r\nContent-Type: application/gzip\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const up = sampler();
    const t0 = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: action, headers: { host, cookie, origin: `http://${host}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(head);
      const rs = createReadStream(file, { highWaterMark: 1024 * 1024 });
      rs.pipe(req, { end: false });
      rs.on('end', () => req.end(tail));
    });
    const upS = (performance.now() - t0) / 1000;
    const upMax = up.stop();
    if (status !== 303) throw new Error(`upload answered ${status}`);
    const [archive] = await t.container.services.archives.list(instance.id);

    // Download.
    const down = sampler();
    const t1 = performance.now();
    let got = 0;
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/instances/${instance.id}/archives/${archive!.id}/export`, headers: { host, cookie } }, (res) => {
          res.on('data', (c: Buffer) => (got += c.length));
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
    const downS = (performance.now() - t1) / 1000;
    const downMax = down.stop();
    if (got !== size) throw new Error(`download got ${got} of ${size} bytes`);

    const mbps = (bps: number) => (bps / 1024 ** 2).toFixed(0);
    const upBps = size / upS;
    const downBps = size / downS;
    const growth = (Math.max(upMax, downMax) - baseline) / 1024 ** 2;
    console.log(`disk read      ${mbps(diskBps)} MiB/s`);
    console.log(`disk write+fsync ${mbps(writeBps)} MiB/s  (ratio to the read ${(writeBps / diskBps).toFixed(2)}: a durable upload cannot go faster)`);
    console.log(`upload+verify  ${mbps(upBps)} MiB/s  ratio ${(upBps / diskBps).toFixed(2)}  (target ≥ ${THROUGHPUT_TARGET})  RSS +${((upMax - baseline) / 1024 ** 2).toFixed(0)} MiB`);
    console.log(`download       ${mbps(downBps)} MiB/s  ratio ${(downBps / diskBps).toFixed(2)}  (target ≥ ${THROUGHPUT_TARGET})  RSS +${((downMax - baseline) / 1024 ** 2).toFixed(0)} MiB`);
    console.log(`RSS growth     ${growth.toFixed(0)} MiB (target ≤ ${RSS_TARGET_MB})`);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
