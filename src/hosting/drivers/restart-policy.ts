/**
 * When a server that stopped is started again: at once the first time (0.1 s), then after 1, 2, 4 …
 * 30 s; and not at all once it has been restarted `restarts` times within `windowMs` (a crash loop:
 * restarting it again would only hide the cause).
 */
export interface RestartPolicy {
  restarts: number;
  windowMs: number;
}

/** `recent`: the restarts so far (ms timestamps); returns them with this one, and its delay (null: a crash loop). */
export function nextRestart(recent: readonly number[], now: number, policy: RestartPolicy): { recent: number[]; delayMs: number | null } {
  const within = recent.filter((t) => now - t < policy.windowMs);
  if (within.length >= policy.restarts) return { recent: within, delayMs: null };
  const n = within.length;
  return { recent: [...within, now], delayMs: n === 0 ? 100 : Math.min(30_000, 1000 * 2 ** (n - 1)) };
}
