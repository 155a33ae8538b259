import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DriverError } from '../driver.ts';
import { identify, isRunning, type ProcessIdentity } from '../sandbox/proc.ts';
import type { LocalPaths } from './local-files.ts';

/**
 * One ecrin supervises a DATA_DIR's instances: a second one would restart what the first runs, and
 * `ecrin instances stop-all` would stop what the first restarts. `DATA_DIR/hosting/supervisor.lock`
 * names it (pid and start time: a dead ecrin's lock is no lock). Drivers of one process share it.
 */
function file(paths: LocalPaths): string {
  return path.join(paths.hostingDir, 'supervisor.lock');
}

function read(paths: LocalPaths): ProcessIdentity | null {
  try {
    const l = JSON.parse(readFileSync(file(paths), 'utf8')) as ProcessIdentity;
    return Number.isInteger(l.pid) ? l : null;
  } catch {
    return null;
  }
}

/** The pid of another live ecrin holding the lock, or null. */
export function otherSupervisor(paths: LocalPaths): number | null {
  const l = read(paths);
  return l && l.pid !== process.pid && isRunning(l) ? l.pid : null;
}

export function acquireSupervisorLock(paths: LocalPaths): void {
  const other = otherSupervisor(paths);
  if (other !== null) throw new DriverError('start', `another ecrin (pid ${other}) supervises the instances of ${paths.dataDir}`);
  writeFileSync(file(paths), JSON.stringify(identify(process.pid)) + '\n', { mode: 0o600 });
}

export function releaseSupervisorLock(paths: LocalPaths): void {
  if (read(paths)?.pid === process.pid) rmSync(file(paths), { force: true });
}
