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
  stopAll(): Promise<void>;
}

/** The admin tool or the server failed: the message is safe to show (no secret in it). */
export class DriverError extends Error {
  readonly step: string;
  constructor(step: string, message: string) {
    super(message);
    this.step = step;
  }
}
