import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

/**
 * Hostile archives, made byte by byte (tar headers encoded by node-tar's Header, so each entry is
 * exactly what a hostile tool would write: node-tar's own `create` would clean the paths).
 */
export interface Entry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  body?: Buffer | string;
  linkpath?: string;
}

export function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const type = e.type ?? 'File';
    const h = new Header({ path: e.path, type, size: type === 'File' ? body.length : 0, mode: type === 'Directory' ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block);
    if (type === 'File' && body.length > 0) {
      blocks.push(body);
      const pad = (512 - (body.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const INSTANCE_TARGET = "[('contenttypes', '0002_remove_content_type_name'), ('auth', '0012_alter_user_first_name_max_length'), ('CORE', '0001_initial'), ('contacts', '0001_initial')]";
const DUMP = JSON.stringify([{ model: 'auth.user', pk: 1, fields: { username: 'admin', password: 'x', is_superuser: true } }]);

export function validEntries(overrides: { target?: string; dump?: string } = {}): Entry[] {
  return [
    { path: 'dump.json', body: overrides.dump ?? DUMP },
    { path: 'target', body: overrides.target ?? INSTANCE_TARGET },
    { path: 'usr', type: 'Directory' },
    { path: 'usr/logo.png', body: 'png' },
  ];
}

/** The corpus: name → file bytes, and the catalogue code each must be refused with. */
export function hostileCorpus(opts: { manyEntries?: number } = {}): { name: string; bytes: Buffer; code: string }[] {
  const gz = (entries: Entry[]) => gzipSync(tarOf(entries));
  const valid = gz(validEntries());
  // A gzip bomb: 200 MiB of zeros in one entry, about 200 KB compressed.
  const bomb = gzipSync(tarOf([...validEntries(), { path: 'usr/zeros', body: Buffer.alloc(200 * 1024 * 1024) }]), { level: 9 });
  return [
    { name: 'traversal.lbkf', bytes: gz([...validEntries(), { path: 'usr/../../etc/passwd', body: 'x' }]), code: 'archive_entry_path' },
    { name: 'absolute.lbkf', bytes: gz([...validEntries(), { path: '/etc/cron.d/evil', body: 'x' }]), code: 'archive_entry_path' },
    { name: 'symlink.lbkf', bytes: gz([...validEntries(), { path: 'usr/passwd', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), code: 'archive_entry_link' },
    { name: 'hardlink.lbkf', bytes: gz([...validEntries(), { path: 'usr/shadow', type: 'Link', linkpath: '/etc/shadow' }]), code: 'archive_entry_link' },
    { name: 'device.lbkf', bytes: gz([...validEntries(), { path: 'usr/null', type: 'CharacterDevice' }]), code: 'archive_entry_device' },
    { name: 'unexpected.lbkf', bytes: gz([...validEntries(), { path: 'settings.py', body: 'import os' }]), code: 'archive_entry_unexpected' },
    { name: 'gzip-bomb.lbkf', bytes: bomb, code: 'archive_bomb' },
    { name: 'many-entries.lbkf', bytes: gz([...validEntries(), ...Array.from({ length: opts.manyEntries ?? 2100 }, (_, i) => ({ path: `usr/f${i}`, body: '' }))]), code: 'archive_too_many_entries' },
    { name: 'truncated.lbkf', bytes: valid.subarray(0, Math.floor(valid.length / 2)), code: 'archive_truncated' },
    { name: 'not-gzip.lbkf', bytes: tarOf(validEntries()), code: 'archive_not_gzip' },
    { name: 'no-dump.lbkf', bytes: gz(validEntries().filter((e) => e.path !== 'dump.json')), code: 'archive_no_dump' },
    { name: 'bad-dump.lbkf', bytes: gz(validEntries({ dump: '[{"model": "auth.user",' })), code: 'archive_dump_invalid' },
    { name: 'no-target.lbkf', bytes: gz(validEntries().filter((e) => e.path !== 'target')), code: 'archive_no_target' },
    { name: 'newer-target.lbkf', bytes: gz(validEntries({ target: INSTANCE_TARGET.replace("('contacts', '0001_initial')", "('contacts', '0001_initial'), ('contacts', '0099_future')") })), code: 'archive_target_newer' },
  ];
}

export function writeCorpus(dir: string, opts: { manyEntries?: number } = {}): { file: string; name: string; code: string; sha256: string }[] {
  return hostileCorpus(opts).map((c) => {
    const file = path.join(dir, c.name);
    writeFileSync(file, c.bytes);
    return { file, name: c.name, code: c.code, sha256: createHash('sha256').update(c.bytes).digest('hex') };
  });
}
