import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Logger } from '../../platform/logger.ts';
import { addArgs, archiveArgs, deleteArgs, lucteriosName, redactArgs, restoreArgs, securityArgs, serveCommand } from '../apps/diacamma.ts';
import { DriverError, type Endpoint, type InstanceDriver, type InstanceSpec } from '../driver.ts';

export interface LocalDriverOptions {
  /** DATA_DIR/instances: each instance's files are in DATA_DIR/instances/NAME */
  instancesDir: string;
  /** path of lucterios_admin.py (or of the stand-in) */
  adminTool: string;
  /** the serve command template, with {port} and {name} */
  serveTemplate: string;
  logger: Logger;
  /** how long a started server may take to answer (ms) */
  startTimeoutMs?: number;
  /** the environment instance servers get (from Config: nothing of ecrin's secrets) */
  childEnv: Record<string, string>;
  /** finds a free loopback port (tests pass one that hands out a busy port first) */
  freePort?: () => Promise<number>;
}

interface Supervised {
  name: string;
  port: number;
  child: ChildProcess | null;
  stopping: boolean;
  restarts: number;
  lastStart: number;
  timer: NodeJS.Timeout | null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/**
 * The embedded default: instances as child processes of ecrin on free loopback ports, restarted with
 * backoff when they die, driven through the admin tool's command line.
 */
export class LocalDriver implements InstanceDriver {
  readonly #o: LocalDriverOptions;
  readonly #running = new Map<string, Supervised>();
  /** a start in progress per instance: a second caller waits for it rather than spawning again */
  readonly #starting = new Map<string, Promise<Endpoint>>();

  constructor(options: LocalDriverOptions) {
    this.#o = options;
  }

  #spec(name: string) {
    return { name, instancePath: this.#o.instancesDir };
  }

  async #admin(step: string, args: string[]): Promise<void> {
    await mkdir(this.#o.instancesDir, { recursive: true });
    await new Promise<void>((resolve, reject) => {
      execFile(this.#o.adminTool, args, { cwd: this.#o.instancesDir, env: this.#o.childEnv, timeout: 10 * 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        // The tool's own last line says what went wrong; the command is logged without its secrets.
        const lastLine = String(stderr).trim().split('\n').filter(Boolean).pop() ?? (err as Error).message;
        const message = lastLine.replace(/(PASSWORD=)[^,\s]*/g, '$1[redacted]');
        this.#o.logger.warn({ step, args: redactArgs(args), code: (err as { code?: unknown }).code }, 'instance admin tool failed');
        reject(new DriverError(step, message));
      });
    });
  }

  async exists(name: string): Promise<boolean> {
    return existsSync(path.join(this.#o.instancesDir, `manage_${lucteriosName(name)}.py`));
  }

  async create(spec: InstanceSpec): Promise<void> {
    if (await this.exists(spec.name)) return;
    await this.#admin('create', addArgs({ ...spec, instancePath: this.#o.instancesDir }));
  }

  async setSecurity(name: string, s: { mode: 0 | 1 | 2; password?: string }): Promise<void> {
    await this.#admin('security', securityArgs(this.#spec(name), s));
  }

  async archive(name: string, file: string): Promise<void> {
    await this.#admin('archive', archiveArgs(this.#spec(name), file));
  }

  async restore(name: string, file: string): Promise<void> {
    await this.#admin('restore', restoreArgs(this.#spec(name), file));
  }

  async destroy(name: string): Promise<void> {
    await this.stop(name);
    if (await this.exists(name)) await this.#admin('delete', deleteArgs(this.#spec(name)));
  }

  async usage(name: string): Promise<{ diskBytes: number }> {
    return { diskBytes: await dirSize(path.join(this.#o.instancesDir, lucteriosName(name))) };
  }

  endpoint(name: string): Endpoint | null {
    const s = this.#running.get(name);
    return s && s.child ? { host: '127.0.0.1', port: s.port } : null;
  }

  async health(name: string): Promise<boolean> {
    const ep = this.endpoint(name);
    if (!ep) return false;
    try {
      const res = await fetch(`http://${ep.host}:${ep.port}/`, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
      await res.body?.cancel();
      return res.status < 500;
    } catch {
      return false;
    }
  }

  start(name: string): Promise<Endpoint> {
    const pending = this.#starting.get(name);
    if (pending) return pending;
    const p = this.#start(name).finally(() => this.#starting.delete(name));
    this.#starting.set(name, p);
    return p;
  }

  async #start(name: string): Promise<Endpoint> {
    const existing = this.#running.get(name);
    if (existing?.child) return { host: '127.0.0.1', port: existing.port };
    if (!(await this.exists(name))) throw new DriverError('start', `no instance ${name}`);
    const s: Supervised = existing ?? { name, port: await this.#freePort(), child: null, stopping: false, restarts: 0, lastStart: 0, timer: null };
    s.stopping = false;
    this.#running.set(name, s);
    this.#spawn(s);
    const deadline = Date.now() + (this.#o.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (await this.health(name)) return { host: '127.0.0.1', port: s.port };
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop(name);
    throw new DriverError('start', `the instance server did not answer within ${Math.round((this.#o.startTimeoutMs ?? 20_000) / 1000)} s`);
  }

  #freePort(): Promise<number> {
    return (this.#o.freePort ?? freePort)();
  }

  #spawn(s: Supervised): void {
    const cmd = serveCommand(this.#o.serveTemplate, this.#spec(s.name), s.port);
    s.lastStart = Date.now();
    const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: { ...this.#o.childEnv, ...cmd.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    s.child = child;
    let stderrTail = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      if (s.child === child) s.child = null;
      if (s.stopping) return;
      // Died on its own: restart with backoff (1 s, 2 s, 4 s … 30 s); a long healthy run resets it.
      const quick = Date.now() - s.lastStart < 5000;
      if (Date.now() - s.lastStart > 60_000) s.restarts = 0;
      const delay = quick && s.restarts === 0 ? 100 : Math.min(30_000, 1000 * 2 ** s.restarts);
      s.restarts++;
      this.#o.logger.warn({ instance: s.name, code, signal, restartInMs: delay, stderr: stderrTail.slice(-300) }, 'instance server exited; restarting');
      s.timer = setTimeout(() => {
        s.timer = null;
        if (s.stopping) return;
        // A server that died at once may have lost its port to another process: take a new one.
        const next = quick ? this.#freePort() : Promise.resolve(s.port);
        void next.then((port) => {
          s.port = port;
          if (!s.stopping) this.#spawn(s);
        });
      }, delay);
      s.timer.unref();
    });
    child.on('error', (err) => this.#o.logger.error({ instance: s.name, err: err.message }, 'instance server could not start'));
  }

  /** Restarts seen for an instance since it was started (for the operator and the tests). */
  restarts(name: string): number {
    return this.#running.get(name)?.restarts ?? 0;
  }

  async stop(name: string): Promise<void> {
    const s = this.#running.get(name);
    if (!s) return;
    s.stopping = true;
    if (s.timer) clearTimeout(s.timer);
    const child = s.child;
    this.#running.delete(name);
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((n) => this.stop(n)));
  }
}
