import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Agent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInOperator } from '../../../test/support/customers.ts';
import { serveEcrin } from '../../../test/support/ecrin-process.ts';
import { activeInstances } from '../../../test/support/instances.ts';
import { groupMembers, processUid } from '../../hosting/sandbox/proc.ts';

/**
 * The fallback, never silent: where instances cannot be (or are not to be) sandboxed, they run as
 * ecrin's own user, as before, and ecrin says so at start and in the back office.
 */
let t: TestApp;
let dataDir: string;
let operator: Agent;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-no-sandbox-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir, INSTANCE_ISOLATION: 'none' } });
  await activeInstances(t, 'nue', ['nue-asso']);
  operator = await signedInOperator(t, 'ops-nue@example.org');
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('instances not sandboxed', () => {
  it('run as ecrin’s own user, as before', () => {
    const rt = t.container.driver.runtime('nue-asso');
    assert.equal(rt.uid, null);
    assert.deepEqual([...new Set(groupMembers(rt.pid!).map(processUid))], [process.getuid?.()]);
  });

  it('and the back office says so, on the list and on the instance', async () => {
    const list = await operator.get('/backoffice/instances');
    assert.match(list.body, /Les instances ne sont pas isolées sur cette machine : isolation désactivée \(INSTANCE_ISOLATION=none\)/);
    const id = (await t.container.services.instances.findByName('nue-asso'))!.id;
    const page = await operator.get(`/backoffice/instances/${id}`);
    assert.match(page.body, /non isolée : le serveur tourne avec l&#39;utilisateur d&#39;ecrin/);
    assert.match(page.body, /État du serveur<\/dt><dd>en marche/);
    assert.match(page.body, /Listening at: http:\/\/127\.0\.0\.1:\d+/, 'its log');
  });

  it('an ecrin that is not root says at start that instances are not isolated', async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip('needs root to play a non-root ecrin with setpriv');
    const dir = mkdtempSync(path.join(tmpdir(), 'ecrin-not-root-'));
    chownSync(dir, 65534, 65534);
    try {
      const ecrin = await serveEcrin({ DATA_DIR: dir, SECRET_KEY: 'not-root-secret-key-not-root-secret-0123' }, 60_000, 65534);
      try {
        assert.match(ecrin.output(), /Instances: {2}NOT isolated — they run as ecrin's own user \(ecrin runs as uid 65534, not root/);
        assert.match(ecrin.output(), /"msg":"instances are NOT isolated: they run as ecrin's own user"/);
      } finally {
        ecrin.proc.kill('SIGTERM');
        await ecrin.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
