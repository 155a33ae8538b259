import { Transform, type TransformCallback } from 'node:stream';

/** A plan's limits as the front door applies them; null means unlimited. */
export interface PlanLimits {
  planName: string;
  maxSessions: number | null;
  bandwidthMbps: number | null;
}

/**
 * A token bucket over bytes, shared by every stream of one instance, both directions: at most `rate`
 * bytes per second on average, with a small burst. Reservations are served in order (GCRA), so
 * concurrent streams share the rate instead of racing for it.
 */
export class ByteBucket {
  readonly bytesPerSecond: number;
  readonly #burstMs: number;
  #t = 0;

  constructor(mbps: number, burstMs = 50) {
    this.bytesPerSecond = (mbps * 1_000_000) / 8;
    this.#burstMs = burstMs;
  }

  /** Reserves n bytes; returns how long to wait (ms) before sending them. */
  reserve(n: number, now = performance.now()): number {
    const earliest = now - this.#burstMs;
    if (this.#t < earliest) this.#t = earliest;
    this.#t += (n * 1000) / this.bytesPerSecond;
    return Math.max(0, this.#t - now);
  }
}

const PIECE = 16 * 1024;

/** A stream that passes bytes on no faster than its bucket allows (and counts them). */
export class Throttle extends Transform {
  readonly #bucket: ByteBucket | null;
  readonly #count: (n: number) => void;

  constructor(bucket: ByteBucket | null, count: (n: number) => void) {
    super();
    this.#bucket = bucket;
    this.#count = count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#count(chunk.length);
    if (!this.#bucket) {
      done(null, chunk);
      return;
    }
    void this.#send(chunk).then(() => done(), done);
  }

  async #send(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; offset += PIECE) {
      const piece = chunk.subarray(offset, offset + PIECE);
      const wait = this.#bucket!.reserve(piece.length);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      this.push(piece);
    }
  }
}
