// A process that writes archives through the store, one after another, until it is killed: each
// file is written to a temporary name, then committed (fsync, rename). Prints the SHA-256 of each
// file before committing it, so the parent knows every complete file that may appear.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { LocalArchiveStore } from '../../src/modules/archives/archive-store.ts';

const store = new LocalArchiveStore(process.argv[2]!);
for (;;) {
  const pending = await store.begin();
  const hash = createHash('sha256');
  const out = createWriteStream(pending.file);
  for (let i = 0; i < 32; i++) {
    const chunk = randomBytes(256 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  process.stdout.write(`sha ${hash.digest('hex')}\n`);
  await pending.commit();
}
