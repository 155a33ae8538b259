/**
 * "Télécharger mes données": the ZIP of an account holding a big instance archive and its
 * documents, downloaded over real HTTP, as a ratio to reading the archive from disk in the same run,
 * and the resident memory growth of the process (ecrin runs in it: the test app on PGlite) while
 * the ZIP is written. The archive is a gzip tar of BENCH_EXPORT_MB of random bytes (incompressible),
 * imported through ArchivesService (verified like any upload); the ZIP stores it as is.
 *
 *   Run: node_modules/.bin/node --expose-gc bench/account-export.ts   (BENCH_EXPORT_MB=512 by default)
 *   BENCH_PROFILE=export.cpuprofile: also writes a CPU profile of the download alone.
 *   Targets: throughput ≥ 50 % of the disk read; RSS growth ≤ 64 MB.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Session } from 'node:inspector/promises';
import { createGzip } from 'node:zlib';
import { Header } from 'tar';
import { provisionInstance } from '../src/modules/instances/use-cases/provision-instance.ts';
import { createTestApp } from '../test/support/app.ts';
import { orderAndValidate, signedInCustomer } from '../test/support/customers.ts';
import { paidOrder } from '../test/support/paid-order.ts';
import { SiteDriver } from '../test/support/site-driver.ts';
import { INSTANCE_TARGET } from '../test/archives/corpus.ts';

export const THROUGHPUT_TARGET = 0.5;
export const RSS_TARGET_MB = 64;
const MB = Number(process.env.BENCH_EXPORT_MB ?? 512);

function header(p: string, size: number, type: 'File' | 'Directory' = 'File'): Buffer {
  const b = Buffer.alloc(512);
  new Header({ path: p, type, size, mode: 0o644, mtime: new Date(0) }).encode(b, 0);
  return b;
}

async function makeArchive(file: string, mb: number): Promise<void> {
  const dump = Buffer.from('[{"model": "auth.user", "pk": 1, "fields": {"username": "admin"}}]');
  const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  async function* tarStream() {
    yield header('dump.json', dump.length);
    yield Buffer.concat([dump, pad(dump.length)]);
    const target = Buffer.from(INSTANCE_TARGET);
    yield header('target', target.length);
    yield Buffer.concat([target, pad(target.length)]);
    yield header('usr', 0, 'Directory');
    yield header('usr/blob', mb * 1024 * 1024);
    const block = randomBytes(1024 * 1024);
    for (let i = 0; i < mb; i++) {
      block.writeUInt32LE(i, 0);
      yield block;
    }
    yield Buffer.alloc(1024);
  }
  await pipeline(tarStream(), createGzip({ level: 1 }), createWriteStream(file));
}

async function readDisk(file: string): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) n += (chunk as Buffer).length;
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-bench-export-'));
  const t = await createTestApp({ driver: new SiteDriver((_n, _r, res) => res.end('ok')), env: { DATA_DIR: path.join(dir, 'data') } });
  try {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    t.container.urls.setPublicPort(port);
    const agent = await signedInCustomer(t, 'banc-export');
    const { orderId } = await paidOrder(t, agent, 'banc-export', { plan: 'emeraude' });
    await provisionInstance(t.container.deps, orderId);
    for (let i = 0; i < 2; i++) await orderAndValidate(t, agent, `banc-devis-${i}`);
    const instance = (await t.container.services.instances.findByName('banc-export'))!;
    const file = path.join(dir, 'big.lbkf');
    await makeArchive(file, MB);
    const size = statSync(file).size;
    const user = (await t.container.services.accounts.findUserByEmail('banc-export@example.org'))!;
    const me = { id: user.id, alias: user.alias, name: user.name, email: user.email, role: user.role, organisationId: user.organisation_id, locale: user.locale, sessionId: 0 };
    const imported = await t.container.services.archives.importArchive(me as never, instance, 'banc', createReadStream(file), size, null);
    if (!imported.ok) throw new Error(`import refused: ${imported.error}`);
    await readDisk(file);
    const diskBps = await readDisk(file);

    const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const host = agent.host.replace(':3000', `:${port}`);
    /** One GET over HTTP, timed to the last byte, with the RSS growth while it runs. */
    async function download(urlPath: string, profileFile?: string): Promise<{ status: number; bytes: number; bps: number; rssGrowth: number }> {
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let max = baseline;
      const timer = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 50);
      const profiler = profileFile ? new Session() : null;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const t0 = performance.now();
      let bytes = 0;
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: urlPath, headers: { host, cookie } }, (res) => {
            res.on('data', (c: Buffer) => (bytes += c.length));
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(timer);
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(profileFile!, JSON.stringify(profile));
        profiler.disconnect();
      }
      return { status, bytes, bps: bytes / seconds, rssGrowth: max - baseline };
    }
    // BENCH_PROFILE=FILE: a V8 CPU profile of the ZIP download alone (not of the set-up), for DevTools.
    const zip = await download('/compte/donnees/archive.zip', process.env.BENCH_PROFILE);
    if (zip.status !== 200 || zip.bytes < size) throw new Error(`download answered ${zip.status} with ${zip.bytes} bytes for an archive of ${size}`);
    // The same archive through « Export » (no ZIP around it), same client, same run: what the ZIP costs.
    const archive = (await t.container.services.archives.list(instance.id)).find((a) => a.state === 'ready')!;
    const plain = await download(`/instances/${instance.id}/archives/${archive.id}/export`);
    if (plain.status !== 200 || plain.bytes !== size) throw new Error(`export answered ${plain.status} with ${plain.bytes} bytes for an archive of ${size}`);
    const mibps = (bps: number) => (bps / 1024 ** 2).toFixed(0);
    const mib = (n: number) => (n / 1024 ** 2).toFixed(0);
    console.log(`# account: 1 instance archive of ${mib(size)} MiB, ${(await t.container.services.billing.listDocuments({ userId: user.id, limit: 100, offset: 0, today: t.container.services.billing.today() })).length} documents`);
    console.log(`disk read      ${mibps(diskBps)} MiB/s`);
    console.log(`ZIP download   ${mibps(zip.bps)} MiB/s  ratio ${(zip.bps / diskBps).toFixed(2)}  (target ≥ ${THROUGHPUT_TARGET})  ${mib(zip.bytes)} MiB sent`);
    console.log(`RSS growth     ${mib(zip.rssGrowth)} MiB (target ≤ ${RSS_TARGET_MB})`);
    console.log(`Export alone   ${mibps(plain.bps)} MiB/s  ratio ${(plain.bps / diskBps).toFixed(2)}  (the archive without the ZIP; RSS growth ${mib(plain.rssGrowth)} MiB)`);
    console.log(`ZIP ÷ Export   ${(zip.bps / plain.bps).toFixed(2)}`);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
