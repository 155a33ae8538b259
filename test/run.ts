/**
 * `npm test`: the whole suite on PGlite, then again on the PostgreSQL server (TEST_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/postgres), each test file on a database of its own.
 * Browser journeys need Chromium: without it they are skipped and this says so plainly; under
 * CI=true a missing Chromium or PostgreSQL fails the run instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, globSync } from 'node:fs';
import pg from 'pg';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const only = process.argv.slice(2);
const files = only.length > 0 ? only : [...globSync('src/**/*.test.ts'), ...globSync('test/**/*.test.ts'), ...globSync('tools/**/*.test.ts')].sort();
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const backends = (process.env.TEST_BACKENDS ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean);

const notes: string[] = [];
let browser = existsSync(chromium);
if (!browser) {
  const msg = `Browser journeys SKIPPED: no Chromium at ${chromium}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH to run them.`;
  if (ci) {
    console.error(`${msg}\nUnder CI the journeys are mandatory.`);
    process.exit(1);
  }
  notes.push(msg);
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

function run(backend: string): Promise<{ code: number; pass: number; fail: number; skipped: number }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`, '--test-timeout=180000', ...files],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TEST_DB: backend, E2E_BROWSER: browser ? chromium : '' } },
    );
    const counts = { pass: 0, fail: 0, skipped: 0, cancelled: 0 };
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^ℹ (pass|fail|skipped|cancelled) (\d+)/.exec(line);
        if (m) counts[m[1] as 'pass' | 'fail' | 'skipped' | 'cancelled'] = Number(m[2]);
      }
    });
    // A test cancelled (its file crashed, or a hook failed) is a failure too.
    child.on('close', (code) => resolve({ code: code ?? 1, pass: counts.pass, fail: counts.fail + counts.cancelled, skipped: counts.skipped }));
  });
}

let failed = false;
const total = { pass: 0, fail: 0, skipped: 0 };
for (const backend of backends) {
  if (backend === 'postgres') {
    const problem = await postgresReachable();
    if (problem) {
      const msg = `PostgreSQL run SKIPPED: ${adminUrl} is not reachable (${problem}). Start the server or set TEST_DATABASE_URL.`;
      if (ci) {
        console.error(`${msg}\nUnder CI the PostgreSQL run is mandatory.`);
        process.exit(1);
      }
      notes.push(msg);
      continue;
    }
  }
  console.log(`\n=== test suite on ${backend} (${files.length} files) ===\n`);
  const r = await run(backend);
  total.pass += r.pass;
  total.fail += r.fail;
  total.skipped += r.skipped;
  if (r.code !== 0) failed = true;
  console.log(`\n=== ${backend}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped ===`);
}

for (const n of notes) console.log(`\nNOTE: ${n}`);
console.log(`\n${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exit(failed || total.fail > 0 ? 1 : 0);
