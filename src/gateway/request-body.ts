import { randomBytes } from 'node:crypto';
import { close, closeSync, createReadStream, mkdirSync, openSync, unlinkSync, write } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteBucket } from './limits.ts';

/**
 * Request bodies for instances are received whole by the front door before the instance sees the
 * request. Diacamma serves with one sync worker: a client sending its body slowly (or not at all)
 * would hold that worker, and so the whole instance, for as long as it likes. Here the body arrives
 * at the client's pace (and the plan's rate), then goes to the instance at once.
 *
 * Up to `memoryBytes` a body stays in memory (while all bodies in memory stay under
 * `memoryTotalBytes`), beyond that in a temporary file (opened, then unlinked at once: nothing is
 * left behind, even by a crash) up to `maxBytes`; a larger body is refused. A body that sends
 * nothing for `stallMs` is cut; a client that goes away mid-body is simply dropped.
 */
export interface BodyLimits {
  memoryBytes: number;
  memoryTotalBytes: number;
  maxBytes: number;
  stallMs: number;
  /** where temporary files go (made on first use; the system's temporary folder if it cannot be) */
  spoolDir: string;
}

export class BodyTooLarge extends Error {}
export class BodyStalled extends Error {}
export class ClientAborted extends Error {}

export interface ReceivedBody {
  length: number;
  /** the body, when kept in memory */
  memory: Buffer | null;
  /** its temporary file, otherwise */
  fd: number | null;
  /** bytes of the memory budget it holds */
  reserved: number;
}

export class RequestBodies {
  readonly #l: BodyLimits;
  #inMemory = 0;
  #spoolDir: string | null = null;

  constructor(limits: BodyLimits) {
    this.#l = limits;
  }

  /** Bytes of bodies held in memory right now, all requests together. */
  get inMemory(): number {
    return this.#inMemory;
  }

  #openSpool(): number {
    if (this.#spoolDir === null) {
      try {
        mkdirSync(this.#l.spoolDir, { recursive: true, mode: 0o700 });
        this.#spoolDir = this.#l.spoolDir;
      } catch {
        this.#spoolDir = tmpdir();
      }
    }
    const file = path.join(this.#spoolDir, `body-${randomBytes(8).toString('hex')}`);
    const fd = openSync(file, 'wx+', 0o600);
    unlinkSync(file);
    return fd;
  }

  /** Receives the whole body (paced by the plan's bucket when there is one; `count` sees every byte). */
  receive(req: IncomingMessage, bucket: ByteBucket | null, count: (n: number) => void): Promise<ReceivedBody> {
    const l = this.#l;
    const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : null;
    if (declared !== null && declared > l.maxBytes) return Promise.reject(new BodyTooLarge(`${declared} bytes`));
    return new Promise((resolve, reject) => {
      let chunks: Buffer[] = [];
      let length = 0;
      let reserved = 0;
      let fd: number | null = null;
      let writing = 0;
      let ended = false;
      let settled = false;
      /** reasons the body is paused by us (bandwidth, a disk write): not a stall of the client */
      let holds = 0;
      let stall: NodeJS.Timeout | null = null;
      const arm = () => {
        if (stall) clearTimeout(stall);
        stall = holds === 0 && !ended ? setTimeout(() => fail(new BodyStalled(`nothing for ${l.stallMs} ms`)), l.stallMs) : null;
      };
      const hold = () => {
        if (holds++ === 0) req.pause();
        arm();
      };
      const unhold = () => {
        if (--holds === 0 && !settled) req.resume();
        arm();
      };
      const cleanup = () => {
        if (stall) clearTimeout(stall);
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        req.off('error', fail);
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        this.#inMemory -= reserved;
        chunks = [];
        if (fd !== null) close(fd, () => {});
        reject(err);
      };
      const finish = () => {
        if (settled || !ended || writing > 0) return;
        settled = true;
        cleanup();
        resolve({ length, memory: fd === null ? Buffer.concat(chunks, length) : null, fd, reserved });
      };
      const toDisk = (chunk: Buffer) => {
        if (fd === null) {
          try {
            fd = this.#openSpool();
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          const before = chunks;
          chunks = [];
          this.#inMemory -= reserved;
          reserved = 0;
          for (const c of before) diskWrite(c);
        }
        diskWrite(chunk);
      };
      // Writes go in order (one file position after the other) and hold the body while they run.
      let position = 0;
      const diskWrite = (chunk: Buffer) => {
        const at = position;
        position += chunk.length;
        writing++;
        hold();
        write(fd!, chunk, 0, chunk.length, at, (err) => {
          writing--;
          if (err) return fail(err);
          unhold();
          finish();
        });
      };
      const onData = (chunk: Buffer) => {
        if (settled) return;
        length += chunk.length;
        count(chunk.length);
        if (length > l.maxBytes) return fail(new BodyTooLarge(`more than ${l.maxBytes} bytes`));
        if (fd === null && length <= l.memoryBytes && this.#inMemory + chunk.length <= l.memoryTotalBytes) {
          chunks.push(chunk);
          this.#inMemory += chunk.length;
          reserved += chunk.length;
        } else {
          toDisk(chunk);
        }
        const wait = bucket ? bucket.reserve(chunk.length) : 0;
        if (wait > 1) {
          hold();
          setTimeout(unhold, wait);
        } else {
          arm();
        }
      };
      const onEnd = () => {
        ended = true;
        arm();
        finish();
      };
      const onClose = () => {
        if (!ended) fail(new ClientAborted('the client went away mid-body'));
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('close', onClose);
      req.on('error', fail);
      arm();
    });
  }

  /** What the instance is sent: the bytes, or a stream over the temporary file (which it closes). */
  bodyOf(b: ReceivedBody): Buffer | Readable {
    if (b.memory !== null) return b.memory;
    return createReadStream('', { fd: b.fd!, start: 0, autoClose: true });
  }

  /** The request is over: its memory goes back to the budget (its file closes with its stream). */
  done(b: ReceivedBody): void {
    this.#inMemory -= b.reserved;
    b.reserved = 0;
  }

  /** A body never sent (the request refused before it went out): its file is closed here. */
  discard(b: ReceivedBody): void {
    this.done(b);
    if (b.fd !== null) {
      try {
        closeSync(b.fd);
      } catch {
        /* already closed */
      }
    }
  }
}
