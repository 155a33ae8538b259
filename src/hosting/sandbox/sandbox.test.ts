import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { dirsBetween, sandboxArgv } from './bwrap.ts';
import { cgroup2Mount, detectCgroup, prepareInstanceCgroup } from './cgroup.ts';
import { detectIsolation, IsolationError } from './isolation.ts';
import { UidAllocator } from './uids.ts';
import { HOST_PATH } from '../../../test/support/env.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ecrin-sandbox-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const base = { mode: 'auto' as const, probeUid: 200000, pathVar: HOST_PATH, cgroup: 'auto' as const };

describe('what isolation the machine allows', () => {
  it('falls back, and says why, when ecrin is not root or a tool is missing', async () => {
    const notRoot = await detectIsolation({ ...base, uid: 1000 });
    assert.equal(notRoot.sandboxed, false);
    assert.ok(!notRoot.sandboxed && notRoot.reason === 'not_root');
    assert.match(notRoot.sandboxed ? '' : notRoot.detail, /uid 1000, not root/);
    const noTools = await detectIsolation({ ...base, uid: 0, pathVar: path.join(tmp, 'empty-path') });
    assert.ok(!noTools.sandboxed && noTools.reason === 'no_bwrap');
    const off = await detectIsolation({ ...base, mode: 'none', uid: 0 });
    assert.ok(!off.sandboxed && off.reason === 'disabled');
  });

  it('refuses to start without a sandbox when one is required', async () => {
    await assert.rejects(detectIsolation({ ...base, mode: 'sandbox', uid: 1000 }), IsolationError);
  });

  it('sandboxes here when ecrin is root with bubblewrap (the real tools, tried once)', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('not root: the sandbox cannot be tried on this machine');
    const here = await detectIsolation({ ...base, uid: 0 });
    assert.equal(here.sandboxed, true, here.sandboxed ? '' : here.detail);
  });
});

describe('cgroup v2', () => {
  /** A directory laid out like a cgroup v2 hierarchy (the kernel's files are plain files here). */
  function fakeHierarchy(controllers: string): string {
    const root = mkdtempSync(path.join(tmp, 'cg-'));
    writeFileSync(path.join(root, 'cgroup.controllers'), `${controllers}\n`);
    writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
    return root;
  }

  it('is used only where its memory and pids controllers are available, and says why not', () => {
    assert.equal(detectCgroup({ configured: null, uid: 0 }).available, false);
    assert.deepEqual(detectCgroup({ configured: 'auto', uid: 1000, mount: '/x' }), { available: false, reason: 'not_root', detail: 'ecrin does not run as root' });
    assert.equal((detectCgroup({ configured: 'auto', uid: 0, mount: null }) as { reason: string }).reason, 'no_cgroup2');
    const hybrid = detectCgroup({ configured: 'auto', uid: 0, mount: fakeHierarchy('hugetlb') });
    assert.ok(!hybrid.available && hybrid.reason === 'no_controllers' && /memory\/pids/.test(hybrid.detail));
    const full = fakeHierarchy('cpuset cpu io memory pids');
    const ok = detectCgroup({ configured: 'auto', uid: 0, mount: full });
    assert.ok(ok.available);
    assert.equal(readFileSync(path.join(full, 'cgroup.subtree_control'), 'utf8'), '+memory +pids', 'controllers handed down');
    const procs = prepareInstanceCgroup(ok.dir, 'amis', { memoryBytes: 512 * 1024 * 1024, processes: 64 });
    assert.equal(readFileSync(path.join(ok.dir, 'amis', 'memory.max'), 'utf8'), String(512 * 1024 * 1024));
    assert.equal(readFileSync(path.join(ok.dir, 'amis', 'pids.max'), 'utf8'), '64');
    assert.equal(procs, path.join(ok.dir, 'amis', 'cgroup.procs'));
  });

  it('reads this machine as it is', (t) => {
    const mount = cgroup2Mount();
    const found = detectCgroup({ configured: 'auto', uid: process.getuid?.() ?? -1 });
    t.diagnostic(`cgroup v2 at ${mount ?? 'none'}: ${found.available ? `usable (${found.dir})` : `${found.reason}: ${found.detail}`}`);
    assert.ok(found.available || found.detail.length > 0);
  });
});

describe('the sandbox command line', () => {
  const spec = {
    tools: { bwrap: '/usr/bin/bwrap', setpriv: '/usr/bin/setpriv', prlimit: '/usr/bin/prlimit' },
    uid: 200007,
    gid: 200007,
    root: '/srv/ecrin/data/instances/amis',
    dataDir: '/srv/ecrin/data',
    limits: { processes: 64, openFiles: 512, addressSpaceBytes: 1 << 30 },
    cgroupProcs: null,
    dieWithParent: false,
  };

  it('hides DATA_DIR and /tmp, binds back only the instance folder, drops to its uid with limits', () => {
    const argv = sandboxArgv(spec, ['serve', '--bind', '127.0.0.1:8000']);
    const s = argv.join(' ');
    assert.equal(argv[0], '/usr/bin/bwrap');
    assert.match(s, /--ro-bind \/ \/ --dev \/dev --proc \/proc --perms 0755 --tmpfs \/tmp --perms 0755 --tmpfs \/srv\/ecrin\/data --perms 0755 --dir \/srv\/ecrin\/data\/instances --bind \/srv\/ecrin\/data\/instances\/amis \/srv\/ecrin\/data\/instances\/amis/);
    assert.match(s, /--unshare-pid/);
    assert.doesNotMatch(s, /--die-with-parent/, 'a server outlives ecrin');
    assert.match(s, /setpriv --reuid=200007 --regid=200007 --clear-groups --no-new-privs --bounding-set=-all \/usr\/bin\/prlimit --nproc=64 --nofile=512 --core=0 --as=1073741824 -- serve --bind 127\.0\.0\.1:8000$/);
    assert.match(sandboxArgv({ ...spec, dieWithParent: true }, ['x']).join(' '), /--die-with-parent/);
  });

  it('makes the folders inside /tmp when DATA_DIR is there, and joins a cgroup before anything runs', () => {
    const argv = sandboxArgv({ ...spec, root: '/tmp/t1/data/instances/amis', dataDir: '/tmp/t1/data', cgroupProcs: '/sys/fs/cgroup/ecrin-instances/amis/cgroup.procs', limits: { ...spec.limits, addressSpaceBytes: null } }, ['x']);
    const s = argv.join(' ');
    assert.match(s, /--tmpfs \/tmp --perms 0755 --dir \/tmp\/t1 --perms 0755 --tmpfs \/tmp\/t1\/data --perms 0755 --dir \/tmp\/t1\/data\/instances --bind/);
    assert.deepEqual(argv.slice(0, 4), ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', '/sys/fs/cgroup/ecrin-instances/amis/cgroup.procs']);
    assert.doesNotMatch(s, /--as=/, 'memory is the cgroup’s business then');
    assert.throws(() => sandboxArgv({ ...spec, root: '/elsewhere/amis' }, ['x']), /not inside DATA_DIR/);
    assert.deepEqual(dirsBetween('/a', '/a/b/c/d'), ['/a/b', '/a/b/c']);
  });
});

describe('uids', () => {
  it('gives each instance its own, keeps it, and reuses a released one', () => {
    const dir = path.join(tmp, 'hosting');
    mkdirSync(dir);
    const uids = new UidAllocator(dir, { first: 300000, last: 300001 });
    assert.equal(uids.uidOf('a'), 300000);
    assert.equal(uids.uidOf('b'), 300001);
    assert.equal(new UidAllocator(dir, { first: 300000, last: 300001 }).uidOf('a'), 300000, 'kept across restarts');
    assert.throws(() => uids.uidOf('c'), /no free uid/);
    uids.release('a');
    assert.equal(uids.uidOf('c'), 300000);
  });
});
