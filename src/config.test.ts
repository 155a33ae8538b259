import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, portalBaseUrl } from './config.ts';

describe('config', () => {
  it('has working defaults and generates SECRET_KEY once, readable by its owner only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-config-'));
    try {
      const a = loadConfig({ DATA_DIR: dir });
      assert.equal(a.port, 3000);
      assert.equal(a.publicDomain, 'localhost');
      assert.equal(a.scheme, 'http');
      assert.equal(a.databaseUrl, null);
      assert.equal(a.smtpUrl, null);
      const file = path.join(dir, 'secret.key');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const b = loadConfig({ DATA_DIR: dir });
      assert.deepEqual(a.secretKey, b.secretKey, 'the key is kept, not regenerated');
      assert.ok(readFileSync(file, 'utf8').trim().length >= 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains invalid values', () => {
    assert.throws(() => loadConfig({ PORT: 'abc', DATA_DIR: '/tmp' , SECRET_KEY: 'x'.repeat(32) }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x', SECRET_KEY: 'x'.repeat(32) }), /DATABASE_URL: must be a postgres/);
    assert.throws(() => loadConfig({ SECRET_KEY: 'short' }), /SECRET_KEY/);
    assert.throws(() => loadConfig({ PUBLIC_URL_SCHEME: 'ftp', SECRET_KEY: 'x'.repeat(32) }), /PUBLIC_URL_SCHEME/);
  });

  it('builds the portal URL from scheme, domain and port', () => {
    const c = loadConfig({ SECRET_KEY: 'x'.repeat(32), PUBLIC_DOMAIN: 'Sleto.fr', PUBLIC_URL_SCHEME: 'https', PORT: '3000' });
    assert.equal(portalBaseUrl(c), 'https://portail.sleto.fr');
    const local = loadConfig({ SECRET_KEY: 'x'.repeat(32), PORT: '3100' });
    assert.equal(portalBaseUrl(local), 'http://portail.localhost:3100');
    assert.equal(portalBaseUrl({ ...local, port: 80 }), 'http://portail.localhost');
  });
});
