import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseRegistration } from './accounts.validation.ts';
import { checkPassword, hashPassword, verifyPassword } from './passwords.ts';

describe('password rules', () => {
  it('wants at least 10 characters', () => {
    assert.equal(checkPassword('short-pw', 'short-pw'), 'too_short');
    assert.equal(checkPassword('ten-chars!', 'ten-chars!'), null);
  });
  it('refuses the most common passwords even when long enough, whatever their case', () => {
    assert.equal(checkPassword('1234567890', '1234567890'), 'too_common');
    assert.equal(checkPassword('QWERTYUIOP', 'QWERTYUIOP'), 'too_common');
  });
  it('refuses the alias or the e-mail address as password', () => {
    assert.equal(checkPassword('camille-martin-x', 'camille-martin-x', { alias: 'camille-martin' }), 'like_identity');
    assert.equal(checkPassword('camille@example.org', 'camille@example.org', { email: 'camille@example.org' }), 'like_identity');
  });
  it('wants both entries to match', () => {
    assert.equal(checkPassword('velo-rouge-2026', 'velo-rouge-2027'), 'mismatch');
  });
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('velo-rouge-2026');
    assert.match(h, /^\$argon2id\$/);
    assert.equal(await verifyPassword(h, 'velo-rouge-2026'), true);
    assert.equal(await verifyPassword(h, 'velo-rouge-2027'), false);
    assert.equal(await verifyPassword(null, 'anything'), false);
    assert.equal(await verifyPassword('not-a-hash', 'anything'), false);
  });
});

describe('registration numbers', () => {
  it('accepts valid SIREN, SIRET and RNA numbers, spaces allowed', () => {
    assert.equal(normaliseRegistration('820 103 315'), '820103315');
    assert.equal(normaliseRegistration('820 103 315 00017'), '82010331500017');
    assert.equal(normaliseRegistration('w381234567'), 'W381234567');
  });
  it('refuses wrong checksums and shapes', () => {
    assert.equal(normaliseRegistration('820103316'), null);
    assert.equal(normaliseRegistration('82010331500018'), null);
    assert.equal(normaliseRegistration('W38'), null);
    assert.equal(normaliseRegistration('abc'), null);
  });
});
