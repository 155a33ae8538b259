import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { ByteBucket, Throttle } from './limits.ts';

describe('bandwidth', () => {
  it('spaces reservations at the rate, after a small burst', () => {
    const b = new ByteBucket(8, 0); // 8 Mbps = 1,000,000 bytes/s
    assert.equal(b.reserve(500_000, 0), 500);
    assert.equal(b.reserve(500_000, 0), 1000);
    assert.equal(b.reserve(1000, 5000), 1, 'idle time does not pile up credit beyond the burst');
  });

  it('throttles a stream to the plan’s rate', async () => {
    const bucket = new ByteBucket(16); // 2,000,000 bytes/s
    let counted = 0;
    const started = performance.now();
    await pipeline(
      Readable.from((function* () {
        for (let i = 0; i < 25; i++) yield Buffer.alloc(40_000);
      })()),
      new Throttle(bucket, (n) => (counted += n)),
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(counted, 1_000_000);
    // Never faster than the plan (the property); the upper bound only guards against a stall.
    assert.ok(seconds > 0.45 && seconds < 3, `1 MB at 2 MB/s took ${seconds.toFixed(2)} s`);
  });
});
