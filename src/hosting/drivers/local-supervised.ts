import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../platform/logger.ts';
import type { InstanceRuntime } from '../driver.ts';
import type { ProcessIdentity } from '../sandbox/proc.ts';
import type { InstanceLog, LocalPaths } from './local-files.ts';

/** The supervisor's vocabulary (local-supervisor.ts): how it runs a server, its settings, one server's record. */
/** How a server is run: the sandbox (or not) is the driver's business; the supervisor only spawns. */
export interface Launcher {
  /** argv, environment and uid of the instance's server on `port` */
  serverCommand(name: string, port: number): { argv: string[]; env: Record<string, string>; cwd: string; uid: number | null };
  /** after the server is gone for good (stopped, failed): its cgroup, say */
  cleanUp(name: string): void;
  /** the Host its probes send (one the instance accepts) */
  probeHost(name: string): string;
}

export interface SupervisorOptions {
  paths: LocalPaths;
  launcher: Launcher;
  logger: Logger;
  freePort: () => Promise<number>;
  startTimeoutMs: number;
  startConcurrency: number;
  probe: { intervalMs: number; timeoutMs: number; failures: number };
  crashLoop: { restarts: number; windowMs: number };
  logBytes: number;
  /** how long a server may take to stop after SIGTERM before SIGKILL */
  stopGraceMs?: number;
}

export interface Supervised {
  name: string;
  port: number;
  proc: ProcessIdentity | null;
  child: ChildProcess | null;
  uid: number | null;
  state: InstanceRuntime['state'];
  adopted: boolean;
  failedProbes: number;
  /** restarts within the crash-loop window (ms timestamps) */
  restartTimes: number[];
  restartsTotal: number;
  timer: NodeJS.Timeout | null;
  lastExit: string | null;
  since: number;
  /** bumped whenever ecrin itself ends a server: its exit is then not a crash */
  generation: number;
  /** a spawn is waiting for its first answer: an exit meanwhile is that start's failure */
  launching: boolean;
  log: InstanceLog;
}

export function newSupervised(name: string, port: number, log: InstanceLog): Supervised {
  return { name, port, proc: null, child: null, uid: null, state: 'starting', adopted: false, failedProbes: 0, restartTimes: [], restartsTotal: 0, timer: null, lastExit: null, since: Date.now(), generation: 0, launching: false, log };
}

/** What the driver tells of a server (nothing supervised: stopped). */
export function runtimeOf(s: Supervised | undefined): InstanceRuntime {
  if (!s) return { state: 'stopped', restarts: 0, since: null, lastExit: null, adopted: false, pid: null, uid: null };
  return { state: s.state, restarts: s.restartsTotal, since: new Date(s.since), lastExit: s.lastExit, adopted: s.adopted, pid: s.proc?.pid ?? null, uid: s.uid };
}
