import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/**
 * A streamed ZIP writer, "stored" entries only (no compression: what goes in — the account's JSON,
 * PDFs, gzip archives — is small or compressed already), with Node's native CRC-32. yazl computed
 * the CRC in JavaScript and spent most of the export's CPU on it; this writes the same format
 * (APPNOTE 6.3: a data descriptor after each streamed entry, ZIP64 where a size or offset needs it,
 * UTF-8 names, the Info-ZIP extended timestamp) and lets a reader check every byte against its CRC.
 *
 * The output is pulled: an entry's content is asked for only when the previous one is written and
 * the reader has taken it, one chunk at a time, so memory stays bounded whatever the sizes.
 */
export type ZipEntry =
  | { name: string; mtime: Date; data: Buffer }
  /** `size` is the number of bytes the stream must give (checked): it decides ZIP64 before the first byte. */
  | { name: string; mtime: Date; size: number; open: () => Readable | Promise<Readable> }
  /** Content loaded when the ZIP reaches it (a PDF read from the database, one at a time). */
  | { name: string; mtime: Date; load: () => Promise<Buffer> };

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const VERSION_ZIP64 = 45;
const VERSION_DEFAULT = 20;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;

interface Written {
  name: Buffer;
  mtime: Date;
  flags: number;
  crc: number;
  size: number;
  offset: number;
  zip64: boolean;
}

function dosDateTime(d: Date): { date: number; time: number } {
  // DOS time is local wall-clock time with 2-second steps; the extended timestamp below is exact.
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return { date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(), time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1) };
}

/** Info-ZIP "UT" extra field, modification time only (the same 9 bytes in local and central headers). */
function timestampExtra(d: Date): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4);
  b.writeUInt32LE(Math.max(0, Math.min(MAX32, Math.floor(d.getTime() / 1000))), 5);
  return b;
}

function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

function localHeader(e: Written, knownSize: number | null): Buffer {
  const { date, time } = dosDateTime(e.mtime);
  // A streamed entry's sizes come in its data descriptor; a ZIP64 one says so with a zip64 extra here.
  const extra = Buffer.concat([...(e.zip64 ? [zip64Extra([knownSize ?? 0, knownSize ?? 0])] : []), timestampExtra(e.mtime)]);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(e.zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  h.writeUInt16LE(e.flags, 6);
  h.writeUInt16LE(0, 8); // stored
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  const known = knownSize !== null;
  h.writeUInt32LE(known ? e.crc : 0, 14);
  h.writeUInt32LE(e.zip64 ? MAX32 : known ? knownSize : 0, 18);
  h.writeUInt32LE(e.zip64 ? MAX32 : known ? knownSize : 0, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, e.name, extra]);
}

function dataDescriptor(e: Written): Buffer {
  const b = Buffer.alloc(e.zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc, 4);
  if (e.zip64) {
    b.writeBigUInt64LE(BigInt(e.size), 8);
    b.writeBigUInt64LE(BigInt(e.size), 16);
  } else {
    b.writeUInt32LE(e.size, 8);
    b.writeUInt32LE(e.size, 12);
  }
  return b;
}

function centralRecord(e: Written): Buffer {
  const { date, time } = dosDateTime(e.mtime);
  // A ZIP64 entry gives its sizes and offset in the zip64 extra (the header fields say 0xFFFFFFFF);
  // a small entry that starts past 4 GiB gives its offset there only.
  const farOffset = e.offset >= MAX32;
  const big = e.zip64 ? [e.size, e.size, e.offset] : farOffset ? [e.offset] : [];
  const zip64 = e.zip64 || farOffset;
  const extra = Buffer.concat([...(big.length > 0 ? [zip64Extra(big)] : []), timestampExtra(e.mtime)]);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE((3 << 8) | VERSION_ZIP64, 4); // made by: Unix, 4.5
  h.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  h.writeUInt16LE(e.flags, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(e.crc, 16);
  h.writeUInt32LE(e.zip64 ? MAX32 : e.size, 20);
  h.writeUInt32LE(e.zip64 ? MAX32 : e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32); // comment
  h.writeUInt16LE(0, 34); // disk
  h.writeUInt16LE(0, 36); // internal attributes
  h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
  h.writeUInt32LE(zip64 ? MAX32 : e.offset, 42);
  return Buffer.concat([h, e.name, extra]);
}

function endRecords(count: number, cdOffset: number, cdSize: number, forceZip64: boolean): Buffer {
  const parts: Buffer[] = [];
  if (forceZip64 || count >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32) {
    const r = Buffer.alloc(56);
    r.writeUInt32LE(0x06064b50, 0);
    r.writeBigUInt64LE(44n, 4);
    r.writeUInt16LE((3 << 8) | VERSION_ZIP64, 12);
    r.writeUInt16LE(VERSION_ZIP64, 14);
    r.writeUInt32LE(0, 16);
    r.writeUInt32LE(0, 20);
    r.writeBigUInt64LE(BigInt(count), 24);
    r.writeBigUInt64LE(BigInt(count), 32);
    r.writeBigUInt64LE(BigInt(cdSize), 40);
    r.writeBigUInt64LE(BigInt(cdOffset), 48);
    const l = Buffer.alloc(20);
    l.writeUInt32LE(0x07064b50, 0);
    l.writeUInt32LE(0, 4);
    l.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    l.writeUInt32LE(1, 16);
    parts.push(r, l);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(Math.min(count, MAX16), 8);
  e.writeUInt16LE(Math.min(count, MAX16), 10);
  e.writeUInt32LE(Math.min(cdSize, MAX32), 12);
  e.writeUInt32LE(Math.min(cdOffset, MAX32), 16);
  parts.push(e);
  return Buffer.concat(parts);
}

/**
 * The ZIP of `entries`, in order, as a byte stream. A streamed entry that fails or gives another
 * number of bytes than announced destroys the output with that error (the download is cut, never
 * a ZIP with a silently wrong file). `zip64: 'always'` writes ZIP64 records even for small files
 * (tests use it to check that path with real readers).
 */
export function zipStream(entries: ZipEntry[], opts: { zip64?: 'auto' | 'always' } = {}): Readable {
  const always = opts.zip64 === 'always';
  async function* generate(): AsyncGenerator<Buffer> {
    const written: Written[] = [];
    let offset = 0;
    for (const entry of entries) {
      const name = Buffer.from(entry.name, 'utf8');
      if (name.length > MAX16) throw new Error(`zip entry name too long: ${entry.name}`);
      if ('open' in entry) {
        const e: Written = { name, mtime: entry.mtime, flags: FLAG_UTF8 | FLAG_DATA_DESCRIPTOR, crc: 0, size: 0, offset, zip64: always || entry.size >= MAX32 };
        const header = localHeader(e, null);
        yield header;
        const source = await entry.open();
        for await (const chunk of source as AsyncIterable<Buffer>) {
          e.crc = crc32(chunk, e.crc);
          e.size += chunk.length;
          if (e.size > entry.size) break;
          yield chunk;
        }
        if (e.size !== entry.size) {
          source.destroy();
          throw new Error(`zip entry ${entry.name}: ${e.size} bytes read, ${entry.size} expected`);
        }
        const descriptor = dataDescriptor(e);
        yield descriptor;
        offset += header.length + e.size + descriptor.length;
        written.push(e);
      } else {
        const data = 'data' in entry ? entry.data : await entry.load();
        const e: Written = { name, mtime: entry.mtime, flags: FLAG_UTF8, crc: crc32(data), size: data.length, offset, zip64: always || data.length >= MAX32 };
        const header = localHeader(e, data.length);
        yield header;
        yield data;
        offset += header.length + data.length;
        written.push(e);
      }
    }
    const central = Buffer.concat(written.map(centralRecord));
    yield central;
    yield endRecords(written.length, offset, central.length, always);
  }
  return Readable.from(generate(), { objectMode: false });
}
