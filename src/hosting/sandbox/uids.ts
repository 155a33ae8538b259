import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One uid (and the gid of the same number) per instance, from the configured range, kept in
 * `DATA_DIR/hosting/uids.json` so an instance keeps its uid (and so its files) across restarts.
 * The numbers need no /etc/passwd entry: setpriv takes them as they are; the range must not be
 * used by anyone else on the machine.
 */
export class UidAllocator {
  readonly #file: string;
  readonly #first: number;
  readonly #last: number;

  constructor(hostingDir: string, range: { first: number; last: number }) {
    this.#file = path.join(hostingDir, 'uids.json');
    this.#first = range.first;
    this.#last = range.last;
  }

  #read(): Record<string, number> {
    try {
      return JSON.parse(readFileSync(this.#file, 'utf8')) as Record<string, number>;
    } catch {
      return {};
    }
  }

  #write(map: Record<string, number>): void {
    mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(map, null, 1) + '\n', { mode: 0o600 });
    renameSync(tmp, this.#file);
  }

  /** The instance's uid, given the lowest free one the first time. */
  uidOf(name: string): number {
    const map = this.#read();
    const known = map[name];
    if (known !== undefined) return known;
    const taken = new Set(Object.values(map));
    for (let uid = this.#first; uid <= this.#last; uid++) {
      if (taken.has(uid)) continue;
      map[name] = uid;
      this.#write(map);
      return uid;
    }
    throw new Error(`no free uid left in ${this.#first}-${this.#last} (INSTANCE_UIDS)`);
  }

  /** Gives the uid back (the instance is deleted). */
  release(name: string): void {
    const map = this.#read();
    if (!(name in map)) return;
    delete map[name];
    this.#write(map);
  }
}
