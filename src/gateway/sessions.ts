/**
 * Simultaneous sessions of an instance, counted as the instance counts them. A session is one the
 * instance issued: the front door records the `sessionid` cookies its answers set (Django's
 * `Set-Cookie: sessionid=…`), and a request counts as that session only when its cookie is one of
 * those. Any other request — no cookie, an unknown or made-up one, one longer than any real key —
 * counts as an anonymous visitor of its address: one place per address, however many cookies it
 * invents. A sign-out (the instance clears the cookie) frees the place at once; a sign-in that
 * replaces a session, or turns an address's anonymous visit into a session, keeps the same place.
 *
 * A place counts for `windowMs` after its last request. Everything is bounded on every plan: the
 * entries counted per instance (the oldest go first when full), the sessions remembered as issued
 * (for two weeks, Django's cookie age, or until the bound), and the length of a key.
 */
export interface SessionOptions {
  windowMs?: number;
  /** places remembered per instance (counted or not, anonymous included) */
  maxEntries?: number;
  /** sessions remembered as issued per instance */
  maxIssued?: number;
  /** longer session ids are not ids (Django's are 32 characters) */
  maxKeyLength?: number;
  /** how long an issued session is recognised after its last request */
  issuedTtlMs?: number;
}

/** What a request carries: its session cookie (bounded) and its address. */
export interface SessionRequest {
  sid: string | null;
  ip: string;
}

interface InstanceSessions {
  /** counted key (`s:<sid>` or `a:<ip>`) → last request (ms), oldest first */
  seen: Map<string, number>;
  /** session ids the instance set → last request (ms), oldest first */
  issued: Map<string, number>;
  /** the most sessions at once since the last takePeak() */
  peak: number;
  /** when the lapsed places were last swept (sweeping on every request costs the hot path) */
  swept: number;
}

const SESSION_COOKIE = /(?:^|;\s*)sessionid=([^;]*)/;
const TWO_WEEKS = 14 * 24 * 3600_000;

/** Refreshes an entry and moves it to the end (the newest): the Map's order is then oldest first. */
function touchEntry(map: Map<string, number>, key: string, now: number): void {
  map.delete(key);
  map.set(key, now);
}

function boundSize(map: Map<string, number>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value!);
}

export class SessionTracker {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #maxIssued: number;
  readonly #maxKeyLength: number;
  readonly #issuedTtlMs: number;
  readonly #instances = new Map<string, InstanceSessions>();

  constructor(o: SessionOptions = {}) {
    this.#windowMs = o.windowMs ?? 10 * 60_000;
    this.#maxEntries = o.maxEntries ?? 2048;
    this.#maxIssued = o.maxIssued ?? 4096;
    this.#maxKeyLength = o.maxKeyLength ?? 128;
    this.#issuedTtlMs = o.issuedTtlMs ?? TWO_WEEKS;
  }

  /** The session cookie and address of a request (a cookie too long to be a session id is none). */
  request(cookieHeader: string | undefined, ip: string): SessionRequest {
    const m = cookieHeader === undefined ? null : SESSION_COOKIE.exec(cookieHeader);
    const sid = m && m[1]!.length > 0 && m[1]!.length <= this.#maxKeyLength ? m[1]! : null;
    return { sid, ip };
  }

  #of(instance: string): InstanceSessions {
    let s = this.#instances.get(instance);
    if (!s) {
      s = { seen: new Map(), issued: new Map(), peak: 0, swept: 0 };
      this.#instances.set(instance, s);
    }
    return s;
  }

  #sweep(s: InstanceSessions, now: number): void {
    // Oldest first: stop at the first one still inside its window.
    for (const [k, at] of s.seen) {
      if (now - at <= this.#windowMs) break;
      s.seen.delete(k);
    }
    for (const [k, at] of s.issued) {
      if (now - at <= this.#issuedTtlMs) break;
      s.issued.delete(k);
    }
    s.swept = now;
  }

  /** The place a request counts as: its issued session, else its address. */
  #keyOf(s: InstanceSessions, r: SessionRequest): string {
    return r.sid !== null && s.issued.has(r.sid) ? `s:${r.sid}` : `a:${r.ip}`;
  }

  /**
   * The counted key when the request may go on (the place is counted or refreshed), or null when a
   * new place would go beyond the maximum. A known place is never refused.
   */
  admit(instance: string, r: SessionRequest, max: number | null, now: number): string | null {
    const s = this.#of(instance);
    if (now - s.swept > 1000 || (max !== null && s.seen.size >= max)) this.#sweep(s, now);
    const key = this.#keyOf(s, r);
    if (key.charCodeAt(0) === 115 /* s */) touchEntry(s.issued, r.sid!, now);
    if (s.seen.has(key)) {
      touchEntry(s.seen, key, now);
      return key;
    }
    if (max !== null && s.seen.size >= max) return null;
    s.seen.set(key, now);
    boundSize(s.seen, this.#maxEntries);
    if (s.seen.size > s.peak) s.peak = s.seen.size;
    return key;
  }

  /**
   * What the instance answered about its session: `Set-Cookie: sessionid=NEW` records NEW as issued,
   * in the place the request was counted in (a sign-in keeps the visitor's place, a new key replaces
   * the old one); a cleared `sessionid` (sign-out) frees the request's place at once.
   */
  answered(instance: string, r: SessionRequest, counted: string, setCookie: string | string[], now: number): void {
    const cookie = sessionCookieSet(setCookie);
    if (cookie === null) return;
    const s = this.#of(instance);
    s.seen.delete(counted);
    if (counted.charCodeAt(0) === 115 /* s */) s.issued.delete(counted.slice(2));
    if (cookie.cleared || cookie.value.length > this.#maxKeyLength) return;
    touchEntry(s.issued, cookie.value, now);
    boundSize(s.issued, this.#maxIssued);
    touchEntry(s.seen, `s:${cookie.value}`, now);
    boundSize(s.seen, this.#maxEntries);
  }

  /**
   * Keeps a place alive while a long-lived connection of it (a WebSocket) carries bytes. It was
   * admitted when the connection opened, so it is counted again even if it had lapsed meanwhile.
   */
  touch(instance: string, key: string, now: number): void {
    const s = this.#instances.get(instance);
    if (!s) return;
    touchEntry(s.seen, key, now);
    boundSize(s.seen, this.#maxEntries);
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

  /** Entries kept over all instances (for the memory bound's test and the curious). */
  size(): { seen: number; issued: number } {
    let seen = 0;
    let issued = 0;
    for (const s of this.#instances.values()) {
      seen += s.seen.size;
      issued += s.issued.size;
    }
    return { seen, issued };
  }
}

/**
 * The `sessionid` an answer sets, if it sets one: its value, and whether it clears it (empty,
 * `Max-Age` ≤ 0, or an `Expires` in the past) — Django clears with `sessionid=""; Max-Age=0; expires=…1970`.
 */
export function sessionCookieSet(setCookie: string | string[]): { value: string; cleared: boolean } | null {
  let found: { value: string; cleared: boolean } | null = null;
  for (const c of Array.isArray(setCookie) ? setCookie : [setCookie]) {
    if (!/^\s*sessionid=/i.test(c)) continue;
    const parts = c.split(';');
    let value = parts[0]!.slice(parts[0]!.indexOf('=') + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    let cleared = value === '';
    for (const attr of parts.slice(1)) {
      const [k, v = ''] = attr.split('=');
      const name = k!.trim().toLowerCase();
      if (name === 'max-age' && v.trim() !== '' && Number(v.trim()) <= 0) cleared = true;
      if (name === 'expires') {
        const t = Date.parse(v.trim());
        if (Number.isFinite(t) && t < Date.now()) cleared = true;
      }
    }
    found = { value, cleared };
  }
  return found;
}
