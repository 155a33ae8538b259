import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hashPassword } from '../../tools/lucterios-standin/common.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { errorText } from '../../src/errors/app-error.ts';
import type { ErrorCode } from '../../src/errors/catalogue.ts';
import type { Agent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { lastMailTo } from '../support/customers.ts';
import { InstanceClient } from '../support/instance-client.ts';
import { activeInstances } from '../support/instances.ts';
import { DEFAULT_ADMIN_PASSWORD } from '../support/paid-order.ts';
import { gzipSync } from 'node:zlib';
import { parseVersion } from '../../src/modules/archives/archives.service.ts';
import { hostileCorpus, tarOf } from './corpus.ts';

/**
 * Archives through the portal, on the stand-in's real archives: Archiver (verified before it is
 * recorded), Export (Content-Length, Range, SHA-256), Restaurer (a safety archive first, the
 * password given re-applied with MODE=0), Import (the hostile corpus refused, each with its
 * sentence, nothing kept), Supprimer (confirmed).
 */
let t: TestApp;
let dataDir: string;
let port: number;
let agent: Agent;
let instanceId: number;
const NAME = 'arch-asso';

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ecrin-archives-'));
  t = await createTestApp({ env: { DATA_DIR: dataDir } });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
  t.container.urls.setPublicPort(port);
  // Émeraude: no limit on simultaneous sessions (each sign-in of the test is one).
  agent = await activeInstances(t, 'archiviste', [NAME], { plan: 'emeraude' });
  instanceId = (await t.container.services.instances.findByName(NAME))!.id;
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const page = () => `/instances/${instanceId}/archives`;
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

async function signedInClient(password: string): Promise<InstanceClient> {
  const c = new InstanceClient(port, `${NAME}.localhost:${port}`);
  assert.equal(await c.signIn('admin', password), true, `admin / ${password} signs in`);
  return c;
}

async function addMember(c: InstanceClient, first: string, last: string): Promise<void> {
  await c.request('GET', '/members');
  const res = await c.request('POST', '/members', { csrfmiddlewaretoken: c.cookies.get('csrftoken') ?? '', first_name: first, last_name: last, email: '' });
  assert.equal(res.status, 303);
}

async function members(c: InstanceClient): Promise<string> {
  return (await c.request('GET', '/members')).body;
}

/** Runs the newest action of the instance as the worker would. */
async function runNewestAction(): Promise<{ state: string; last_error: string | null }> {
  const [a] = await t.container.services.instances.actionsForInstance(instanceId);
  await t.container.services.archives.runAction(a!.id);
  return (await t.container.services.instances.findAction(a!.id))!;
}

/** Sends a file through the page's own Import form (multipart, its token in the form's address). */
async function upload(bytes: Buffer, filename: string, name = ''): Promise<LightMyRequestResponse> {
  const html = (await agent.get(page())).body;
  const action = unescape(/<form method="post" action="([^"]*\/import\?_csrf=[^"]+)"/.exec(html)![1]!);
  const fd = new FormData();
  fd.append('name', name);
  fd.append('file', new Blob([new Uint8Array(bytes)]), filename);
  const req = new Request('http://x/', { method: 'POST', body: fd });
  const payload = Buffer.from(await req.arrayBuffer());
  return t.app.inject({
    method: 'POST',
    url: action,
    remoteAddress: agent.ip,
    headers: { host: agent.host, cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': req.headers.get('content-type')!, 'content-length': String(payload.length) },
    payload,
  });
}

function storedFiles(): string[] {
  return readdirSync(path.join(dataDir, 'archives')).sort();
}

describe('Archiver, Export, Restaurer', () => {
  it('archives, exports with Range and SHA-256, and restores the data with the new password, after a safety archive', async () => {
    const admin = await signedInClient(DEFAULT_ADMIN_PASSWORD);
    await addMember(admin, 'Alice', 'Martin');

    const instancePage = await agent.get(`/instances/${instanceId}`);
    assert.match(instancePage.body, new RegExp(`href="${page()}"`), 'the instance page links to its archives');
    assert.equal((await agent.get(page())).statusCode, 200);
    const refused = await agent.post(page(), { name: '   ' });
    assert.equal(refused.statusCode, 422);
    assert.match(unescape(refused.body), /Donnez un nom à l'archive/);
    const asked = await agent.post(page(), { name: 'Avant essai été' });
    assert.equal(asked.statusCode, 303);
    assert.match(unescape((await agent.get(String(asked.headers.location))).body), /l'archive apparaîtra ici/);
    assert.equal((await t.container.services.archives.list(instanceId)).length, 0, 'nothing before the action ran');
    const done = await runNewestAction();
    assert.equal(done.state, 'done', String(done.last_error));
    const [archive] = await t.container.services.archives.list(instanceId);
    assert.equal(archive!.origin, 'created');
    assert.equal(archive!.name, 'Avant essai été');
    assert.ok(archive!.migrations > 0);
    const shown = (await agent.get(page())).body;
    assert.match(shown, new RegExp(archive!.sha256), 'the SHA-256 is shown');
    assert.match(shown, /créée ici/);

    // Export: the whole file, named NAME-ARCHIVE.lbkf, with its length and digest.
    const exportUrl = `${page()}/${archive!.id}/export`;
    assert.match(shown, new RegExp(`href="${exportUrl}"`));
    const whole = await agent.get(exportUrl);
    assert.equal(whole.statusCode, 200);
    assert.equal(whole.headers['content-length'], String(archive!.size_bytes));
    assert.match(String(whole.headers['content-disposition']), /attachment; filename="arch-asso-Avant-essai-ete\.lbkf"/);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.equal(createHash('sha256').update(whole.rawPayload).digest('hex'), archive!.sha256);
    const exported = await t.container.services.audit.list({ limit: 5, offset: 0, action: 'archive.exported' });
    assert.equal((exported[0]?.details as { archiveId?: number }).archiveId, archive!.id, 'the export is in the audit log');
    const part = await agent.get(exportUrl, { range: 'bytes=100-399' });
    assert.equal(part.statusCode, 206);
    assert.equal(part.headers['content-range'], `bytes 100-399/${archive!.size_bytes}`);
    assert.deepEqual(part.rawPayload, whole.rawPayload.subarray(100, 400), 'a broken download resumes where it stopped');
    const resume = await agent.get(exportUrl, { range: 'bytes=400-', 'if-range': String(whole.headers.etag) });
    assert.deepEqual(Buffer.concat([whole.rawPayload.subarray(0, 400), resume.rawPayload]), whole.rawPayload);
    assert.equal((await agent.get(exportUrl, { range: `bytes=${archive!.size_bytes + 10}-` })).statusCode, 416);

    // The data changes; Restaurer brings the archive's back.
    await addMember(admin, 'Bob', 'Durand');
    assert.match(await members(admin), /Durand/);
    const form = await agent.get(`${page()}/${archive!.id}/restaurer`);
    assert.equal(form.statusCode, 200);
    const wrong = await agent.post(`${page()}/${archive!.id}/restaurer`, { confirm_name: 'autre-nom', password: 'nouveau-mot-2027', password_confirm: 'nouveau-mot-2028' });
    assert.equal(wrong.statusCode, 422);
    assert.match(unescape(wrong.body), /Tapez exactement le nom de l'instance/);
    assert.equal((await t.container.services.instances.actionsForInstance(instanceId))[0]!.kind, 'archive', 'nothing scheduled');
    const ok = await agent.post(`${page()}/${archive!.id}/restaurer`, { confirm_name: NAME, password: 'nouveau-mot-2027', password_confirm: 'nouveau-mot-2027' });
    assert.equal(ok.statusCode, 303);
    const restored = await runNewestAction();
    assert.equal(restored.state, 'done', String(restored.last_error));
    assert.equal((await t.container.services.instances.find(instanceId))!.state, 'active');

    const after = await signedInClient('nouveau-mot-2027');
    const list = await members(after);
    assert.match(list, /Martin/);
    assert.doesNotMatch(list, /Durand/, 'the data of the archive is back');
    assert.equal(await new InstanceClient(port, `${NAME}.localhost:${port}`).signIn('admin', DEFAULT_ADMIN_PASSWORD), false, 'only the given password works');
    const archives = await t.container.services.archives.list(instanceId);
    const safety = archives.find((a) => a.origin === 'before_restore');
    assert.ok(safety && /^avant restauration /.test(safety.name) && safety.expires_at, 'a safety archive, kept 7 days');
    const mail = await lastMailTo(t, 'archiviste@example.org', 'archives.restored');
    assert.doesNotMatch(mail.text_body, /nouveau-mot-2027/, 'the e-mail never holds the password');
    assert.match(mail.text_body, /mot de passe que vous avez saisi/);
  });
});

describe('Import', () => {
  it('refuses each hostile archive with its own French sentence, and keeps nothing', async () => {
    const before = storedFiles();
    const count = (await t.container.services.archives.list(instanceId)).length;
    for (const c of hostileCorpus({ manyEntries: t.container.services.archives.limits.maxEntries + 1 })) {
      const res = await upload(c.bytes, c.name);
      assert.equal(res.statusCode, 422, `${c.name}: ${res.statusCode}`);
      const expected = errorText({ code: c.code as ErrorCode, params: { max: t.container.services.archives.limits.maxEntries, ratio: 200, maxBytes: 64 * 1024 ** 3, apps: 'contacts' } }, 'fr').split(' (')[0]!.split(' :')[0]!;
      assert.ok(unescape(res.body).includes(expected), `${c.name}: expected « ${expected} »`);
      assert.deepEqual(storedFiles(), before, `${c.name}: nothing kept on disk`);
      assert.equal((await t.container.services.archives.list(instanceId)).length, count, `${c.name}: nothing recorded`);
    }
  });

  it('imports a sound archive (not applied until Restaurer) and refuses one beyond the storage left', async () => {
    const [own] = (await t.container.services.archives.list(instanceId)).filter((a) => a.origin === 'created');
    const bytes = (await agent.get(`${page()}/${own!.id}/export`)).rawPayload;
    const res = await upload(bytes, 'depuis-mon-ordinateur.lbkf', 'Mon ordinateur');
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const imported = (await t.container.services.archives.list(instanceId)).find((a) => a.origin === 'imported');
    assert.equal(imported?.name, 'Mon ordinateur');
    assert.equal(imported?.sha256, own!.sha256);
    assert.match(unescape((await agent.get(String(res.headers.location))).body), /Elle ne sera appliquée que si vous la restaurez/);

    // Over quota: the plan's storage (10 GB for Émeraude) is nearly all taken by the instance.
    const instance = (await t.container.services.instances.find(instanceId))!;
    const plan = (await t.container.services.settings.plan(instance.plan_code))!;
    await t.container.database.db.updateTable('instances').set({ disk_bytes: plan.storageBytes! - 1000 }).where('id', '=', instanceId).execute();
    const before = storedFiles();
    const over = await upload(bytes, 'trop-gros.lbkf');
    assert.equal(over.statusCode, 413);
    assert.match(unescape(over.body), /Le stockage de votre forfait est plein : .* utilisés sur 10 Go.*Supprimez une archive dont vous n'avez plus besoin, ou passez à un forfait plus grand/);
    assert.deepEqual(storedFiles(), before, 'nothing kept');
    const archive = await agent.post(page(), { name: 'encore une' });
    assert.equal(archive.statusCode, 413, 'Archiver is refused too');
    await t.container.database.db.updateTable('instances').set({ disk_bytes: null }).where('id', '=', instanceId).execute();
  });
});

describe('a restore that fails half-way', () => {
  it('puts the safety archive back by itself: the instance serves its old data, and the action says why', async () => {
    const admin = await signedInClient('nouveau-mot-2027');
    await addMember(admin, 'Chloé', 'Petit');
    // Sound to the inspector (a JSON array, the instance's own target), refused by the admin tool's restore.
    const [own] = (await t.container.services.archives.list(instanceId)).filter((a) => a.origin === 'created');
    const target = `[${parseVersion(own!.diacamma_version).map(([app, n]) => `('${app}', '${n}_x')`).join(', ')}]`;
    const bad = gzipSync(tarOf([{ path: 'dump.json', body: '[{"model": "auth.user", "pk": "pas-un-nombre", "fields": {}}]' }, { path: 'target', body: target }]));
    assert.equal((await upload(bad, 'casse.lbkf', 'Archive cassée')).statusCode, 303);
    const broken = (await t.container.services.archives.list(instanceId)).find((a) => a.name === 'Archive cassée')!;
    const ok = await agent.post(`${page()}/${broken.id}/restaurer`, { confirm_name: NAME, password: 'autre-mot-2029', password_confirm: 'autre-mot-2029' });
    assert.equal(ok.statusCode, 303);
    const action = await runNewestAction();
    assert.equal(action.state, 'failed');
    assert.match(String(action.last_error), /La restauration a échoué .* l'instance a été remise exactement comme avant, depuis l'archive de sécurité « avant restauration/);
    assert.equal((await t.container.services.instances.find(instanceId))!.state, 'active');
    const same = await signedInClient('nouveau-mot-2027');
    assert.match(await members(same), /Petit/, 'the data of before the restore is served');
    assert.equal(await new InstanceClient(port, `${NAME}.localhost:${port}`).signIn('admin', 'autre-mot-2029'), false);
    const actions = (await agent.get('/instances/actions')).body;
    assert.match(unescape(actions), /Restauration/);
    assert.match(unescape(actions), /La restauration a échoué/);
  });
});

describe('a restore retried after ecrin died in the middle of it', () => {
  it('keeps the safety archive of the first attempt (not one of the half-restored state) and finishes', async () => {
    const [own] = (await t.container.services.archives.list(instanceId)).filter((a) => a.origin === 'created');
    await agent.get(`${page()}/${own!.id}/restaurer`);
    assert.equal((await agent.post(`${page()}/${own!.id}/restaurer`, { confirm_name: NAME, password: 'reprise-mot-2030', password_confirm: 'reprise-mot-2030' })).statusCode, 303);
    const [action] = await t.container.services.instances.actionsForInstance(instanceId);
    // The first attempt made its safety archive, then the process was killed (the action left running).
    const instance = (await t.container.services.instances.find(instanceId))!;
    const first = await t.container.services.archives.createArchive(instance, 'avant restauration (1re tentative)', 'before_restore', null);
    const stale = new Date(t.clock.now().getTime() - 2 * 3600_000);
    await t.container.database.db.updateTable('hosting_actions').set({ state: 'running', attempts: 1, started_at: stale }).where('id', '=', action!.id).execute();
    const safetyBefore = (await t.container.services.archives.list(instanceId)).filter((a) => a.origin === 'before_restore').length;
    await t.container.services.archives.runAction(action!.id);
    assert.equal((await t.container.services.instances.findAction(action!.id))!.state, 'done');
    const safety = (await t.container.services.archives.list(instanceId)).filter((a) => a.origin === 'before_restore');
    assert.equal(safety.length, safetyBefore, 'no new safety archive');
    assert.ok(safety.some((a) => a.id === first.id));
    assert.ok(await (await signedInClient('reprise-mot-2030')).request('GET', '/members'));
  });
});

describe('Supprimer', () => {
  it('asks first (without JavaScript, a page of its own), then deletes the archive and frees its file', async () => {
    const imported = (await t.container.services.archives.list(instanceId)).find((a) => a.name === 'Mon ordinateur')!;
    const url = `${page()}/${imported.id}/supprimer`;
    const ask = await agent.post(url, {});
    assert.equal(ask.statusCode, 200);
    assert.match(unescape(ask.body), /Supprimer définitivement l'archive « Mon ordinateur »/);
    assert.ok((await t.container.services.archives.list(instanceId)).some((a) => a.id === imported.id), 'not deleted yet');
    const del = await agent.post(url, { confirme: '1' });
    assert.equal(del.statusCode, 303);
    assert.equal((await t.container.services.archives.list(instanceId)).some((a) => a.id === imported.id), false);
    assert.equal(storedFiles().includes(imported.store_key), false, 'its file is gone');
    assert.equal((await agent.get(`${page()}/${imported.id}/export`)).statusCode, 404);
  });
});

describe('an archive from a local install, open to anyone (connection mode 2)', () => {
  it('imported and restored: the instance asks for a password, and only the one given works', async () => {
    // As Diacamma on a computer leaves it: "Accès libre" (CORE-connectmode 2), admin / admin.
    const [own] = (await t.container.services.archives.list(instanceId)).filter((a) => a.origin === 'created');
    const target = `[${parseVersion(own!.diacamma_version).map(([app, n]) => `('${app}', '${n}')`).join(', ')}]`;
    const dump = [
      { model: 'auth.user', pk: 1, fields: { password: await hashPassword('admin'), username: 'admin', first_name: '', last_name: '', email: '', is_superuser: true, is_staff: true, is_active: true, date_joined: '2026-01-05T10:00:00Z', last_login: null } },
      { model: 'contacts.abstractcontact', pk: 7, fields: { email: 'zoe@example.org' } },
      { model: 'contacts.individual', pk: 7, fields: { firstname: 'Zoé', lastname: 'Localiste' } },
      { model: 'CORE.parameter', pk: 1, fields: { name: 'CORE-connectmode', typeparam: 4, args: "{'Enum': 3}", value: '2', metaselect: '' } },
    ];
    const bytes = gzipSync(tarOf([{ path: 'dump.json', body: JSON.stringify(dump) }, { path: 'target', body: target }, { path: 'usr/', type: 'Directory' }]));

    // The stand-in honours the archive's mode as Diacamma does: restored by the admin tool alone, it is open to anyone.
    const scratch = mkdtempSync(path.join(tmpdir(), 'ecrin-mode2-'));
    try {
      const tool = path.join(import.meta.dirname, '..', '..', 'tools', 'lucterios-standin', 'lucterios_admin');
      execFileSync(tool, ['add', '-n', 'essai', '-i', scratch]);
      writeFileSync(path.join(scratch, 'local.lbkf'), bytes);
      execFileSync(tool, ['restore', '-n', 'essai', '-f', path.join(scratch, 'local.lbkf'), '-i', scratch]);
      assert.match(execFileSync(tool, ['read', '-n', 'essai', '-i', scratch]).toString(), /mode=Accès libre/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }

    assert.equal((await upload(bytes, 'mon-ordinateur.lbkf', 'Installation locale')).statusCode, 303);
    const local = (await t.container.services.archives.list(instanceId)).find((a) => a.name === 'Installation locale')!;
    await agent.get(`${page()}/${local.id}/restaurer`);
    const asked = await agent.post(`${page()}/${local.id}/restaurer`, { confirm_name: NAME, password: 'donne-local-2031', password_confirm: 'donne-local-2031' });
    assert.equal(asked.statusCode, 303);
    const done = await runNewestAction();
    assert.equal(done.state, 'done', String(done.last_error));

    const visitor = new InstanceClient(port, `${NAME}.localhost:${port}`);
    const home = await visitor.request('GET', '/members');
    assert.equal(home.status, 302, 'a visitor is sent to the sign-in page');
    assert.match(String(home.headers.location), /\/login/);
    await visitor.request('GET', '/login');
    assert.equal((await visitor.request('POST', '/members', { csrfmiddlewaretoken: visitor.cookies.get('csrftoken') ?? '', first_name: 'In', last_name: 'Trus', email: '' })).status, 403, 'nobody writes without signing in');
    assert.equal(await new InstanceClient(port, `${NAME}.localhost:${port}`).signIn('admin', 'admin'), false, "the archive's own password does not work");
    assert.equal(await new InstanceClient(port, `${NAME}.localhost:${port}`).signIn('admin', 'reprise-mot-2030'), false, 'nor the one before');
    const admin = await signedInClient('donne-local-2031');
    assert.match(await members(admin), /Localiste/, "the archive's data is served");
  });
});
