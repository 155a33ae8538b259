import path from 'node:path';
import type { SandboxTools } from './isolation.ts';

/**
 * The command line that runs a program inside an instance's sandbox (bubblewrap + setpriv +
 * prlimit, all well-kept Debian tools; nothing here runs anything):
 *
 * - the whole system read-only (`--ro-bind / /`), a minimal /dev, a /proc of its own PID namespace
 *   (no other process is visible: not ecrin's environment, not another instance's command lines);
 * - /tmp and DATA_DIR replaced by empty tmpfs (ecrin's database, secret key, logs and the other
 *   instances are not there), then only the instance's own folder bound back, writable;
 * - its own uid/gid, no supplementary groups, no capabilities, no new privileges;
 * - rlimits: processes (per uid, so per instance), open files, no core dumps (they would fill the
 *   customer's storage), and address space unless a cgroup bounds the memory instead;
 * - with a cgroup: `sh` writes its own pid to the group's `cgroup.procs` first, then becomes
 *   bubblewrap, so every process of the instance is born inside the group.
 */
export interface SandboxSpec {
  tools: SandboxTools;
  uid: number;
  gid: number;
  /** the instance's folder: its working directory and the only writable place */
  root: string;
  /** hidden from the instance (ecrin's data) */
  dataDir: string;
  limits: { processes: number; openFiles: number; /** address space, bytes; null when a cgroup bounds memory */ addressSpaceBytes: number | null };
  /** the group's cgroup.procs file, or null */
  cgroupProcs: string | null;
  /** end with ecrin (short commands ecrin waits for); servers must outlive ecrin, so not them */
  dieWithParent: boolean;
}

/** The folders strictly between `ancestor` and `target` (`/a`, `/a/b/c` → `/a/b`). */
export function dirsBetween(ancestor: string, target: string): string[] {
  const rel = path.relative(ancestor, path.dirname(target));
  if (rel === '' || rel.startsWith('..')) return [];
  const out: string[] = [];
  let at = ancestor;
  for (const part of rel.split(path.sep)) {
    at = path.join(at, part);
    out.push(at);
  }
  return out;
}

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

export function sandboxArgv(spec: SandboxSpec, argv: string[]): string[] {
  const root = path.resolve(spec.root);
  const dataDir = path.resolve(spec.dataDir);
  if (!inside(dataDir, root)) throw new Error(`the instance folder ${root} is not inside DATA_DIR ${dataDir}`);
  const b: string[] = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  const hidden: string[] = [];
  for (const dir of ['/tmp', dataDir]) {
    const within = hidden.find((h) => inside(h, dir));
    if (within === dir) continue;
    // A folder inside an earlier tmpfs is made there first (bubblewrap would make it 0700 otherwise).
    if (within) for (const d of dirsBetween(within, dir)) b.push('--perms', '0755', '--dir', d);
    b.push('--perms', '0755', '--tmpfs', dir);
    hidden.push(dir);
  }
  const innermost = hidden.filter((h) => inside(h, root)).sort((x, y) => y.length - x.length)[0]!;
  for (const d of dirsBetween(innermost, root)) b.push('--perms', '0755', '--dir', d);
  b.push('--bind', root, root);
  b.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--chdir', root);
  if (spec.dieWithParent) b.push('--die-with-parent');
  const priv = [spec.tools.setpriv, `--reuid=${spec.uid}`, `--regid=${spec.gid}`, '--clear-groups', '--no-new-privs', '--bounding-set=-all'];
  const limits = [spec.tools.prlimit, `--nproc=${spec.limits.processes}`, `--nofile=${spec.limits.openFiles}`, '--core=0', ...(spec.limits.addressSpaceBytes !== null ? [`--as=${spec.limits.addressSpaceBytes}`] : []), '--'];
  const sandboxed = [spec.tools.bwrap, ...b, '--', ...priv, ...limits, ...argv];
  if (spec.cgroupProcs === null) return sandboxed;
  return ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', spec.cgroupProcs, ...sandboxed];
}
