/**
 * At most `limit` holders at once; the others wait in order. Bounds how many instance servers start
 * together (ecrin's start, restarts after a crash of many): concurrent, but without 50 servers
 * fighting for two cores at once.
 */
export class Semaphore {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#held >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#held++;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next in line (held stays the same), or is given back.
      if (next) next();
      else this.#held--;
    }
  }
}
