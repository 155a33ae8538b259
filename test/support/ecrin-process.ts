import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `ecrin` as the operator runs it: `node src/main.ts …` in a process of its own. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** One GET with a Host header; the status, or 0 when nothing answered. */
export function status(port: number, host: string, urlPath = '/', timeoutMs = 3000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface EcrinProcess {
  proc: ChildProcess;
  port: number;
  output(): string;
  /** resolves with the exit code (or the signal) */
  exited: Promise<number | string>;
}

/** The environment of an ecrin child: ours without what would change it, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'LANG', 'TZ']) if (process.env[k]) out[k] = process.env[k];
  return { ...out, LOG_LEVEL: 'warn', ...env };
}

export function runEcrin(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(NODE, ['src/main.ts', ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    proc.on('error', reject);
    proc.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * `ecrin serve` on a free port; resolves once /readyz answers 200. `asUid`: run it as that user
 * instead (through setpriv), as on a machine where ecrin is not root.
 */
export async function serveEcrin(env: Record<string, string>, timeoutMs = 60_000, asUid?: number): Promise<EcrinProcess> {
  const port = await freePort();
  const argv = asUid === undefined ? [NODE, 'src/main.ts', 'serve'] : ['setpriv', `--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', NODE, 'src/main.ts', 'serve'];
  const proc = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: childEnv({ HOST: '127.0.0.1', ...env, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`ecrin exited before it was ready:\n${out}`);
    if ((await status(port, `127.0.0.1:${port}`, '/readyz', 1000)) === 200) return { proc, port, output: () => out, exited };
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`ecrin not ready within ${timeoutMs} ms:\n${out}`);
}
