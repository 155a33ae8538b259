import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { DriverError, type DriverEvent, type Endpoint, type InstanceRuntime } from '../driver.ts';
import { cwdInside, endLeftovers, identify, isRunning, processUid, stopGroup } from '../sandbox/proc.ts';
import { Semaphore } from '../semaphore.ts';
import { InstanceLog, RunRecords, type RunRecord } from './local-files.ts';
import { answers } from './local-probe.ts';
import { newSupervised, runtimeOf, type Supervised, type SupervisorOptions } from './local-supervised.ts';
import { nextRestart } from './restart-policy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs and watches instance servers. Servers are started detached (a session of their own, output
 * to their log file, no pipe to ecrin), so they outlive ecrin: restarting, upgrading or killing ecrin
 * leaves them serving. Each server's pid, start time and port are recorded; the next ecrin adopts a
 * server whose record matches a live process that answers, and starts only the missing ones.
 *
 * Health: every probe interval, each running server must answer HTTP within the timeout; after the
 * configured failures in a row (a hung server) or when its process is gone, it is restarted with
 * backoff (0.1 s, then 1 s, 2 s … 30 s). As many restarts within the crash-loop window put it in
 * "failed": it stays stopped until started again (by the operator), and listeners hear it once.
 */
export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #records: RunRecords;
  readonly #all = new Map<string, Supervised>();
  readonly #slots: Semaphore;
  readonly #listeners: ((e: DriverEvent) => void)[] = [];
  #loop: NodeJS.Timeout | null = null;
  #probing = false;
  #released = false;

  constructor(o: SupervisorOptions) {
    this.#o = o;
    this.#records = new RunRecords(o.paths);
    this.#slots = new Semaphore(o.startConcurrency);
  }

  onEvent(listener: (e: DriverEvent) => void): void {
    this.#listeners.push(listener);
  }

  #emit(e: DriverEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.#o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'driver event listener failed');
      }
    }
  }

  endpoint(name: string): Endpoint | null {
    const s = this.#all.get(name);
    return s && s.state === 'running' ? { host: '127.0.0.1', port: s.port } : null;
  }

  runtime(name: string): InstanceRuntime {
    return runtimeOf(this.#all.get(name));
  }

  /** The port a live server listens on, whatever its state (for health checks during a start). */
  port(name: string): number | null {
    const s = this.#all.get(name);
    return s && s.proc ? s.port : null;
  }

  log(name: string): InstanceLog {
    return this.#all.get(name)?.log ?? new InstanceLog(this.#o.paths, name, this.#o.logBytes);
  }

  #new(name: string, port: number): Supervised {
    return newSupervised(name, port, new InstanceLog(this.#o.paths, name, this.#o.logBytes));
  }

  /**
   * A server recorded by an earlier ecrin that still runs and answers: supervised again as it is
   * (same pid). Null when there is none (or what is left of it was ended).
   */
  async adopt(name: string): Promise<Endpoint | null> {
    const current = this.#all.get(name);
    if (current?.state === 'running') return { host: '127.0.0.1', port: current.port };
    const rec = this.#records.read(name);
    if (!rec) return null;
    if (!isRunning(rec)) {
      this.#endLeftovers(name, rec);
      this.#records.remove(name);
      return null;
    }
    const s = this.#new(name, rec.port);
    s.proc = { pid: rec.pid, startTicks: rec.startTicks };
    s.uid = rec.uid;
    if ((await answers(rec.port, this.#o.launcher.probeHost(name), this.#o.probe.timeoutMs)) === null) {
      s.log.note(`recorded server (pid ${rec.pid}) does not answer on port ${rec.port}: stopped, to be started again`);
      await stopGroup(rec.pid, this.#o.stopGraceMs ?? 5000);
      this.#records.remove(name);
      return null;
    }
    s.adopted = true;
    s.state = 'running';
    this.#all.set(name, s);
    s.log.note(`adopted by ecrin (pid ${process.pid}): server pid ${rec.pid}, port ${rec.port}`);
    this.#ensureLoop();
    return { host: '127.0.0.1', port: s.port };
  }

  /**
   * What is left of a recorded server whose leader is gone (its sandbox's init, a worker): processes
   * of its group born after it, running as its uid (sandboxed) or inside its folder. Nothing else.
   */
  #endLeftovers(name: string, rec: RunRecord): void {
    const root = this.#o.paths.root(name);
    endLeftovers(rec, (pid) => (rec.uid !== null ? processUid(pid) === rec.uid : cwdInside(pid, root)));
  }

  /** Starts the server (or adopts the recorded one) and waits until it answers. */
  async start(name: string): Promise<Endpoint> {
    const adopted = await this.adopt(name);
    if (adopted) return adopted;
    let s = this.#all.get(name);
    if (s && (s.state === 'starting' || s.state === 'restarting')) return this.#waitRunning(s);
    if (s?.timer) clearTimeout(s.timer);
    s = this.#new(name, await this.#o.freePort());
    this.#all.set(name, s);
    this.#ensureLoop();
    let ok = await this.#launch(s);
    // A server that dies at once may have lost its port to another process: a new port, twice at most.
    for (let retry = 0; !ok && retry < 2 && s.proc === null && s.lastExit !== null && s.state === 'starting'; retry++) {
      s.port = await this.#o.freePort();
      ok = await this.#launch(s);
    }
    if (!ok) {
      const reason = s.lastExit ?? `no answer within ${Math.round(this.#o.startTimeoutMs / 1000)} s`;
      await this.stop(name);
      throw new DriverError('start', `the instance server did not answer within ${Math.round(this.#o.startTimeoutMs / 1000)} s (${reason})`);
    }
    return { host: '127.0.0.1', port: s.port };
  }

  async #waitRunning(s: Supervised): Promise<Endpoint> {
    const deadline = Date.now() + this.#o.startTimeoutMs + 35_000;
    while (Date.now() < deadline) {
      if (s.state === 'running') return { host: '127.0.0.1', port: s.port };
      if (s.state === 'failed' || s.state === 'stopped' || s.state === 'stopping') break;
      await sleep(100);
    }
    throw new DriverError('start', `the instance server is not running (${s.state})`);
  }

  /** Spawns and waits for an answer, within the start bound; true when it answers. */
  #launch(s: Supervised): Promise<boolean> {
    return this.#slots.run(async () => {
      if (s.state === 'stopping' || s.state === 'stopped' || this.#released) return false;
      const gen = ++s.generation;
      s.launching = true;
      try {
        this.#spawn(s, gen);
        const deadline = Date.now() + this.#o.startTimeoutMs;
        while (Date.now() < deadline && s.generation === gen) {
          if (!s.proc) return false; // it died while starting
          const status = await answers(s.port, this.#o.launcher.probeHost(s.name), Math.min(this.#o.probe.timeoutMs, 3000));
          if (status !== null && status < 500 && s.generation === gen) {
            s.state = 'running';
            s.failedProbes = 0;
            s.since = Date.now();
            return true;
          }
          await sleep(100);
        }
        return false;
      } finally {
        s.launching = false;
      }
    });
  }

  #spawn(s: Supervised, gen: number): void {
    const cmd = this.#o.launcher.serverCommand(s.name, s.port);
    s.uid = cmd.uid;
    const fd = s.log.openForChild();
    s.log.note(`starting the server on port ${s.port}${cmd.uid !== null ? ` as uid ${cmd.uid}` : ''}`);
    let child: ChildProcess;
    try {
      // A session of its own and no pipe to ecrin: the server outlives ecrin.
      child = spawn(cmd.argv[0]!, cmd.argv.slice(1), { cwd: cmd.cwd, env: cmd.env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    child.unref();
    s.child = child;
    s.proc = child.pid !== undefined ? identify(child.pid) : null;
    if (s.proc) this.#records.write(s.name, { ...s.proc, port: s.port, uid: cmd.uid, startedAt: new Date().toISOString() });
    child.on('exit', (code, signal) => this.#exited(s, gen, signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (err) => {
      this.#o.logger.error({ instance: s.name, err: err.message }, 'instance server could not start');
      this.#exited(s, gen, err.message);
    });
  }

  #exited(s: Supervised, gen: number, how: string): void {
    if (s.generation !== gen) return;
    s.child = null;
    s.proc = null;
    s.lastExit = how;
    s.log.note(`the server exited (${how})`);
    if (s.state === 'stopping' || s.state === 'stopped' || s.state === 'failed' || this.#released) return;
    if (s.launching) return; // #launch sees it and reports the failure
    this.#o.logger.warn({ instance: s.name, how }, 'instance server exited; restarting');
    this.#restart(s, `the server exited (${how})`);
  }

  /** Restart with backoff, or "failed" after too many restarts within the window. */
  #restart(s: Supervised, reason: string): void {
    const now = Date.now();
    const next = nextRestart(s.restartTimes, now, this.#o.crashLoop);
    s.restartTimes = next.recent;
    if (next.delayMs === null) {
      void this.#fail(s, `${s.restartTimes.length} restarts within ${Math.round(this.#o.crashLoop.windowMs / 1000)} s; last: ${reason}`);
      return;
    }
    s.restartsTotal++;
    const quick = s.since > 0 && now - s.since < 5000;
    const delay = next.delayMs;
    s.state = 'restarting';
    s.since = now;
    s.log.note(`restarting in ${delay} ms: ${reason}`);
    this.#emit({ name: s.name, kind: 'restarting', reason });
    s.timer = setTimeout(() => {
      s.timer = null;
      void (async () => {
        if (s.state !== 'restarting' || this.#released) return;
        // A server that died at once may have lost its port to another process: take a new one.
        if (quick) s.port = await this.#o.freePort();
        const ok = await this.#launch(s);
        // (stopped or failed meanwhile: nothing more to do)
        const state = s.state as InstanceRuntime['state'];
        if (state !== 'running' && state !== 'restarting' && state !== 'starting') return;
        if (ok) {
          s.log.note(`the server answers again on port ${s.port}`);
          this.#emit({ name: s.name, kind: 'running', reason: 'restarted' });
          return;
        }
        await this.#end(s);
        s.state = 'restarting';
        this.#restart(s, s.lastExit ? `the server exited while starting (${s.lastExit})` : `no answer within ${Math.round(this.#o.startTimeoutMs / 1000)} s of its start`);
      })();
    }, delay);
    s.timer.unref();
  }

  async #fail(s: Supervised, reason: string): Promise<void> {
    s.state = 'failed';
    s.since = Date.now();
    await this.#end(s);
    s.log.note(`failed: ${reason}; not restarted until started again`);
    this.#o.logger.error({ instance: s.name, reason }, 'instance server in a crash loop: failed');
    this.#emit({ name: s.name, kind: 'failed', reason });
  }

  /** Ends the current server (if any) without calling it a crash. */
  async #end(s: Supervised, graceMs = this.#o.stopGraceMs ?? 5000): Promise<void> {
    s.generation++;
    const proc = s.proc;
    s.proc = null;
    s.child = null;
    if (proc) await stopGroup(proc.pid, graceMs);
    this.#records.remove(s.name);
    this.#o.launcher.cleanUp(s.name);
  }

  #ensureLoop(): void {
    if (this.#loop || this.#released) return;
    this.#loop = setInterval(() => void this.#probeAll(), this.#o.probe.intervalMs);
    this.#loop.unref();
  }

  async #probeAll(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      await Promise.all([...this.#all.values()].filter((s) => s.state === 'running').map((s) => this.#probe(s)));
    } finally {
      this.#probing = false;
    }
  }

  async #probe(s: Supervised): Promise<void> {
    s.log.rotateIfNeeded();
    const gen = s.generation;
    // An adopted server is not ecrin's child: its end is seen here, not by an 'exit' event.
    if (s.proc && !s.child && !isRunning(s.proc)) {
      s.lastExit = 'gone';
      s.log.note('the server is gone');
      s.proc = null;
      this.#records.remove(s.name);
      this.#restart(s, 'the server is gone');
      return;
    }
    const status = await answers(s.port, this.#o.launcher.probeHost(s.name), this.#o.probe.timeoutMs);
    if (s.generation !== gen || s.state !== 'running') return;
    if (status !== null) {
      s.failedProbes = 0;
      return;
    }
    s.failedProbes++;
    s.log.note(`no answer to the health probe (${s.failedProbes}/${this.#o.probe.failures})`);
    if (s.failedProbes < this.#o.probe.failures) return;
    const reason = `no answer to ${s.failedProbes} health probes in a row`;
    this.#o.logger.warn({ instance: s.name }, `instance server stopped answering: ${reason}; restarting`);
    s.state = 'restarting';
    s.lastExit = reason;
    // It answers nothing: its requests will not finish, so a short grace before SIGKILL.
    await this.#end(s, Math.min(1000, this.#o.stopGraceMs ?? 5000));
    s.failedProbes = 0;
    this.#restart(s, reason);
  }

  async stop(name: string): Promise<void> {
    const s = this.#all.get(name);
    if (s) {
      s.state = 'stopping';
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      await this.#end(s);
      s.log.note('stopped');
      this.#all.delete(name);
      return;
    }
    // Not supervised here (e.g. `ecrin instances stop-all`): the recorded server, if it runs.
    const rec = this.#records.read(name);
    if (rec && isRunning(rec)) await stopGroup(rec.pid, this.#o.stopGraceMs ?? 5000);
    else if (rec) this.#endLeftovers(name, rec);
    this.#records.remove(name);
    this.#o.launcher.cleanUp(name);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#all.keys()].map((n) => this.stop(n)));
  }

  /** Every server recorded in DATA_DIR (supervised here or not) is stopped. */
  async stopRecorded(): Promise<string[]> {
    const names = [...new Set([...this.#all.keys(), ...this.#records.names()])];
    await Promise.all(names.map((n) => this.stop(n)));
    return names;
  }

  /** ecrin stops: the servers stay as they are, recorded, for the next ecrin to adopt. */
  release(): void {
    this.#released = true;
    if (this.#loop) clearInterval(this.#loop);
    this.#loop = null;
    for (const s of this.#all.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.generation++;
      s.log.note(`ecrin (pid ${process.pid}) stops; the server ${s.proc ? `(pid ${s.proc.pid}) keeps running` : 'is not running'}`);
    }
    this.#all.clear();
  }
}
