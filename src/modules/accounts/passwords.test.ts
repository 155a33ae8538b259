import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseRegistration } from './accounts.validation.ts';
import { checkPassword, hashPassword, passwordErrorCode, problemsOf, verifyPassword } from './passwords.ts';

describe('password rules', () => {
  it('wants at least 10 characters', () => {
    assert.deepEqual(checkPassword('Vx9-pw!', 'Vx9-pw!'), ['too_short', 'too_common']);
    assert.deepEqual(checkPassword('ten-chars!', 'ten-chars!'), []);
  });
  it('refuses the most common passwords even when long enough, whatever their case', () => {
    assert.deepEqual(checkPassword('1234567890', '1234567890'), ['too_common']);
    assert.deepEqual(checkPassword('QWERTYUIOP', 'QWERTYUIOP'), ['too_common']);
  });
  it('refuses common French passwords and words: motdepasse, azertyuiop, soleil1234, Marseille13', () => {
    for (const p of ['motdepasse', 'Motdepasse1', 'azertyuiop', 'soleil1234', 'Marseille13', 'jetaime1234']) assert.deepEqual(checkPassword(p, p), ['too_common'], p);
  });
  it('accepts passwords made of several words and signs', () => {
    for (const p of ['velo-rouge-2026!', 'tournesol-geant-42', 'Jardin-Partage-2026!', 'lanterne-magique-77']) assert.deepEqual(checkPassword(p, p), [], p);
  });
  it('refuses the alias, the e-mail address, and « admin » for the Diacamma admin account', () => {
    assert.deepEqual(checkPassword('camille-martin-x', 'camille-martin-x', { alias: 'camille-martin' }), ['contains_alias', 'too_common']);
    assert.deepEqual(checkPassword('camille@example.org', 'camille@example.org', { email: 'camille@example.org' }), ['contains_email', 'too_common']);
    assert.deepEqual(checkPassword('Admin-Potager-2026', 'Admin-Potager-2026', { forbidden: 'admin' }), ['contains_admin']);
  });
  it('wants both entries to match', () => {
    assert.deepEqual(checkPassword('velo-rouge-2026', 'velo-rouge-2027'), ['mismatch']);
  });
  it('names every rule broken at once', () => {
    assert.deepEqual(checkPassword('admin12', 'admin13', { forbidden: 'admin' }), ['too_short', 'contains_admin', 'too_common', 'mismatch']);
    assert.equal(passwordErrorCode(checkPassword('admin12', 'admin12', { forbidden: 'admin' })), 'password:too_short+contains_admin+too_common');
    assert.deepEqual(problemsOf('password:too_short+mismatch'), ['too_short', 'mismatch']);
    assert.equal(passwordErrorCode([]), null);
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
