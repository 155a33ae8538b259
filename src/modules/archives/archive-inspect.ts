import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { JSONParser } from '@streamparser/json';
import { Parser, type ReadEntry } from 'tar';

/**
 * Reads a Lucterios archive (`.lbkf`: a gzip tar holding `dump.json`, `target` and `usr/…`) as a
 * stream, in constant memory, and says whether it is sound — before any archive is recorded, made
 * here or uploaded. The gzip stream is decompressed here (so its expanded size is bounded as it
 * comes: a compression bomb is cut short), the tar is read by node-tar's parser in strict mode, and
 * `dump.json` goes through a streaming JSON parser item by item.
 */

/** Why an archive is refused: codes of the error catalogue (`archive_…`). */
export type ArchiveRefusal =
  | 'archive_not_gzip'
  | 'archive_truncated'
  | 'archive_not_tar'
  | 'archive_entry_path'
  | 'archive_entry_unexpected'
  | 'archive_entry_link'
  | 'archive_entry_device'
  | 'archive_too_many_entries'
  | 'archive_bomb'
  | 'archive_no_dump'
  | 'archive_dump_invalid'
  | 'archive_no_target'
  | 'archive_target_invalid';

export interface InspectLimits {
  /** entries of the tar at most (a tar bomb of many small files) */
  maxEntries: number;
  /** bytes once decompressed at most */
  maxExpandedBytes: number;
  /** expanded / compressed at most, beyond a first allowance (a gzip bomb) */
  maxRatio: number;
}

export const DEFAULT_INSPECT_LIMITS: InspectLimits = { maxEntries: 100_000, maxExpandedBytes: 64 * 1024 ** 3, maxRatio: 200 };

/** What is free before the ratio applies: small archives of JSON compress very well. */
const RATIO_ALLOWANCE = 16 * 1024 * 1024;
/** `target` is a short list of migrations. */
const MAX_TARGET_BYTES = 4 * 1024 * 1024;

export type Migration = [app: string, name: string];

export type InspectResult =
  | { ok: true; migrations: Migration[]; entries: number; expandedBytes: number; compressedBytes: number; sha256: string }
  | { ok: false; code: ArchiveRefusal; detail: string };

class Refused extends Error {
  readonly code: ArchiveRefusal;
  constructor(code: ArchiveRefusal, detail: string) {
    super(detail);
    this.code = code;
  }
}

const DEVICE_TYPES = new Set(['CharacterDevice', 'BlockDevice', 'FIFO']);
const LINK_TYPES = new Set(['Link', 'SymbolicLink']);
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** The entry's place in the archive, or a refusal: only dump.json, target and usr/… are allowed. */
export function entryPlace(rawPath: string): { ok: true; path: string } | { ok: false; code: ArchiveRefusal } {
  if (rawPath.startsWith('/') || /^[A-Za-z]:/.test(rawPath) || rawPath.startsWith('\\')) return { ok: false, code: 'archive_entry_path' };
  const parts = rawPath.split(/[/\\]+/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return { ok: false, code: 'archive_entry_path' };
  const p = parts.join('/');
  if (p === 'dump.json' || p === 'target' || p === 'usr' || p.startsWith('usr/')) return { ok: true, path: p };
  return { ok: false, code: 'archive_entry_unexpected' };
}

/** `target` as Lucterios writes it: the Python repr of the (app, name) rows of django_migrations. */
export function parseTarget(text: string): Migration[] | null {
  const t = text.trim();
  if (t === '[]') return [];
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  const body = t.slice(1, -1).trim();
  const re = /\(\s*u?(['"])([^'"]*)\1\s*,\s*u?(['"])([^'"]*)\3\s*\)\s*(?:,\s*|$)/gy;
  const out: Migration[] = [];
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(body)) !== null) {
    out.push([m[2]!, m[4]!]);
    last = re.lastIndex;
  }
  return last === body.length ? out : null;
}

/** The number a migration name starts with ("0012_auto" → 12), or 0. */
function migrationNumber(name: string): number {
  const m = /^(\d+)/.exec(name);
  return m ? Number(m[1]) : 0;
}

/** The latest migration of each application, as a person reads it: "diacamma.member 0012, …". */
export function versionOf(migrations: Migration[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const [app, name] of migrations) latest.set(app, Math.max(latest.get(app) ?? 0, migrationNumber(name)));
  return latest;
}

export function versionText(migrations: Migration[]): string {
  const v = [...versionOf(migrations)].sort(([a], [b]) => a.localeCompare(b));
  if (v.length === 0) return '—';
  return v.map(([app, n]) => `${app} ${String(n).padStart(4, '0')}`).join(', ');
}

/**
 * The applications of an archive newer than the instance's (a migration beyond the instance's
 * latest, or an application it does not have): empty when the instance can take it.
 */
export function newerThan(archive: Migration[], instance: Migration[]): string[] {
  const mine = versionOf(instance);
  const newer: string[] = [];
  for (const [app, n] of versionOf(archive)) {
    const have = mine.get(app);
    if (have === undefined || n > have) newer.push(app);
  }
  return newer.sort();
}

export async function inspectArchive(file: string, limits: InspectLimits = DEFAULT_INSPECT_LIMITS): Promise<InspectResult> {
  const compressedBytes = (await stat(file)).size;
  return inspectStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), limits, compressedBytes);
}

/**
 * The same checks on a stream as it arrives (an upload verified while it is written, in one pass).
 * The ratio against a bomb is taken on the compressed bytes read so far: the whole size is not
 * known yet, and what is expanded never runs ahead of what was read by more than the ratio.
 */
export function inspectUpload(source: Readable, limits: InspectLimits = DEFAULT_INSPECT_LIMITS): Promise<InspectResult> {
  return inspectStream(source, limits, null);
}

async function inspectStream(source: Readable, limits: InspectLimits, compressedBytes: number | null): Promise<InspectResult> {
  let expanded = 0;
  let entries = 0;
  let sawDump = false;
  let dumpOk = false;
  let targetText: string | null = null;
  let firstBytes: Buffer | null = null;
  // The file's SHA-256, from the same read (an archive is read once to be verified and digested).
  const hash = createHash('sha256');
  let read = 0;
  const digest = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      read += chunk.length;
      cb(null, chunk);
    },
  });
  // The first bytes must be gzip's magic number: a tar or anything else named .lbkf is refused.
  const checkMagic = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (firstBytes === null) {
        firstBytes = chunk.subarray(0, 2);
        if (chunk.length < 2 || chunk[0] !== 0x1f || chunk[1] !== 0x8b) return cb(new Refused('archive_not_gzip', 'not a gzip stream'));
      }
      cb(null, chunk);
    },
  });
  const countExpanded = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      expanded += chunk.length;
      if (expanded > limits.maxExpandedBytes) return cb(new Refused('archive_bomb', `more than ${limits.maxExpandedBytes} bytes once decompressed`));
      if (expanded > RATIO_ALLOWANCE + limits.maxRatio * (compressedBytes ?? read)) return cb(new Refused('archive_bomb', `decompresses more than ${limits.maxRatio} times its size`));
      cb(null, chunk);
    },
  });

  let failure: Refused | null = null;
  const fail = (e: Refused) => {
    failure ??= e;
  };
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (failure) return entry.resume();
      entries += 1;
      if (entries > limits.maxEntries) {
        fail(new Refused('archive_too_many_entries', `more than ${limits.maxEntries} entries`));
        return entry.resume();
      }
      const place = entryPlace(entry.path);
      if (LINK_TYPES.has(entry.type)) fail(new Refused('archive_entry_link', `${entry.path} is a link`));
      else if (DEVICE_TYPES.has(entry.type)) fail(new Refused('archive_entry_device', `${entry.path} is a device`));
      else if (!place.ok) fail(new Refused(place.code, entry.path));
      else if (!FILE_TYPES.has(entry.type) && entry.type !== 'Directory') fail(new Refused('archive_entry_unexpected', `${entry.path} is a ${entry.type}`));
      if (failure || !place.ok) return entry.resume();
      if (place.path === 'dump.json' && FILE_TYPES.has(entry.type)) {
        sawDump = true;
        const json = new JSONParser({ paths: ['$.*'], keepStack: false });
        let first = true;
        let broken = false;
        json.onError = () => {
          broken = true;
        };
        json.onValue = () => {};
        entry.on('data', (chunk: Buffer) => {
          if (broken) return;
          if (first) {
            const s = chunk.toString('utf8').trimStart();
            if (s.length > 0) {
              first = false;
              if (!s.startsWith('[')) broken = true;
            }
          }
          try {
            if (!broken) json.write(chunk);
          } catch {
            broken = true;
          }
        });
        entry.on('end', () => {
          try {
            if (!broken && !first && !json.isEnded) json.end();
          } catch {
            broken = true;
          }
          if (broken || first || !json.isEnded) fail(new Refused('archive_dump_invalid', 'dump.json is not a JSON array'));
          else dumpOk = true;
        });
        return;
      }
      if (place.path === 'target' && FILE_TYPES.has(entry.type)) {
        const parts: Buffer[] = [];
        let size = 0;
        entry.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_TARGET_BYTES) parts.push(chunk);
        });
        entry.on('end', () => {
          if (size > MAX_TARGET_BYTES) fail(new Refused('archive_target_invalid', 'target is too large'));
          else targetText = Buffer.concat(parts).toString('utf8');
        });
        return;
      }
      entry.resume();
    },
  });
  let parseError: Error | null = null;
  parser.on('error', (err: Error) => {
    parseError ??= err;
  });
  const ended = new Promise<void>((resolve) => parser.on('end', () => resolve()));
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (failure) return cb(failure);
      if (parseError) return cb(new Refused('archive_not_tar', parseError.message));
      if (parser.write(chunk)) cb();
      else parser.once('drain', () => cb());
    },
    final(cb) {
      parser.end();
      ended.then(() => cb(), cb);
    },
  });

  try {
    await pipeline(source, digest, checkMagic, createGunzip({ chunkSize: 256 * 1024 }), countExpanded, sink);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, code: err.code, detail: err.message };
    if (firstBytes === null) return { ok: false, code: 'archive_not_gzip', detail: 'empty file' };
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end/i.test((err as Error).message)) return { ok: false, code: 'archive_truncated', detail: (err as Error).message };
    if (typeof code === 'string' && code.startsWith('Z_')) return { ok: false, code: 'archive_truncated', detail: (err as Error).message };
    return { ok: false, code: 'archive_not_tar', detail: (err as Error).message };
  }
  if (failure) {
    const f = failure as Refused;
    return { ok: false, code: f.code, detail: f.message };
  }
  if (parseError) {
    const e = parseError as Error & { code?: string };
    // A tar cut inside an entry: node-tar says so at the end.
    return { ok: false, code: /truncat|TAR_ABORT|unexpected end/i.test(`${e.code} ${e.message}`) ? 'archive_truncated' : 'archive_not_tar', detail: e.message };
  }
  if (entries === 0) return { ok: false, code: 'archive_not_tar', detail: 'no entry' };
  if (!sawDump) return { ok: false, code: 'archive_no_dump', detail: 'no dump.json' };
  if (!dumpOk) return { ok: false, code: 'archive_dump_invalid', detail: 'dump.json is not a JSON array' };
  if (targetText === null) return { ok: false, code: 'archive_no_target', detail: 'no target' };
  const migrations = parseTarget(targetText);
  if (migrations === null) return { ok: false, code: 'archive_target_invalid', detail: 'target is not a list of migrations' };
  // (gzip ends before the file does only with trailing garbage, which gunzip refuses: the file was read whole)
  return { ok: true, migrations, entries, expandedBytes: expanded, compressedBytes: read, sha256: hash.digest('hex') };
}
