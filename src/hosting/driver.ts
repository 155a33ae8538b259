import type { Flavour } from '../platform/db/schema.ts';

/**
 * Where instances run. The local driver (the embedded default) runs each instance as a supervised
 * child process; a Kubernetes driver would run a Deployment per instance behind the same interface.
 */
export interface InstanceSpec {
  /** the sub-domain name, e.g. amis-du-velo */
  name: string;
  flavour: Flavour;
  /** the public host the instance answers to */
  host: string;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** What the driver knows of an instance's server right now (in memory, not in the database). */
export interface InstanceRuntime {
  state: 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';
  /** restarts since this ecrin supervises it */
  restarts: number;
  since: Date | null;
  /** how the last server ended (exit code, signal, no answer) */
  lastExit: string | null;
  /** found running at start (started by an earlier ecrin) */
  adopted: boolean;
  pid: number | null;
  /** the uid it runs as, when sandboxed */
  uid: number | null;
}

/** A server restarting, answering again, or given up on after a crash loop. */
export interface DriverEvent {
  name: string;
  kind: 'restarting' | 'running' | 'failed';
  reason: string;
}

/** How instances are kept apart here (said at start and in the back office). */
export interface IsolationSummary {
  sandboxed: boolean;
  /** why not, when not: a code the back office translates, and details in English */
  reason: string | null;
  detail: string;
  cgroup: { available: boolean; reason: string | null; detail: string };
}

/** One line for the start-up banner and the logs. */
export function describeIsolation(i: IsolationSummary): string {
  if (!i.sandboxed) return `NOT isolated — they run as ecrin's own user (${i.detail})`;
  return `sandboxed (bubblewrap, a uid each, rlimits); cgroup v2 ${i.cgroup.available ? `limits in ${i.cgroup.detail}` : `not used (${i.cgroup.detail})`}`;
}

export interface InstanceDriver {
  /** Creates the instance's files and database; doing it again for an existing instance does nothing. */
  create(spec: InstanceSpec): Promise<void>;
  exists(name: string): Promise<boolean>;
  setSecurity(name: string, s: { mode: 0 | 1 | 2; password?: string }): Promise<void>;
  /** Starts (or finds running) the instance's server; supervised until stop(). */
  start(name: string): Promise<Endpoint>;
  stop(name: string): Promise<void>;
  archive(name: string, file: string): Promise<void>;
  restore(name: string, file: string): Promise<void>;
  destroy(name: string): Promise<void>;
  usage(name: string): Promise<{ diskBytes: number }>;
  /** true when the instance's server answers HTTP */
  health(name: string): Promise<boolean>;
  endpoint(name: string): Endpoint | null;
  /** Stops every server this ecrin supervises. */
  stopAll(): Promise<void>;
  /** Supervises again the servers of these instances that an earlier ecrin left running (no restart); returns those adopted. */
  adopt(names: string[]): Promise<string[]>;
  /** Starts (or adopts) these instances, a bounded number at once; each result says whether it serves. */
  startMany(names: string[]): Promise<{ name: string; error: string | null }[]>;
  runtime(name: string): InstanceRuntime;
  /** The last lines of the instance's log (its server's output and the driver's notes). */
  logTail(name: string, lines: number): Promise<string[]>;
  onEvent(listener: (e: DriverEvent) => void): void;
  isolation(): IsolationSummary;
  /** ecrin stops: servers keep running, recorded for the next ecrin to adopt. */
  release(): Promise<void>;
  /** Stops every recorded server, supervised by this process or not (`ecrin instances stop-all`). */
  stopRecorded(): Promise<string[]>;
}

/** The admin tool or the server failed: the message is safe to show (no secret in it). */
export class DriverError extends Error {
  readonly step: string;
  constructor(step: string, message: string) {
    super(message);
    this.step = step;
  }
}
