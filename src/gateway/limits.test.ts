import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { ByteBucket, SessionTracker, Throttle } from './limits.ts';

const k = (cookie: string | undefined, ip = '10.0.0.1', ua = 'Firefox') => SessionTracker.key(cookie, ip, ua);

describe('simultaneous sessions', () => {
  it('admits up to the maximum, refuses a new one, never cuts a known one', () => {
    const s = new SessionTracker(10 * 60_000);
    const t0 = 1_000_000;
    assert.ok(s.admit('x', k('sessionid=a'), 3, t0));
    assert.ok(s.admit('x', k('sessionid=b'), 3, t0));
    assert.ok(s.admit('x', k('sessionid=c'), 3, t0));
    assert.equal(s.admit('x', k('sessionid=d'), 3, t0), false, 'a 4th session is refused');
    assert.ok(s.admit('x', k('sessionid=a'), 3, t0 + 1000), 'a known session goes on');
    assert.equal(s.current('x', t0), 3);
    assert.ok(s.admit('y', k('sessionid=d'), 3, t0), 'instances are counted apart');
  });

  it('counts one person once when their anonymous visit becomes a session', () => {
    const s = new SessionTracker();
    assert.ok(s.admit('x', k(undefined, '1.1.1.1', 'A'), 1, 0));
    assert.ok(s.admit('x', k('csrftoken=z; sessionid=a', '1.1.1.1', 'A'), 1, 1));
    assert.equal(s.current('x', 1), 1);
    assert.equal(s.admit('x', k(undefined, '2.2.2.2', 'B'), 1, 2), false);
  });

  it('forgets a session after the window, and has no limit when the plan has none', () => {
    const s = new SessionTracker(10 * 60_000);
    assert.ok(s.admit('x', k('sessionid=a'), 1, 0));
    assert.equal(s.admit('x', k('sessionid=b'), 1, 60_000), false);
    assert.ok(s.admit('x', k('sessionid=b'), 1, 10 * 60_000 + 1), 'the old one lapsed');
    for (let i = 0; i < 50; i++) assert.ok(s.admit('u', k(`sessionid=${i}`), null, 0));
    assert.equal(s.takePeak('u', 0), 50);
  });

  it('keeps a long-lived connection’s session alive while it carries bytes', () => {
    const s = new SessionTracker(10 * 60_000);
    assert.ok(s.admit('x', k('sessionid=ws'), 1, 0));
    s.touch('x', 'sid:ws', 9 * 60_000);
    assert.equal(s.admit('x', k('sessionid=other'), 1, 15 * 60_000), false, 'the WebSocket’s session still holds the only slot');
    assert.ok(s.admit('x', k('sessionid=other'), 1, 19 * 60_000 + 1), 'and lapses 10 minutes after its last bytes');
  });
});

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
