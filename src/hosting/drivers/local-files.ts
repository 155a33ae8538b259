import { chownSync, closeSync, copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { lucteriosName } from '../apps/diacamma.ts';
import type { ProcessIdentity } from '../sandbox/proc.ts';

/**
 * Where the local driver keeps things, under DATA_DIR:
 *
 *   instances/NAME/            the instance's folder (Lucterios' INSTANCE_PATH: manage_X.py, X/),
 *                              owned by the instance's uid when sandboxed; the only place it can write
 *   hosting/                   ecrin's own (0700, hidden from instances):
 *     uids.json                the uid of each instance
 *     run/NAME.json            the running server: pid, start time, port (to adopt it after a restart)
 *     logs/NAME.log, .log.1    the server's output and ecrin's notes about it, rotated at a size
 *     supervisor.lock          the ecrin process that supervises these instances
 */
export class LocalPaths {
  readonly dataDir: string;
  readonly instancesDir: string;
  readonly hostingDir: string;

  constructor(dataDir: string, instancesDir: string) {
    this.dataDir = path.resolve(dataDir);
    this.instancesDir = path.resolve(instancesDir);
    this.hostingDir = path.join(this.dataDir, 'hosting');
  }

  root(name: string): string {
    return path.join(this.instancesDir, name);
  }

  marker(name: string): string {
    return path.join(this.root(name), `manage_${lucteriosName(name)}.py`);
  }

  data(name: string): string {
    return path.join(this.root(name), lucteriosName(name));
  }

  ensureHostingDirs(): void {
    for (const d of [this.hostingDir, path.join(this.hostingDir, 'run'), path.join(this.hostingDir, 'logs')]) mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  /**
   * Instances made before each had a folder of its own shared one INSTANCE_PATH (instances/manage_X.py
   * and instances/X/). Each moves into instances/NAME/ by renames (a crash half-way is finished at the
   * next start: the pieces are looked for in both places).
   */
  migrateSharedLayout(): string[] {
    if (!existsSync(this.instancesDir)) return [];
    const moved: string[] = [];
    for (const entry of readdirSync(this.instancesDir)) {
      const m = /^manage_([a-z0-9_]+)\.py$/.exec(entry);
      if (!m) continue;
      const x = m[1]!;
      const name = x.replace(/_/g, '-');
      const staging = path.join(this.instancesDir, `.moving-${name}`);
      mkdirSync(staging, { recursive: true });
      if (existsSync(path.join(this.instancesDir, x)) && lstatSync(path.join(this.instancesDir, x)).isDirectory()) renameSync(path.join(this.instancesDir, x), path.join(staging, x));
      renameSync(path.join(this.instancesDir, entry), path.join(staging, entry));
      renameSync(staging, this.root(name));
      moved.push(name);
    }
    // A move interrupted after its last rename into staging
    for (const entry of readdirSync(this.instancesDir)) {
      const m = /^\.moving-(.+)$/.exec(entry);
      if (m && !existsSync(this.root(m[1]!))) renameSync(path.join(this.instancesDir, entry), this.root(m[1]!));
    }
    return moved;
  }

  /** The instance's folder, made if needed, owned by `uid` (everything in it, once) and closed to others. */
  ensureRoot(name: string, uid: number | null): string {
    const root = this.root(name);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    if (uid !== null && statSync(root).uid !== uid) chownTree(root, uid);
    return root;
  }
}

function chownTree(p: string, uid: number): void {
  const st = lstatSync(p);
  chownSync(p, uid, uid);
  if (st.isDirectory()) for (const e of readdirSync(p)) chownTree(path.join(p, e), uid);
}

export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

// --- run records ---------------------------------------------------------------------------------

export interface RunRecord extends ProcessIdentity {
  port: number;
  /** the uid it runs as, when sandboxed */
  uid: number | null;
  startedAt: string;
}

export class RunRecords {
  readonly #dir: string;
  constructor(paths: LocalPaths) {
    this.#dir = path.join(paths.hostingDir, 'run');
  }

  read(name: string): RunRecord | null {
    try {
      const r = JSON.parse(readFileSync(path.join(this.#dir, `${name}.json`), 'utf8')) as RunRecord;
      return Number.isInteger(r.pid) && Number.isInteger(r.port) && Number.isFinite(r.startTicks) ? r : null;
    } catch {
      return null;
    }
  }

  write(name: string, r: RunRecord): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.#dir, `${name}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(r) + '\n', { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  remove(name: string): void {
    rmSync(path.join(this.#dir, `${name}.json`), { force: true });
  }

  names(): string[] {
    try {
      return readdirSync(this.#dir).flatMap((f) => (f.endsWith('.json') ? [f.slice(0, -5)] : []));
    } catch {
      return [];
    }
  }
}

// --- logs ----------------------------------------------------------------------------------------

/**
 * An instance's log: the server's stdout and stderr (the file is its output, so the server writes on
 * whether ecrin runs or not) and ecrin's own notes (started, exited, probe failed, restarted).
 * Bounded: past `maxBytes` it is copied to `.log.1` and emptied (the server appends, so it goes on at
 * the start of the emptied file); checked at every health probe, so a file can exceed the bound by
 * what the server writes between two probes.
 */
export class InstanceLog {
  readonly file: string;
  readonly #maxBytes: number;

  constructor(paths: LocalPaths, name: string, maxBytes: number) {
    this.file = path.join(paths.hostingDir, 'logs', `${name}.log`);
    this.#maxBytes = maxBytes;
  }

  /** A descriptor for a child's stdout/stderr (append-only); the caller closes it after spawn. */
  openForChild(): number {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    return openSync(this.file, 'a', 0o600);
  }

  note(line: string): void {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const fd = openSync(this.file, 'a', 0o600);
      try {
        writeFileSync(fd, `[${new Date().toISOString()}] [ecrin] ${line.replace(/\n/g, ' ')}\n`);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* a log that cannot be written must not stop the instance */
    }
  }

  rotateIfNeeded(): void {
    try {
      if (statSync(this.file).size <= this.#maxBytes) return;
      copyFileSync(this.file, `${this.file}.1`);
      truncateSync(this.file, 0);
    } catch {
      /* no log yet */
    }
  }

  /** The last lines (of the current file, completed from the rotated one when it is short), without `skip` ones. */
  async tail(lines: number, skip?: RegExp): Promise<string[]> {
    const out: string[] = [];
    for (const f of [this.file, `${this.file}.1`]) {
      const chunk = await readEnd(f, 64 * 1024);
      const got = chunk.split('\n').filter((l) => l !== '' && !(skip && skip.test(l)));
      out.unshift(...got.slice(-(lines - out.length)));
      if (out.length >= lines) break;
    }
    return out.slice(-lines);
  }

  remove(): void {
    rmSync(this.file, { force: true });
    rmSync(`${this.file}.1`, { force: true });
  }
}

async function readEnd(file: string, bytes: number): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    // A cut first line is dropped rather than shown half.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await fh.close();
  }
}
