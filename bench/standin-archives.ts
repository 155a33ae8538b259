/**
 * The stand-in's own archive and restore of a big instance (what "Archiver" and "Restaurer" wait
 * for, beside ecrin's verification): an instance of the stand-in holding BENCH_ARCHIVE_MB of random
 * bytes in usr/ (incompressible), archived by the admin tool through the driver, then verified and
 * recorded by ecrin (`createArchive`), then restored by the admin tool through the driver. Seconds,
 * and MiB/s of the archive's size.
 *
 *   Run: node_modules/.bin/node bench/standin-archives.ts        (BENCH_ARCHIVE_MB=1024 by default)
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { provisionInstance } from '../src/modules/instances/use-cases/provision-instance.ts';
import { createTestApp } from '../test/support/app.ts';
import { signedInCustomer } from '../test/support/customers.ts';
import { paidOrder } from '../test/support/paid-order.ts';

const MB = Number(process.env.BENCH_ARCHIVE_MB ?? 1024);

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-bench-standin-'));
  const t = await createTestApp({ env: { DATA_DIR: path.join(dir, 'data') } });
  try {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const agent = await signedInCustomer(t, 'banc-standin');
    const { orderId } = await paidOrder(t, agent, 'banc-standin', { plan: 'emeraude' });
    await provisionInstance(t.container.deps, orderId);
    const instance = (await t.container.services.instances.findByName('banc-standin'))!;
    const usr = path.join(dir, 'data', 'instances', 'banc-standin', 'banc_standin', 'usr');
    const out = createWriteStream(path.join(usr, 'blob.bin'));
    const block = randomBytes(1024 * 1024);
    for (let i = 0; i < MB; i++) {
      block.writeUInt32LE(i, 0);
      if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const s = (t0: number) => (performance.now() - t0) / 1000;
    const file = path.join(dir, 'raw.lbkf');
    let t0 = performance.now();
    await t.container.driver.archive(instance.name, file);
    const archiveS = s(t0);
    const size = statSync(file).size;
    t0 = performance.now();
    const recorded = await t.container.services.archives.createArchive(instance, 'banc', 'created', null);
    const createS = s(t0);
    t0 = performance.now();
    await t.container.driver.restore(instance.name, file);
    const restoreS = s(t0);
    const rate = (sec: number) => `${(size / 1024 ** 2 / sec).toFixed(0)} MiB/s`;
    console.log(`# instance usr/: ${MB} MiB of random bytes; archive ${(size / 1024 ** 2).toFixed(0)} MiB (recorded ${(Number(recorded.size_bytes) / 1024 ** 2).toFixed(0)} MiB)`);
    console.log(`stand-in archive (admin tool, through the driver)   ${archiveS.toFixed(1)} s  ${rate(archiveS)}`);
    console.log(`Archiver as ecrin runs it (archive + verify + record) ${createS.toFixed(1)} s  ${rate(createS)}`);
    console.log(`stand-in restore (admin tool, through the driver)   ${restoreS.toFixed(1)} s  ${rate(restoreS)}`);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
