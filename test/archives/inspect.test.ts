import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { inspectArchive, newerThan, parseTarget } from '../../src/modules/archives/archive-inspect.ts';
import { INSTANCE_TARGET, tarOf, validEntries, writeCorpus } from './corpus.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-archives-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const limits = { maxEntries: 2000, maxExpandedBytes: 64 * 1024 ** 3, maxRatio: 200 };

describe('archive inspection (streaming, before anything is recorded)', () => {
  it('accepts a sound archive and reads its target', async () => {
    const file = path.join(dir, 'ok.lbkf');
    writeFileSync(file, gzipSync(tarOf(validEntries())));
    const r = await inspectArchive(file, limits);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.migrations, parseTarget(INSTANCE_TARGET));
    assert.equal(r.entries, 4);
  });

  for (const c of writeCorpus(dir)) {
    if (c.code === 'archive_target_newer') continue; // a rule of the instance, checked by the import
    it(`refuses ${c.name} with ${c.code}`, async () => {
      const r = await inspectArchive(c.file, limits);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, c.code, JSON.stringify(r));
    });
  }

  it('finds a newer Diacamma in a target (a later migration, or an application the instance lacks)', () => {
    const mine = parseTarget(INSTANCE_TARGET)!;
    assert.deepEqual(newerThan(mine, mine), []);
    assert.deepEqual(newerThan([...mine, ['contacts', '0002_more']], mine), ['contacts']);
    assert.deepEqual(newerThan([...mine, ['diacamma.event', '0001_initial']], mine), ['diacamma.event']);
    assert.deepEqual(newerThan(mine.slice(0, 2), mine), [], 'an older one is fine');
  });
});
