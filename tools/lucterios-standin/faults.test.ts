/**
 * The stand-in's sync workers (`-w N`) and its fault endpoints (LUCTERIOS_STANDIN_FAULTS=1), which
 * ecrin's supervision tests rely on.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const HERE = import.meta.dirname;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'standin-faults-'));
  execFileSync(join(HERE, 'lucterios_admin'), ['add', '-n', 'panne', '-i', dir]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(args: string[], env: Record<string, string> = {}): Promise<{ port: number; proc: ChildProcess; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(join(HERE, 'serve'), ['--bind', '127.0.0.1:0', ...args], { cwd: dir, env: { ...process.env, DJANGO_SETTINGS_MODULE: 'panne.settings', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), proc, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}`)));
  });
}

const get = (port: number, path: string, timeoutMs = 3000) =>
  new Promise<number>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });

describe('serve stand-in: workers and faults', () => {
  test('-w 1 is one sync worker: a request whose body is slow holds it, the next one waits', async () => {
    const s = await serve(['-w', '1']);
    try {
      const slow = net.connect(s.port, '127.0.0.1');
      await new Promise((r) => slow.once('connect', r));
      slow.write('POST /login HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nusername=');
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const waiting = get(s.port, '/health', 5000);
      await new Promise((r) => setTimeout(r, 600));
      slow.end('a'.repeat(91));
      assert.equal(await waiting, 200);
      assert.ok(performance.now() - t0 >= 550, 'answered only once the slow request let go of the worker');
      slow.destroy();
      const free = await serve([]);
      try {
        assert.equal(await get(free.port, '/health'), 200, 'without -w, requests are served side by side');
      } finally {
        free.proc.kill('SIGTERM');
        await free.exited;
      }
    } finally {
      s.proc.kill('SIGTERM');
      await s.exited;
    }
  });

  test('the fault endpoints exist only with LUCTERIOS_STANDIN_FAULTS=1', async () => {
    const s = await serve([]);
    try {
      assert.equal(await get(s.port, '/hang'), 404, 'no such page, not a fault');
      assert.equal(await get(s.port, '/health'), 200);
    } finally {
      s.proc.kill('SIGTERM');
      await s.exited;
    }
  });

  test('/hang: then nothing answers, and SIGTERM still stops it', async () => {
    const s = await serve([], { LUCTERIOS_STANDIN_FAULTS: '1' });
    assert.equal(await get(s.port, '/hang'), 200);
    assert.equal(await get(s.port, '/health', 800), 0, 'no answer any more');
    s.proc.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });

  test('/hog: keeps what it allocates; past an address-space limit the process dies', async () => {
    const s = await serve([], { LUCTERIOS_STANDIN_FAULTS: '1' });
    try {
      assert.equal(await get(s.port, '/hog?mb=20'), 200);
      assert.equal(await get(s.port, '/hog?mb=abc'), 400);
    } finally {
      s.proc.kill('SIGTERM');
      await s.exited;
    }
    const limited = spawn('prlimit', [`--as=${2048 * 1024 * 1024}`, '--core=0', '--', join(HERE, 'serve'), '--bind', '127.0.0.1:0'], { cwd: dir, env: { ...process.env, DJANGO_SETTINGS_MODULE: 'panne.settings', LUCTERIOS_STANDIN_FAULTS: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<number | null>((r) => limited.on('exit', (code, signal) => r(code ?? (signal ? 128 : null))));
    const port = await new Promise<number>((resolve) => {
      let out = '';
      limited.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    assert.equal(await get(port, '/hog?mb=3000', 20_000), 0);
    assert.notEqual(await exited, 0, 'it died of it');
  });
});
