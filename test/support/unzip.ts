import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';

/**
 * A ZIP read by Info-ZIP's `unzip` (a real reader, not our writer's sibling): `unzip -t` tests
 * every entry against its CRC-32, then each entry is extracted to compare its bytes. Throws with
 * unzip's own output when the archive is not valid.
 */
export function unzipWithInfoZip(zip: Buffer): { tested: string; entries: Map<string, Buffer> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-unzip-'));
  try {
    const file = path.join(dir, 'test.zip');
    writeFileSync(file, zip);
    const tested = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
    const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter((n) => n !== '');
    const out = path.join(dir, 'out');
    execFileSync('unzip', ['-qq', file, '-d', out]);
    const entries = new Map<string, Buffer>(names.map((n) => [n, readFileSync(path.join(out, n))]));
    return { tested, entries };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The entries of a ZIP read with yauzl, in memory (names → bytes). */
export function unzipEntries(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
