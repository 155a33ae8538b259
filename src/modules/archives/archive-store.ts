import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where archive files are kept. The local store (the default) keeps them under DATA_DIR/archives;
 * an S3 store would keep the same keys in a bucket behind the same interface.
 *
 * A file is written in two steps: `begin` gives a temporary place (never listed, never served) and
 * `commit` makes it final once the caller has verified it — fsynced, then renamed, so that a crash
 * at any moment leaves either no archive or a complete one.
 */
export interface ArchiveStore {
  /** A temporary file for a new archive: write it (a path on the local disk), then commit or discard. */
  begin(): Promise<PendingArchive>;
  /**
   * Writes a stream to a temporary file, at most `maxBytes` (more: `TooLarge`, nothing kept).
   * `tap`, when given, gets every chunk too, as it is written (the verification of an upload in
   * the same pass); it slows the write to its own pace, and is ended with the body.
   */
  receive(body: Readable, maxBytes: number, tap?: Writable): Promise<PendingArchive>;
  /** Reads a stored archive, whole or a byte range (inclusive end). */
  read(key: string, range?: { start: number; end: number }): Readable;
  size(key: string): Promise<number | null>;
  /** A path on the local disk holding the archive, for the admin tool to read (the local store: the file itself). */
  localFile(key: string): string;
  delete(key: string): Promise<void>;
  /** Temporary files left by a process that died mid-way (removed at start). */
  sweep(): Promise<number>;
}

export interface PendingArchive {
  /** where the bytes are (local disk): the admin tool writes there, the inspector reads there */
  readonly file: string;
  /** size and SHA-256 of the bytes, read once written (streaming) */
  digest(): Promise<{ size: number; sha256: string }>;
  /** fsync, then rename under its final key */
  commit(): Promise<string>;
  discard(): Promise<void>;
}

export class TooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`more than ${limit} bytes`);
    this.limit = limit;
  }
}

const TEMP_PREFIX = '.tmp-';

export class LocalArchiveStore implements ArchiveStore {
  readonly #dir: string;

  #made = false;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The folder, made on first use (a process that never archives never touches the disk). */
  #ensure(): void {
    if (this.#made) return;
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#made = true;
  }

  #path(key: string): string {
    if (!/^[0-9a-z-]+\.lbkf$/.test(key)) throw new Error(`bad archive key ${key}`);
    return path.join(this.#dir, key);
  }

  async begin(): Promise<PendingArchive> {
    this.#ensure();
    const id = `${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`;
    const temp = path.join(this.#dir, `${TEMP_PREFIX}${id}.lbkf`);
    const key = `${id}.lbkf`;
    const dir = this.#dir;
    return {
      file: temp,
      digest: () => digestFile(temp),
      async commit() {
        const fh = await open(temp, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(temp, path.join(dir, key));
        // The rename itself is made durable by syncing the folder.
        const d = await open(dir, 'r');
        try {
          await d.sync();
        } finally {
          await d.close();
        }
        return key;
      },
      async discard() {
        await rm(temp, { force: true });
      },
    };
  }

  async receive(body: Readable, maxBytes: number, tap?: Writable): Promise<PendingArchive> {
    const pending = await this.begin();
    let n = 0;
    // A tap that gave up (its verdict is known) is not waited for any more.
    const tapOpen = () => tap !== undefined && !tap.destroyed && !tap.writableEnded;
    const bound = new Transform({
      highWaterMark: 1024 * 1024,
      transform(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        if (n > maxBytes) return cb(new TooLarge(maxBytes));
        if (!tapOpen() || tap!.write(chunk)) return cb(null, chunk);
        const go = () => {
          tap!.off('drain', go).off('close', go);
          cb(null, chunk);
        };
        tap!.on('drain', go).on('close', go);
      },
      flush(cb) {
        if (tapOpen()) tap!.end();
        cb();
      },
    });
    try {
      await pipeline(body, bound, createWriteStream(pending.file, { mode: 0o600, highWaterMark: 1024 * 1024 }));
    } catch (err) {
      if (tapOpen()) tap!.destroy(err as Error);
      await pending.discard();
      throw err;
    }
    return pending;
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    // 1 MiB reads: fewer, larger writes to the socket (64 KiB, the default, costs per chunk).
    return createReadStream(this.#path(key), { highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  localFile(key: string): string {
    return this.#path(key);
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.#path(key))).size;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async sweep(): Promise<number> {
    if (!existsSync(this.#dir)) return 0;
    let n = 0;
    for (const f of readdirSync(this.#dir)) {
      if (!f.startsWith(TEMP_PREFIX)) continue;
      const p = path.join(this.#dir, f);
      if (statSync(p).isFile()) {
        await rm(p, { force: true });
        n += 1;
      }
    }
    return n;
  }
}

async function digestFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(file), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      size += chunk.length;
      hash.update(chunk);
    }
    yield* [];
  });
  return { size, sha256: hash.digest('hex') };
}
