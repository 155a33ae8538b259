import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../test/support/database.ts';

const run = promisify(execFile);
let dir: string;
let db: TestDatabase;

/** The CLI, run as a user would, on this suite's backend (PGlite in DATA_DIR, or a fresh PostgreSQL database). */
function ecrin(args: string[]) {
  return run(process.execPath, ['src/main.ts', ...args], {
    env: {
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      ...(db.url ? { DATABASE_URL: db.url } : {}),
    },
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecrin-cli-'));
  db = await createTestDatabase();
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

describe('ecrin CLI', () => {
  it('migrates, then says the database is up to date', async () => {
    assert.match((await ecrin(['migrate'])).stdout, /Applied: 0001-foundation/);
    assert.match((await ecrin(['migrate'])).stdout, /already up to date/);
  });

  it('creates an operator and prints a one-time link to set the password', async () => {
    const { stdout } = await ecrin(['operator', 'create', '--email', 'ops@example.org']);
    assert.match(stdout, /Operator account "ops" created for ops@example.org/);
    assert.match(stdout, /http:\/\/portail\.localhost:3000\/mot-de-passe\/definir\?jeton=[A-Za-z0-9_-]{43}/);
  });

  it('refuses a taken or malformed address with a clear message and a non-zero exit', async () => {
    await assert.rejects(() => ecrin(['operator', 'create', '--email', 'ops@example.org']), (e: { code: number; stderr: string }) => e.code === 1 && /already uses/.test(e.stderr));
    await assert.rejects(() => ecrin(['operator', 'create', '--email', 'nope']), (e: { code: number; stderr: string }) => e.code === 1 && /Not a valid e-mail/.test(e.stderr));
    await assert.rejects(() => ecrin(['operator', 'create']), (e: { code: number; stderr: string }) => e.code === 2 && /needs --email/.test(e.stderr));
  });

  it('runs the hosting year\'s sweep for a given day, again harmlessly, and catches up the days missed since', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' });
    const first = await ecrin(['lifecycle', 'run', '--as-of', yesterday]);
    assert.match(first.stdout, new RegExp(`^${yesterday}: 0 instances looked at; 0 renewal orders issued, 0 reminders`, 'm'));
    assert.match((await ecrin(['lifecycle', 'run', '--as-of', yesterday])).stdout, new RegExp(`^${yesterday}: 0 instances`, 'm'));
    // Without a date: every day since the last one swept, up to today; then nothing left.
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' });
    assert.match((await ecrin(['lifecycle', 'run'])).stdout, new RegExp(`^${today}: `, 'm'));
    assert.match((await ecrin(['lifecycle', 'run'])).stdout, /Nothing to run: today was swept already/);
    await assert.rejects(() => ecrin(['lifecycle', 'run', '--as-of', '2027-02-30']), (e: { code: number; stderr: string }) => e.code === 2 && /--as-of needs a date written YYYY-MM-DD/.test(e.stderr));
  });

  it('explains a bad environment instead of crashing', async () => {
    await assert.rejects(
      () => run(process.execPath, ['src/main.ts', 'migrate'], { env: { DATA_DIR: dir, PORT: 'abc' } }),
      (e: { code: number; stderr: string }) => e.code === 1 && /Invalid environment:\n {2}PORT/.test(e.stderr) && !/at /.test(e.stderr),
    );
  });

  it('verifies the ledger of issued documents', async () => {
    const { stdout } = await ecrin(['ledger', 'verify']);
    assert.match(stdout, /Ledger OK: 0 documents, chain intact, numbering without gaps, PDFs intact/);
  });

  it('refuses TRUST_PROXY=true at start, saying what to write', async () => {
    await assert.rejects(
      () => run(process.execPath, ['src/main.ts', 'migrate'], { env: { DATA_DIR: dir, TRUST_PROXY: 'true' } }),
      (e: { code: number; stderr: string }) => e.code === 1 && /TRUST_PROXY=true would believe/.test(e.stderr) && /TRUST_PROXY=127\.0\.0\.1/.test(e.stderr),
    );
  });

  it('serve listens on loopback by default and prints a portal address that answers', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, ['src/main.ts', 'serve'], { env: { DATA_DIR: dir, LOG_LEVEL: 'warn', PORT: String(port), ...(db.url ? { DATABASE_URL: db.url } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const portal = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          const m = /Portal: +(\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      assert.equal(portal, `http://portail.localhost:${port}/`);
      // Browsers resolve *.localhost to loopback: the address printed is the one they reach.
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/', headers: { host: new URL(portal).host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 200);
      // Not reachable on the machine's other addresses: HOST defaults to 127.0.0.1.
      const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (external) {
        const reached = await new Promise<boolean>((resolve) => {
          const probe = net.connect({ host: external, port }, () => {
            probe.destroy();
            resolve(true);
          });
          probe.on('error', () => resolve(false));
        });
        assert.equal(reached, false, `reachable at ${external}:${port}`);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('prints its usage', async () => {
    assert.match((await ecrin(['help'])).stdout, /ecrin operator create --email E/);
  });
});
