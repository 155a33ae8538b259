import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHost } from './front-door.ts';

describe('classifyHost', () => {
  const d = 'sleto.fr';
  it('serves the portal on portail.<domain>, the bare domain and IP addresses', () => {
    for (const h of ['portail.sleto.fr', 'sleto.fr', 'PORTAIL.SLETO.FR:443', 'sleto.fr.', '127.0.0.1:3000', '[::1]:3000']) {
      assert.deepEqual(classifyHost(h, d), { kind: 'portal' }, h);
    }
  });
  it('names an instance from a single label under the domain', () => {
    assert.deepEqual(classifyHost('bidule.sleto.fr', d), { kind: 'instance', name: 'bidule' });
    assert.deepEqual(classifyHost('asso-2.sleto.fr:8443', d), { kind: 'instance', name: 'asso-2' });
  });
  it('rejects everything else', () => {
    for (const h of [undefined, '', 'evil.com', 'sleto.fr.evil.com', 'a.b.sleto.fr', '-x.sleto.fr', 'x_y.sleto.fr', 'notsleto.fr']) {
      assert.deepEqual(classifyHost(h, d), { kind: 'unknown' }, String(h));
    }
  });
  it('works with localhost as the domain', () => {
    assert.deepEqual(classifyHost('portail.localhost:3000', 'localhost'), { kind: 'portal' });
    assert.deepEqual(classifyHost('bidule.localhost:3000', 'localhost'), { kind: 'instance', name: 'bidule' });
  });
});
