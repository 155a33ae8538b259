import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
