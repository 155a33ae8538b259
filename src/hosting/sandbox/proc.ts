import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Processes as Linux shows them in /proc. An instance's server is known by its pid *and* the time
 * it started (field 22 of /proc/PID/stat, in clock ticks since boot): a pid can be reused by another
 * process after a reboot or a long time, the pair cannot. A zombie (state Z) is dead: it only waits
 * for its parent to collect it (where PID 1 does not reap, adopted servers end that way).
 */
export interface ProcessIdentity {
  pid: number;
  startTicks: number;
}

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  startTicks: number;
}

export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "PID (comm) S ppid pgrp session …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
}

/** The identity of a process that runs now (null: no such process, or a zombie). */
export function identify(pid: number): ProcessIdentity | null {
  const s = readProcStat(pid);
  return s && s.state !== 'Z' && s.state !== 'X' ? { pid, startTicks: s.startTicks } : null;
}

/** True when this very process (same pid, same start) still runs. */
export function isRunning(id: ProcessIdentity): boolean {
  const s = readProcStat(id.pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X' && s.startTicks === id.startTicks;
}

/** The live processes of a process group (a sandbox's whole tree shares its leader's group). */
export function groupMembers(pgrp: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    const s = readProcStat(Number(e));
    if (s && s.pgrp === pgrp && s.state !== 'Z' && s.state !== 'X') out.push(Number(e));
  }
  return out;
}

/** The uid a process runs as (real uid), or null. */
export function processUid(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function signalGroup(pgrp: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgrp, signal);
  } catch {
    /* nobody left in the group */
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no live process is left in the group; false when some remain after `ms`. */
export async function waitGroupGone(pgrp: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (groupMembers(pgrp).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/**
 * Stops a whole process group: SIGTERM (a server finishes its requests), then SIGKILL for what is
 * left after the grace period. In a sandbox, SIGKILL reaches its PID namespace's init, and the kernel
 * then ends every process of the namespace, including any that left the group.
 */
export async function stopGroup(pgrp: number, graceMs: number): Promise<void> {
  signalGroup(pgrp, 'SIGTERM');
  if (await waitGroupGone(pgrp, graceMs)) return;
  signalGroup(pgrp, 'SIGKILL');
  await waitGroupGone(pgrp, 2000);
}

/** True when the process's working directory is `dir` or inside it. */
export function cwdInside(pid: number, dir: string): boolean {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

/**
 * SIGKILL for what is left in a process group whose leader is gone: members born after the leader
 * that `ours` recognises. (A pid alone could be anyone's by now.)
 */
export function endLeftovers(leader: ProcessIdentity, ours: (pid: number) => boolean): void {
  for (const pid of groupMembers(leader.pid)) {
    const st = readProcStat(pid);
    if (!st || st.startTicks < leader.startTicks || !ours(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
