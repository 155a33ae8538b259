import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import type { HostingConfig } from '../../config.ts';
import type { Logger } from '../../platform/logger.ts';
import { addArgs, archiveArgs, deleteArgs, redactArgs, restoreArgs, securityArgs, serveCommand } from '../apps/diacamma.ts';
import { DriverError, type DriverEvent, type Endpoint, type InstanceDriver, type InstanceRuntime, type InstanceSpec, type IsolationSummary } from '../driver.ts';
import { sandboxArgv } from '../sandbox/bwrap.ts';
import { prepareInstanceCgroup, removeInstanceCgroup } from '../sandbox/cgroup.ts';
import type { Isolation } from '../sandbox/isolation.ts';
import { UidAllocator } from '../sandbox/uids.ts';
import { dirSize, InstanceLog, LocalPaths } from './local-files.ts';
import { PROBE_LINE } from './local-probe.ts';
import { acquireSupervisorLock, otherSupervisor, releaseSupervisorLock } from './supervisor-lock.ts';
import type { Launcher } from './local-supervised.ts';
import { Supervisor } from './local-supervisor.ts';

export interface LocalDriverOptions {
  /** DATA_DIR/instances: each instance's files are in DATA_DIR/instances/NAME */
  instancesDir: string;
  /** DATA_DIR (hidden from sandboxed instances); default: the parent of instancesDir */
  dataDir?: string;
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
  /** what this machine allows (detectIsolation); default: not sandboxed */
  isolation?: Isolation;
  /** limits, health probes, start bound, logs (Config.hosting); defaults otherwise */
  hosting?: Partial<HostingConfig>;
  /** SIGTERM → SIGKILL delay when a server is stopped (ms) */
  stopGraceMs?: number;
  /** instances answer to NAME.<publicDomain> (their health probes send that Host); default localhost */
  publicDomain?: string;
}

const DEFAULTS: Omit<HostingConfig, 'isolation' | 'cgroup'> = {
  uids: { first: 200000, last: 299999 },
  limits: { memoryMiB: 2048, processes: 256, openFiles: 4096 },
  startConcurrency: 4,
  probe: { intervalMs: 5000, timeoutMs: 3000, failures: 3 },
  crashLoop: { restarts: 5, windowMs: 600_000 },
  logBytes: 1024 * 1024,
};

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

/**
 * The embedded default: each instance a server process on a loopback port, driven through the
 * admin tool's command line, in a sandbox of its own when the machine allows it (see
 * sandbox/isolation.ts), supervised by local-supervisor.ts (detached, adopted across restarts of
 * ecrin, health-probed). The admin tool runs in the same sandbox as its instance.
 */
export class LocalDriver implements InstanceDriver {
  readonly #o: LocalDriverOptions;
  readonly #h: Omit<HostingConfig, 'isolation' | 'cgroup'>;
  readonly #paths: LocalPaths;
  readonly #isolation: Isolation;
  readonly #uids: UidAllocator;
  readonly #supervisor: Supervisor;
  /** a start in progress per instance: a second caller waits for it rather than spawning again */
  readonly #starting = new Map<string, Promise<Endpoint>>();
  #ready: Promise<void> | null = null;
  #locked = false;

  constructor(options: LocalDriverOptions) {
    this.#o = options;
    this.#h = { ...DEFAULTS, ...options.hosting };
    this.#paths = new LocalPaths(options.dataDir ?? path.dirname(options.instancesDir), options.instancesDir);
    this.#isolation = options.isolation ?? { sandboxed: false, reason: 'disabled', detail: 'no isolation given to the driver', cgroup: { available: false, reason: 'no_sandbox', detail: 'instances are not sandboxed' } };
    this.#uids = new UidAllocator(this.#paths.hostingDir, this.#h.uids);
    const launcher: Launcher = {
      serverCommand: (name, port) => this.#serverCommand(name, port),
      cleanUp: (name) => {
        if (this.#isolation.cgroup.available) removeInstanceCgroup(this.#isolation.cgroup.dir, name);
      },
      probeHost: (name) => `${name}.${options.publicDomain ?? 'localhost'}`,
    };
    this.#supervisor = new Supervisor({
      paths: this.#paths,
      launcher,
      logger: options.logger,
      freePort: options.freePort ?? freePort,
      startTimeoutMs: options.startTimeoutMs ?? 20_000,
      startConcurrency: this.#h.startConcurrency,
      probe: this.#h.probe,
      crashLoop: this.#h.crashLoop,
      logBytes: this.#h.logBytes,
      ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
    });
  }

  /** Once: the hosting folders, and instances of the old shared layout moved into folders of their own. */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      this.#paths.ensureHostingDirs();
      const moved = this.#paths.migrateSharedLayout();
      if (moved.length > 0) this.#o.logger.info({ moved }, 'instances moved into folders of their own');
    })();
    return this.#ready;
  }

  #lock(): void {
    if (this.#locked) return;
    acquireSupervisorLock(this.#paths);
    this.#locked = true;
  }

  #unlock(): void {
    if (!this.#locked) return;
    releaseSupervisorLock(this.#paths);
    this.#locked = false;
  }

  isolation(): IsolationSummary {
    const i = this.#isolation;
    const cgroup = i.cgroup.available ? { available: true, reason: null, detail: i.cgroup.dir } : { available: false, reason: i.cgroup.reason, detail: i.cgroup.detail };
    return i.sandboxed ? { sandboxed: true, reason: null, detail: 'bubblewrap', cgroup } : { sandboxed: false, reason: i.reason, detail: i.detail, cgroup };
  }

  #uid(name: string): number | null {
    return this.#isolation.sandboxed ? this.#uids.uidOf(name) : null;
  }

  /** A command as the instance runs it: in its sandbox (as its uid) when sandboxed, else as it is. */
  #inInstance(name: string, argv: string[], opts: { server: boolean }): { argv: string[]; cwd: string; uid: number | null } {
    const uid = this.#uid(name);
    const root = this.#paths.ensureRoot(name, uid);
    const i = this.#isolation;
    if (!i.sandboxed || uid === null) return { argv, cwd: root, uid: null };
    const memoryBytes = this.#h.limits.memoryMiB * 1024 * 1024;
    const procs = opts.server && i.cgroup.available ? prepareInstanceCgroup(i.cgroup.dir, name, { memoryBytes, processes: this.#h.limits.processes }) : null;
    const spec = {
      tools: i.tools,
      uid,
      gid: uid,
      root,
      dataDir: this.#paths.dataDir,
      limits: { processes: this.#h.limits.processes, openFiles: this.#h.limits.openFiles, addressSpaceBytes: procs ? null : memoryBytes },
      cgroupProcs: procs,
      dieWithParent: !opts.server,
    };
    return { argv: sandboxArgv(spec, argv), cwd: root, uid };
  }

  #serverCommand(name: string, port: number) {
    const cmd = serveCommand(this.#o.serveTemplate, { name, instancePath: this.#paths.root(name) }, port);
    const run = this.#inInstance(name, [cmd.command, ...cmd.args], { server: true });
    return { ...run, env: { ...this.#o.childEnv, ...cmd.env, HOME: run.cwd } };
  }

  /**
   * Runs a program as the instance would (its sandbox, uid, limits, folder): the admin tool's verbs
   * go through here. Resolves with its output; a failure rejects with the program's last stderr line.
   */
  async runInInstance(name: string, step: string, argv: string[]): Promise<{ stdout: string; stderr: string }> {
    await this.#prepare();
    const run = this.#inInstance(name, argv, { server: false });
    const log = new InstanceLog(this.#paths, name, this.#h.logBytes);
    return new Promise((resolve, reject) => {
      execFile(run.argv[0]!, run.argv.slice(1), { cwd: run.cwd, env: { ...this.#o.childEnv, HOME: run.cwd }, timeout: 10 * 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (!err) return resolve({ stdout: String(stdout), stderr: String(stderr) });
        // The tool's own last line says what went wrong; the command is logged without its secrets.
        const lastLine = String(stderr).trim().split('\n').filter(Boolean).pop() ?? (err as Error).message;
        const message = lastLine.replace(/(PASSWORD=)[^,\s]*/g, '$1[redacted]');
        this.#o.logger.warn({ instance: name, step, args: redactArgs(argv), code: (err as { code?: unknown }).code }, 'instance admin tool failed');
        log.note(`${step} failed: ${message}`);
        reject(Object.assign(new DriverError(step, message), { stdout: String(stdout), stderr: String(stderr) }));
      });
    });
  }

  async #admin(name: string, step: string, args: string[]): Promise<void> {
    await this.runInInstance(name, step, [this.#o.adminTool, ...args]);
  }

  #spec(name: string) {
    return { name, instancePath: this.#paths.root(name) };
  }

  async exists(name: string): Promise<boolean> {
    await this.#prepare();
    return existsSync(this.#paths.marker(name));
  }

  async create(spec: InstanceSpec): Promise<void> {
    if (await this.exists(spec.name)) return;
    await this.#admin(spec.name, 'create', addArgs({ ...spec, instancePath: this.#paths.root(spec.name) }));
  }

  async setSecurity(name: string, s: { mode: 0 | 1 | 2; password?: string }): Promise<void> {
    await this.#admin(name, 'security', securityArgs(this.#spec(name), s));
  }

  /** The tool writes the archive inside the instance's folder (the only place it can); ecrin moves it out. */
  async archive(name: string, file: string): Promise<void> {
    const inside = path.join(this.#paths.root(name), `.ecrin-archive-${randomBytes(6).toString('hex')}.lbkf`);
    try {
      await this.#admin(name, 'archive', archiveArgs(this.#spec(name), inside));
      // Moved, not copied, when the store is on the same file system (a 1 GiB archive is not
      // written twice); copied off the event loop otherwise. Ecrin's own from then on.
      try {
        await rename(inside, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        await copyFile(inside, file);
      }
      await chmod(file, 0o600);
      const uid = process.getuid?.();
      if (uid === 0) await chown(file, 0, process.getgid?.() ?? 0);
    } finally {
      await rm(inside, { force: true });
    }
  }

  /** The archive is copied into the instance's folder for the tool to read (it sees nothing else). */
  async restore(name: string, file: string): Promise<void> {
    await this.#prepare();
    const uid = this.#uid(name);
    this.#paths.ensureRoot(name, uid);
    const inside = path.join(this.#paths.root(name), `.ecrin-restore-${randomBytes(6).toString('hex')}.lbkf`);
    try {
      // A copy the instance's tool may read (the store's file stays out of its reach), made off the event loop.
      await copyFile(file, inside);
      await chmod(inside, 0o600);
      if (uid !== null) await chown(inside, uid, uid);
      await this.#admin(name, 'restore', restoreArgs(this.#spec(name), inside));
    } finally {
      await rm(inside, { force: true });
    }
  }

  async destroy(name: string): Promise<void> {
    await this.stop(name);
    if (await this.exists(name)) await this.#admin(name, 'delete', deleteArgs(this.#spec(name)));
    rmSync(this.#paths.root(name), { recursive: true, force: true });
    new InstanceLog(this.#paths, name, this.#h.logBytes).remove();
    this.#uids.release(name);
  }

  async usage(name: string): Promise<{ diskBytes: number }> {
    await this.#prepare();
    return { diskBytes: await dirSize(this.#paths.data(name)) };
  }

  endpoint(name: string): Endpoint | null {
    return this.#supervisor.endpoint(name);
  }

  runtime(name: string): InstanceRuntime {
    return this.#supervisor.runtime(name);
  }

  async health(name: string): Promise<boolean> {
    const port = this.#supervisor.port(name);
    if (port === null) return false;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
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
    await this.#prepare();
    if (!(await this.exists(name))) throw new DriverError('start', `no instance ${name}`);
    this.#lock();
    return this.#supervisor.start(name);
  }

  async adopt(names: string[]): Promise<string[]> {
    await this.#prepare();
    this.#lock();
    const adopted = await Promise.all(names.map(async (n) => ((await this.#supervisor.adopt(n)) ? n : null)));
    return adopted.filter((n): n is string => n !== null);
  }

  /** All at once: the supervisor's start bound (INSTANCE_START_CONCURRENCY) spaces them out. */
  async startMany(names: string[]): Promise<{ name: string; error: string | null }[]> {
    return Promise.all(
      names.map((name) =>
        this.start(name).then(
          () => ({ name, error: null }),
          (err: unknown) => ({ name, error: err instanceof Error ? err.message : String(err) }),
        ),
      ),
    );
  }

  /** Without the access-log lines of ecrin's own health probes (`HEAD /`, the stand-in's and gunicorn's formats). */
  async logTail(name: string, lines: number): Promise<string[]> {
    return this.#supervisor.log(name).tail(lines, PROBE_LINE);
  }

  onEvent(listener: (e: DriverEvent) => void): void {
    this.#supervisor.onEvent(listener);
  }

  async stop(name: string): Promise<void> {
    await this.#prepare();
    await this.#supervisor.stop(name);
  }

  async stopAll(): Promise<void> {
    await this.#supervisor.stopAll();
    this.#unlock();
  }

  async release(): Promise<void> {
    this.#supervisor.release();
    this.#unlock();
  }

  async stopRecorded(): Promise<string[]> {
    await this.#prepare();
    const other = otherSupervisor(this.#paths);
    if (other) throw new DriverError('stop', `ecrin (pid ${other}) supervises these instances and would start them again: stop it first`);
    const names = await this.#supervisor.stopRecorded();
    this.#unlock();
    return names;
  }
}
