import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * cgroup v2, where the machine lets ecrin use it: each instance in a group of its own with
 * `memory.max` (resident memory, the kernel's OOM killer ends that instance only), `memory.swap.max`
 * and `pids.max`. It needs root, a cgroup v2 hierarchy whose memory and pids controllers are
 * available (not bound to cgroup v1, as on hybrid machines), and a directory ecrin can create and
 * delegate controllers to. Otherwise instances keep the rlimits alone, and ecrin says why.
 */
export type CgroupSupport = { available: true; dir: string } | { available: false; reason: CgroupUnavailable; detail: string };
export type CgroupUnavailable = 'off' | 'no_sandbox' | 'not_root' | 'no_cgroup2' | 'no_controllers' | 'not_writable';

const NEEDED = ['memory', 'pids'];

/** The cgroup v2 mount point, from /proc/self/mountinfo (field 5 is the mount point; after " - " the type). */
export function cgroup2Mount(mountinfo = '/proc/self/mountinfo'): string | null {
  try {
    for (const line of readFileSync(mountinfo, 'utf8').split('\n')) {
      const [left, right] = line.split(' - ');
      if (right?.startsWith('cgroup2 ')) return left!.split(' ')[4] ?? null;
    }
  } catch {
    /* no /proc */
  }
  return null;
}

function words(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Finds (and prepares) the directory instance groups go in. `configured`: a delegated directory
 * (e.g. made by systemd with Delegate=yes, ecrin not inside it), 'auto' for `<mount>/ecrin-instances`
 * under the cgroup v2 root, null for off.
 */
export function detectCgroup(opts: { configured: string | 'auto' | null; uid: number; mount?: string | null }): CgroupSupport {
  if (opts.configured === null) return { available: false, reason: 'off', detail: 'INSTANCE_CGROUP=off' };
  if (opts.uid !== 0) return { available: false, reason: 'not_root', detail: 'ecrin does not run as root' };
  const mount = opts.mount === undefined ? cgroup2Mount() : opts.mount;
  if (!mount) return { available: false, reason: 'no_cgroup2', detail: 'no cgroup v2 hierarchy is mounted' };
  const dir = opts.configured === 'auto' ? path.join(mount, 'ecrin-instances') : opts.configured;
  const parent = path.dirname(dir);
  const missing = NEEDED.filter((c) => !words(path.join(parent, 'cgroup.controllers')).includes(c));
  if (missing.length > 0) {
    return { available: false, reason: 'no_controllers', detail: `the cgroup v2 hierarchy at ${mount} offers no ${missing.join('/')} controller in ${parent} (on this machine they may be bound to cgroup v1)` };
  }
  try {
    // The parent hands the controllers down, the directory holds no process of its own and hands them on.
    if (!NEEDED.every((c) => words(path.join(parent, 'cgroup.subtree_control')).includes(c))) writeFileSync(path.join(parent, 'cgroup.subtree_control'), NEEDED.map((c) => `+${c}`).join(' '));
    mkdirSync(dir, { recursive: true });
    if (!NEEDED.every((c) => words(path.join(dir, 'cgroup.subtree_control')).includes(c))) writeFileSync(path.join(dir, 'cgroup.subtree_control'), NEEDED.map((c) => `+${c}`).join(' '));
  } catch (err) {
    return { available: false, reason: 'not_writable', detail: `${dir}: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { available: true, dir };
}

/** An instance's group with its limits; returns the `cgroup.procs` file its first process joins. */
export function prepareInstanceCgroup(dir: string, name: string, limits: { memoryBytes: number; processes: number }): string {
  const group = path.join(dir, name);
  mkdirSync(group, { recursive: true });
  writeFileSync(path.join(group, 'memory.max'), String(limits.memoryBytes));
  // No swap: the memory bound would otherwise only slow the instance down instead of ending it.
  if (existsSync(path.join(group, 'memory.swap.max'))) writeFileSync(path.join(group, 'memory.swap.max'), '0');
  writeFileSync(path.join(group, 'pids.max'), String(limits.processes));
  return path.join(group, 'cgroup.procs');
}

/** Removes an instance's group once its processes are gone (the kernel refuses while any remain). */
export function removeInstanceCgroup(dir: string, name: string): void {
  try {
    rmdirSync(path.join(dir, name));
  } catch {
    /* still in use, or never made */
  }
}
