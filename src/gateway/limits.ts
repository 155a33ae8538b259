import { Transform, type TransformCallback } from 'node:stream';

/** A plan's limits as the front door applies them; null means unlimited. */
export interface PlanLimits {
  planName: string;
  maxSessions: number | null;
  bandwidthMbps: number | null;
}

interface InstanceSessions {
  /** session key → last seen (ms) */
  seen: Map<string, number>;
  /** the most sessions at once since the last takePeak() */
  peak: number;
  /** when the lapsed sessions were last swept (sweeping on every request costs the hot path) */
  swept: number;
}

/**
 * Simultaneous sessions of an instance: a session is a distinct instance session cookie (Django's
 * `sessionid`), or — before it has one — the client's address and user agent, seen in the last
 * window. A new session beyond the maximum is refused; a known one is never cut.
 */
export class SessionTracker {
  readonly #windowMs: number;
  readonly #instances = new Map<string, InstanceSessions>();

  constructor(windowMs = 10 * 60_000) {
    this.#windowMs = windowMs;
  }

  static key(cookieHeader: string | undefined, ip: string, userAgent: string): { key: string; anonymous: string } {
    const anonymous = `anon:${ip}|${userAgent}`;
    const m = cookieHeader === undefined ? null : /(?:^|;\s*)sessionid=([^;]+)/.exec(cookieHeader);
    return { key: m ? `sid:${m[1]}` : anonymous, anonymous };
  }

  #of(instance: string): InstanceSessions {
    let s = this.#instances.get(instance);
    if (!s) {
      s = { seen: new Map(), peak: 0, swept: 0 };
      this.#instances.set(instance, s);
    }
    return s;
  }

  /** true when the request may go on; the session is then counted (or refreshed). */
  admit(instance: string, key: { key: string; anonymous: string }, max: number | null, now: number): boolean {
    const s = this.#of(instance);
    const sessions = s.seen;
    if (now - s.swept > 1000 || (max !== null && sessions.size >= max)) {
      for (const [k, at] of sessions) if (now - at > this.#windowMs) sessions.delete(k);
      s.swept = now;
    }
    if (sessions.has(key.key)) {
      sessions.set(key.key, now);
      return true;
    }
    // A browser that just signed in turns its anonymous visit into a session: the same person, one slot.
    if (key.key !== key.anonymous && sessions.delete(key.anonymous)) {
      sessions.set(key.key, now);
      return true;
    }
    if (max !== null && sessions.size >= max) return false;
    sessions.set(key.key, now);
    if (sessions.size > s.peak) s.peak = sessions.size;
    return true;
  }

  /**
   * Keeps a session alive while a long-lived connection of it (a WebSocket) carries bytes. It was
   * admitted when the connection opened, so it is counted again even if it had lapsed meanwhile.
   */
  touch(instance: string, key: string, now: number): void {
    const s = this.#instances.get(instance);
    if (!s) return;
    s.seen.set(key, now);
    if (s.seen.size > s.peak) s.peak = s.seen.size;
  }

  current(instance: string, now: number): number {
    const s = this.#instances.get(instance);
    if (!s) return 0;
    let n = 0;
    for (const at of s.seen.values()) if (now - at <= this.#windowMs) n++;
    return n;
  }

  /** The peak since the last call (for the daily usage counters). */
  takePeak(instance: string, now: number): number {
    const current = this.current(instance, now);
    const s = this.#instances.get(instance);
    if (!s) return 0;
    const peak = Math.max(s.peak, current);
    s.peak = current;
    return peak;
  }
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
