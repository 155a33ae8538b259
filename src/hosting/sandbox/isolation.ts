import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { detectCgroup, type CgroupSupport } from './cgroup.ts';

/**
 * What ecrin can do to keep instances apart, found once at start. Sandboxed: each instance runs as
 * a uid of its own inside bubblewrap (read-only system, private /tmp and PID namespace, only its
 * own folder writable, DATA_DIR hidden) with rlimits, and in a cgroup v2 group where the machine
 * allows it. Otherwise instances run as ecrin's own user, as before, and ecrin says so at start and
 * in the back office.
 */
export type SandboxUnavailable = 'disabled' | 'not_root' | 'no_bwrap' | 'no_setpriv' | 'no_prlimit' | 'bwrap_failed';

export interface SandboxTools {
  bwrap: string;
  setpriv: string;
  prlimit: string;
}

export type Isolation =
  | { sandboxed: true; tools: SandboxTools; cgroup: CgroupSupport }
  | { sandboxed: false; reason: SandboxUnavailable; detail: string; cgroup: CgroupSupport };

export class IsolationError extends Error {}

/** An executable found on PATH, or null. */
export function findTool(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin').split(':')) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

function run(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000, env: {} }, (err, _out, stderr) => resolve(err ? String(stderr).trim().split('\n').pop() || err.message : null));
  });
}

export interface DetectOptions {
  mode: 'auto' | 'sandbox' | 'none';
  /** ecrin's uid (process.getuid()) */
  uid: number;
  /** a uid of the instances' range, to try the sandbox with */
  probeUid: number;
  pathVar: string | undefined;
  cgroup: string | 'auto' | null;
  /** where cgroup v2 is mounted (tests); default: read from /proc/self/mountinfo */
  cgroupMount?: string | null;
}

/** Finds what isolation this machine allows; with mode 'sandbox', anything less is an error. */
export async function detectIsolation(o: DetectOptions): Promise<Isolation> {
  const noCgroup: CgroupSupport = { available: false, reason: 'no_sandbox', detail: 'instances are not sandboxed' };
  const fallback = (reason: SandboxUnavailable, detail: string): Isolation => {
    if (o.mode === 'sandbox') throw new IsolationError(`INSTANCE_ISOLATION=sandbox, but instances cannot be sandboxed here: ${detail}`);
    return { sandboxed: false, reason, detail, cgroup: noCgroup };
  };
  if (o.mode === 'none') return { sandboxed: false, reason: 'disabled', detail: 'INSTANCE_ISOLATION=none', cgroup: noCgroup };
  if (o.uid !== 0) return fallback('not_root', `ecrin runs as uid ${o.uid}, not root: it cannot give instances users of their own`);
  const bwrap = findTool('bwrap', o.pathVar);
  if (!bwrap) return fallback('no_bwrap', 'bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)');
  const setpriv = findTool('setpriv', o.pathVar);
  if (!setpriv) return fallback('no_setpriv', 'setpriv (util-linux) is not installed');
  const prlimit = findTool('prlimit', o.pathVar);
  if (!prlimit) return fallback('no_prlimit', 'prlimit (util-linux) is not installed');
  // The kernel may refuse namespaces (a container without them, say): try the real thing once.
  const failed = await run(bwrap, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--', setpriv, `--reuid=${o.probeUid}`, `--regid=${o.probeUid}`, '--clear-groups', prlimit, '--nofile=64', '--', 'true']);
  if (failed !== null) return fallback('bwrap_failed', `bubblewrap cannot make a sandbox here: ${failed}`);
  return { sandboxed: true, tools: { bwrap, setpriv, prlimit }, cgroup: detectCgroup({ configured: o.cgroup, uid: o.uid, ...(o.cgroupMount !== undefined ? { mount: o.cgroupMount } : {}) }) };
}
