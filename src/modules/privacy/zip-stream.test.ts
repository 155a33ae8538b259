import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import yauzl from 'yauzl';
import { unzipWithInfoZip } from '../../../test/support/unzip.ts';
import { zipStream, type ZipEntry } from './zip-stream.ts';

/** yauzl's view of a ZIP: names, sizes and whether it saw ZIP64 records. */
function yauzlEntries(zip: Buffer): Promise<{ name: string; size: number; crc: number; mtime: Date }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out: { name: string; size: number; crc: number; mtime: Date }[] = [];
      z.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, size: e.uncompressedSize, crc: e.crc32, mtime: e.getLastModDate() });
        z.readEntry();
      });
      z.on('end', () => resolve(out));
      z.on('error', reject);
      z.readEntry();
    });
  });
}

function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

describe('zipStream', () => {
  const json = Buffer.from(JSON.stringify({ compte: 'é', n: 1 }));
  const pdf = randomBytes(70_000);
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const mtime = new Date('2026-11-30T10:20:30Z');
  const entries = (): ZipEntry[] => [
    { name: 'compte.json', mtime, data: json },
    { name: 'documents/factures/FAC-2026-0001.pdf', mtime, load: async () => pdf },
    { name: 'instances/asso-é/avant départ [1]-3.lbkf', mtime, size: big.length, open: () => chunked(big, 1024 * 1024) },
    { name: 'vide.txt', mtime, data: Buffer.alloc(0) },
  ];

  for (const zip64 of ['auto', 'always'] as const) {
    it(`writes a ZIP that Info-ZIP tests (CRC included) and reads back byte for byte (ZIP64 ${zip64})`, async () => {
      const zip = await buffer(zipStream(entries(), { zip64 }));
      const { tested, entries: read } = unzipWithInfoZip(zip);
      assert.match(tested, /No errors detected/);
      assert.deepEqual([...read.keys()], ['compte.json', 'documents/factures/FAC-2026-0001.pdf', 'instances/asso-é/avant départ [1]-3.lbkf', 'vide.txt']);
      assert.ok(read.get('compte.json')!.equals(json));
      assert.ok(read.get('documents/factures/FAC-2026-0001.pdf')!.equals(pdf));
      assert.ok(read.get('instances/asso-é/avant départ [1]-3.lbkf')!.equals(big));
      assert.equal(read.get('vide.txt')!.length, 0);
      const seen = await yauzlEntries(zip);
      assert.deepEqual(seen.map((e) => e.size), [json.length, pdf.length, big.length, 0]);
      assert.equal(seen[0]!.mtime.getTime(), mtime.getTime(), 'the exact time, from the extended timestamp');
    });
  }

  it('stores entries uncompressed: the ZIP is the data plus headers', async () => {
    const zip = await buffer(zipStream(entries()));
    assert.ok(zip.length >= json.length + pdf.length + big.length);
    assert.ok(zip.length < json.length + pdf.length + big.length + 1024);
  });

  it('cuts the stream when a file gives fewer or more bytes than announced, or fails', async () => {
    const short: ZipEntry = { name: 'a.lbkf', mtime, size: big.length + 1, open: () => chunked(big, 65536) };
    await assert.rejects(buffer(zipStream([short])), /bytes read/);
    const long: ZipEntry = { name: 'a.lbkf', mtime, size: big.length - 1, open: () => chunked(big, 65536) };
    await assert.rejects(buffer(zipStream([long])), /bytes read/);
    const failing: ZipEntry = { name: 'a.lbkf', mtime, size: 10, open: () => new Readable({ read() { this.destroy(new Error('disk gone')); } }) };
    await assert.rejects(buffer(zipStream([failing])), /disk gone/);
    const noPdf: ZipEntry = { name: 'a.pdf', mtime, load: () => Promise.reject(new Error('no PDF')) };
    await assert.rejects(buffer(zipStream([noPdf])), /no PDF/);
  });

  it('pulls a file only when the reader gets there (nothing read ahead)', async () => {
    let opened = 0;
    const lazy: ZipEntry = { name: 'late.bin', mtime, size: 4, open: () => { opened++; return Readable.from([Buffer.from('late')]); } };
    const out = zipStream([{ name: 'first', mtime, data: Buffer.from('x') }, lazy]);
    await new Promise((r) => setImmediate(r));
    assert.equal(opened, 0, 'not opened before anything is read');
    await buffer(out);
    assert.equal(opened, 1);
  });
});
