import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { lastMailTo, signedInOperator } from '../support/customers.ts';
import { activeInstances } from '../support/instances.ts';

/**
 * A full disk under the archive store, for real: a 256 KiB tmpfs mounted as DATA_DIR/archives.
 * "Archiver" of an instance holding 1 MiB fails cleanly (the action says why in French, the
 * operators are told, nothing is kept: not a byte on the disk, no row), and so does an Import;
 * once there is room again, the same archive succeeds. Needs the right to mount (root, as in CI).
 */
let t: TestApp | undefined;
let dataDir: string;
let store: string;
let agent: Agent;
let instanceId: number;
let skip: string | false = false;
const NAME = 'plein-asso';

function tryMount(dir: string): string | false {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return false;
  } catch (err) {
    return `a tmpfs cannot be mounted here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}): run as root to test a full disk`;
  }
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-disk-full-'));
  store = path.join(dataDir, 'archives');
  mkdirSync(store, { mode: 0o700 });
  skip = tryMount(store);
  if (skip) return;
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  await signedInOperator(t, 'ops-disque@example.org');
  agent = await activeInstances(t, 'disque', [NAME], { plan: 'emeraude' });
  instanceId = (await t.container.services.instances.findByName(NAME))!.id;
});
after(async () => {
  await t?.close();
  if (!skip) execFileSync('umount', [store]);
  rmSync(dataDir, { recursive: true, force: true });
});

const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
const FULL = /Le disque où sont gardées les archives est plein : l'archive n'a pas pu être écrite et rien n'en a été conservé/;

describe('a full disk under the archives', () => {
  it('Archiver fails cleanly, with its reason in French, and keeps nothing; with room again it works', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const t_ = t!;
    // 1 MiB the archive cannot compress, in the instance's files (usr/), owned as the instance's own.
    const usr = path.join(dataDir, 'instances', NAME, 'plein_asso', 'usr');
    const big = path.join(usr, 'releve.bin');
    writeFileSync(big, randomBytes(1024 * 1024));
    const owner = statSync(usr);
    chownSync(big, owner.uid, owner.gid);

    await agent.get(`/instances/${instanceId}/archives`);
    assert.equal((await agent.post(`/instances/${instanceId}/archives`, { name: 'trop grande' })).statusCode, 303);
    const [action] = await t_.container.services.instances.actionsForInstance(instanceId);
    await t_.container.services.archives.runAction(action!.id);
    const failed = (await t_.container.services.instances.findAction(action!.id))!;
    assert.equal(failed.state, 'failed');
    assert.match(String(failed.last_error), FULL);
    assert.deepEqual(readdirSync(store), [], 'not a byte kept on the full disk');
    assert.equal((await t_.container.services.archives.list(instanceId)).length, 0, 'no archive recorded');
    assert.equal((await t_.container.services.instances.find(instanceId))!.state, 'active', 'the instance is untouched');
    assert.match(unescape((await agent.get('/instances/actions')).body), FULL, 'the customer reads why');
    assert.match((await lastMailTo(t_, 'ops-disque@example.org', 'instances.action_failed')).text_body, FULL);

    // Room again (the big file gone): the same request succeeds.
    rmSync(big);
    assert.equal((await agent.post(`/instances/${instanceId}/archives`, { name: 'après' })).statusCode, 303);
    const [next] = await t_.container.services.instances.actionsForInstance(instanceId);
    await t_.container.services.archives.runAction(next!.id);
    assert.equal((await t_.container.services.instances.findAction(next!.id))!.state, 'done');
    assert.equal((await t_.container.services.archives.list(instanceId)).length, 1);
  });

  it('an Import beyond the room left is refused in French, and nothing of it is kept', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const t_ = t!;
    const before = readdirSync(store).sort();
    const html = (await agent.get(`/instances/${instanceId}/archives`)).body;
    const action = unescape(/<form method="post" action="([^"]*\/import\?_csrf=[^"]+)"/.exec(html)![1]!);
    const fd = new FormData();
    fd.append('file', new Blob([new Uint8Array(randomBytes(600 * 1024))]), 'grosse.lbkf');
    const req = new Request('http://x/', { method: 'POST', body: fd });
    const payload = Buffer.from(await req.arrayBuffer());
    const res = await t_.app.inject({
      method: 'POST',
      url: action,
      remoteAddress: agent.ip,
      headers: { host: agent.host, cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': req.headers.get('content-type')!, 'content-length': String(payload.length) },
      payload,
    });
    assert.equal(res.statusCode, 507);
    assert.match(unescape(res.body), FULL);
    assert.deepEqual(readdirSync(store).sort(), before, 'the partial upload is gone');
    assert.equal((await t_.container.services.archives.list(instanceId)).length, 1);
  });
});
