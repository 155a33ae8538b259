import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalArchiveStore } from '../../src/modules/archives/archive-store.ts';

/**
 * SIGKILL while archives are written: 20 runs, killed at random moments. No file under a final
 * name is ever partial (each is one the writer finished), and the temporary files left are
 * removed by the next start's sweep.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-archive-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('an archive writer killed at any moment', () => {
  it('never leaves a partial archive under a final name', { timeout: 180_000 }, async () => {
    const finished = new Set<string>();
    let killedWithTemp = 0;
    for (let run = 0; run < 20; run++) {
      const child = spawn(process.execPath, [path.join(import.meta.dirname, 'crash-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (b: Buffer) => {
        for (const line of b.toString().split('\n')) if (line.startsWith('sha ')) finished.add(line.slice(4));
      });
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 600)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const files = readdirSync(dir);
      if (files.some((f) => f.startsWith('.tmp-'))) killedWithTemp++;
      for (const f of files.filter((f) => !f.startsWith('.tmp-'))) {
        const sha = createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex');
        assert.ok(finished.has(sha), `run ${run}: ${f} is not a file the writer finished`);
      }
      // The next start: what a dead process left half-written goes.
      await new LocalArchiveStore(dir).sweep();
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.tmp-')), []);
    }
    assert.ok(killedWithTemp > 0, 'some runs were killed in the middle of a file (the test is not vacuous)');
  });
});
