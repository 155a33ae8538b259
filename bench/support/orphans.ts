/**
 * Instance servers are grandchildren of a benchmark (ecrin starts them): if the benchmark is
 * interrupted and its ecrin child killed outright, they would outlive it. On exit, this kills the
 * processes whose working directory is inside a folder the benchmark created (the instances run in
 * DATA_DIR/instances) — never anything chosen by name.
 */
import { readdirSync, readlinkSync } from 'node:fs';

function pidsWorkingIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`).replace(/ \(deleted\)$/, '');
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

/** On process exit, SIGKILL whatever still runs inside `dir`. Returns a function that cancels it. */
export function killOnExitProcessesIn(dir: string): () => void {
  const hook = () => {
    for (const pid of pidsWorkingIn(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', hook);
  return () => process.off('exit', hook);
}

/** On process exit, SIGKILL one process (e.g. an instance server found by its port). */
export function killOnExit(pid: number): () => void {
  const hook = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', hook);
  return () => process.off('exit', hook);
}
