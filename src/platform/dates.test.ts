import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, daysBetween, frenchDate, isCalendarDate, parisDate, yearEnd } from './dates.ts';
import { decryptSecret, deriveKey, encryptSecret } from './secrets.ts';

describe('calendar dates in Europe/Paris', () => {
  it('takes the Paris day, not the UTC one', () => {
    assert.equal(parisDate(new Date('2026-12-31T23:30:00Z')), '2027-01-01');
    assert.equal(parisDate(new Date('2026-07-01T21:59:00Z')), '2026-07-01');
  });
  it('computes yearly periods, leap days included', () => {
    assert.equal(yearEnd('2026-03-01'), '2027-02-28');
    assert.equal(yearEnd('2027-03-01'), '2028-02-29');
    assert.equal(yearEnd('2028-02-29'), '2029-02-28');
    assert.equal(yearEnd('2026-01-15'), '2027-01-14');
    assert.equal(daysBetween('2026-01-01', '2027-01-01'), 365);
    assert.equal(addDays('2026-02-27', 30), '2026-03-29');
  });
  it('validates and prints dates', () => {
    assert.equal(isCalendarDate('2026-02-30'), false);
    assert.equal(isCalendarDate('2026-02-28'), true);
    assert.equal(frenchDate('2026-11-28'), '28/11/2026');
  });
});

describe('secrets at rest', () => {
  it('round-trips, and refuses a tampered or foreign ciphertext', () => {
    const key = deriveKey(Buffer.from('k'.repeat(40)), 'test');
    const sealed = encryptSecret(key, 'mot-de-passe-admin');
    assert.equal(sealed.includes(Buffer.from('mot-de-passe-admin')), false);
    assert.equal(decryptSecret(key, sealed), 'mot-de-passe-admin');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    assert.throws(() => decryptSecret(key, tampered));
    assert.throws(() => decryptSecret(deriveKey(Buffer.from('x'.repeat(40)), 'test'), sealed));
  });
});
