import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionCookieSet, SessionTracker } from './sessions.ts';

const SIGN_IN = (key: string) => `sessionid=${key}; expires=Tue, 16 Dec 2036 10:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`;
const SIGN_OUT = 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax';

/** A person at an address: what the instance sets is what their browser sends next. */
class Visitor {
  sid: string | null = null;
  readonly s: SessionTracker;
  readonly ip: string;
  constructor(s: SessionTracker, ip: string) {
    this.s = s;
    this.ip = ip;
  }
  visit(max: number | null, now: number, answer?: string): boolean {
    const r = this.s.request(this.sid ? `csrftoken=x; sessionid=${this.sid}` : 'csrftoken=x', this.ip);
    const key = this.s.admit('club', r, max, now);
    if (key === null) return false;
    if (answer) {
      this.s.answered('club', r, key, answer, now);
      const set = sessionCookieSet(answer)!;
      this.sid = set.cleared ? null : set.value;
    }
    return true;
  }
}

describe('sessions counted as the instance counts them', () => {
  it('counts only sessions the instance issued: made-up cookies are one anonymous visitor of their address', () => {
    const s = new SessionTracker();
    for (const fake of ['aaaa', 'bbbb', 'cccc', 'dddd']) assert.notEqual(s.admit('club', s.request(`sessionid=${fake}`, '203.0.113.9'), 3, 0), null);
    assert.equal(s.current('club', 0), 1, 'four invented cookies from one address: one place');
    const owner = new Visitor(s, '198.51.100.1');
    assert.ok(owner.visit(3, 1), 'the owner gets the sign-in page');
    assert.ok(owner.visit(3, 2, SIGN_IN('k'.repeat(32))), 'and signs in');
    assert.ok(owner.visit(3, 3));
    assert.equal(s.current('club', 3), 2);
  });

  it('frees a place at sign-out, so a person at the limit who signs out and in again gets back in', () => {
    const s = new SessionTracker();
    const people = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => new Visitor(s, ip));
    people.forEach((p, i) => {
      assert.ok(p.visit(3, 10 + i));
      assert.ok(p.visit(3, 20 + i, SIGN_IN(`session${i}`.padEnd(32, 'x'))));
    });
    assert.equal(s.current('club', 30), 3);
    assert.equal(new Visitor(s, '10.0.0.4').visit(3, 31), false, 'a fourth is refused');
    const third = people[2]!;
    assert.ok(third.visit(3, 40, SIGN_OUT), 'sign-out');
    assert.equal(s.current('club', 40), 2, 'its place is free at once');
    assert.ok(third.visit(3, 41), 'the sign-in page');
    assert.ok(third.visit(3, 42, SIGN_IN('again'.padEnd(32, 'y'))), 'signed in again');
    assert.equal(s.current('club', 42), 3);
  });

  it('keeps the place of a session replaced at sign-in; never cuts a known one', () => {
    const s = new SessionTracker();
    const a = new Visitor(s, '10.0.0.1');
    a.visit(1, 0, SIGN_IN('first'.padEnd(32, 'a')));
    assert.ok(a.visit(1, 1, SIGN_IN('second'.padEnd(32, 'b'))), 'a new key for the same person');
    assert.equal(s.current('club', 1), 1);
    assert.equal(s.admit('club', s.request(`sessionid=${'first'.padEnd(32, 'a')}`, '10.9.9.9'), 1, 2), null, 'the old key is no session any more');
    assert.ok(a.visit(1, 3), 'the known one goes on');
  });

  it('forgets a place after the window, and lets an unlimited plan grow up to the bound only', () => {
    const s = new SessionTracker({ windowMs: 10 * 60_000, maxEntries: 100 });
    assert.notEqual(s.admit('club', s.request(undefined, '1.1.1.1'), 1, 0), null);
    assert.equal(s.admit('club', s.request(undefined, '2.2.2.2'), 1, 60_000), null);
    assert.notEqual(s.admit('club', s.request(undefined, '2.2.2.2'), 1, 10 * 60_000 + 1), null, 'the old one lapsed');
    for (let i = 0; i < 1000; i++) assert.notEqual(s.admit('big', s.request(undefined, `10.1.${i >> 8}.${i & 255}`), null, 0), null);
    assert.equal(s.size().seen <= 100 + 1, true, `${s.size().seen} entries kept`);
  });

  it('bounds what it remembers: a cookie longer than a session id is none, issued ids are capped', () => {
    const s = new SessionTracker({ maxIssued: 10, maxKeyLength: 64 });
    assert.equal(s.request(`sessionid=${'x'.repeat(65)}`, '1.1.1.1').sid, null);
    const r = s.request(undefined, '1.1.1.1');
    for (let i = 0; i < 50; i++) {
      const key = s.admit('club', r, null, i)!;
      s.answered('club', r, key, SIGN_IN(`id${i}`.padEnd(32, 'z')), i);
    }
    assert.ok(s.size().issued <= 10);
  });

  it('keeps a long-lived connection’s place alive while it carries bytes', () => {
    const s = new SessionTracker({ windowMs: 10 * 60_000 });
    const key = s.admit('x', s.request(undefined, '10.0.0.1'), 1, 0)!;
    s.touch('x', key, 9 * 60_000);
    assert.equal(s.admit('x', s.request(undefined, '10.0.0.2'), 1, 15 * 60_000), null, 'the WebSocket’s place still holds the only one');
    assert.notEqual(s.admit('x', s.request(undefined, '10.0.0.2'), 1, 19 * 60_000 + 1), null, 'and lapses 10 minutes after its last bytes');
  });

  it('reads Django’s and the stand-in’s cookies', () => {
    assert.deepEqual(sessionCookieSet(SIGN_IN('abc')), { value: 'abc', cleared: false });
    assert.deepEqual(sessionCookieSet(SIGN_OUT), { value: '', cleared: true });
    assert.deepEqual(sessionCookieSet(['csrftoken=t; Path=/', 'sessionid=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly']), { value: '', cleared: true });
    assert.equal(sessionCookieSet('csrftoken=t; Path=/'), null);
  });
});
