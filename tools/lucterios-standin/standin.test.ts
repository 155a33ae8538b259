/**
 * Tests of the Lucterios/Diacamma stand-in, driving the two wrapper scripts as real child processes.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { readDatabase, verifyPassword, writeDatabase } from './common.ts';

const HERE = import.meta.dirname;
const ADMIN = join(HERE, 'lucterios_admin');
const SERVE = join(HERE, 'serve');

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'lucterios-standin-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function admin(args: string[], env: Record<string, string> = {}, cwd = root): Promise<Run> {
  return new Promise((resolve) => {
    execFile(ADMIN, args, { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await admin(args, env);
  assert.equal(r.code, 0, `lucterios_admin ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

function dir(...parts: string[]): string {
  const d = join(root, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}

// --- HTTP helpers -----------------------------------------------------------------------------

interface Resp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  cookies: string[];
}

function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { Connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        const sc = res.headers['set-cookie'];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8'), cookies: sc ?? [] });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

class Client {
  readonly jar = new Map<string, string>();
  readonly port: number;
  readonly host: string;
  constructor(port: number, host = `127.0.0.1:${port}`) {
    this.port = port;
    this.host = host;
  }
  async req(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Resp> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await http(this.port, method, path, { Host: this.host, ...(cookie ? { Cookie: cookie } : {}), ...headers }, body);
    for (const c of r.cookies) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(c) || value === '') this.jar.delete(pair!.slice(0, eq));
      else this.jar.set(pair!.slice(0, eq), value);
    }
    return r;
  }
  get(path: string, headers: Record<string, string> = {}): Promise<Resp> {
    return this.req('GET', path, headers);
  }
  async csrf(): Promise<string> {
    if (!this.jar.has('csrftoken')) await this.get('/login');
    return this.jar.get('csrftoken')!;
  }
  async post(path: string, fields: Record<string, string>, withCsrf = true): Promise<Resp> {
    const form = new URLSearchParams(fields);
    if (withCsrf) form.set('csrfmiddlewaretoken', await this.csrf());
    return this.req('POST', path, { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString());
  }
  async signIn(username: string, password: string): Promise<Resp> {
    await this.get('/login');
    return this.post('/login', { username, password });
  }
}

interface Server {
  port: number;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

function serve(instancePath: string, name: string, args: string[] = [], env: Record<string, string> = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(SERVE, ['lucterios.framework.wsgi', '--bind', '127.0.0.1:0', '-w', '1', '--timeout', '600', ...args], {
      cwd: instancePath,
      env: { ...process.env, DJANGO_SETTINGS_MODULE: `${name}.settings`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        resolve({
          port: Number(m[1]),
          proc,
          output: () => out,
          stop: async () => {
            proc.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

function multipart(fields: Record<string, string>, files: { field: string; name: string; data: Buffer }[]): { type: string; body: Buffer } {
  const boundary = `----standin${Date.now()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

async function archiveNames(file: string): Promise<string[]> {
  const names: string[] = [];
  await tar.t({ file, onReadEntry: (e) => names.push(e.path) });
  return names;
}

const MODULES = 'lucterios.contacts,lucterios.documents,lucterios.mailing,diacamma.accounting,diacamma.payoff,diacamma.invoice,diacamma.member,diacamma.event';

// --- lucterios_admin ----------------------------------------------------------------------------

describe('lucterios_admin stand-in', () => {
  test('add creates the Lucterios layout with admin/admin and mode 0', async () => {
    const ip = dir('add');
    const r = await ok(['add', '-n', 'amis_du_velo', '-p', 'diacamma.asso', '-m', MODULES, '-e', 'ALLOWED_HOSTS=[amis.example],USE_X_FORWARDED_HOST=True', '-i', ip]);
    assert.match(r.stdout, /Instance 'amis_du_velo' created\./);
    assert.ok(existsSync(join(ip, 'manage_amis_du_velo.py')));
    assert.ok(existsSync(join(ip, 'amis_du_velo', 'usr')));
    const settings = readFileSync(join(ip, 'amis_du_velo', 'settings.py'), 'utf8');
    assert.match(settings, /^ALLOWED_HOSTS = \["amis.example"\]$/m);
    assert.match(settings, /^USE_X_FORWARDED_HOST = True$/m);
    assert.match(settings, /fill_appli_settings\("diacamma.asso", \("lucterios.contacts",/);
    const blob = JSON.parse(settings.split('\n').find((l) => l.startsWith('# lucterios-standin: '))!.slice('# lucterios-standin: '.length));
    assert.equal(blob.appli, 'diacamma.asso');
    assert.deepEqual(blob.modules, MODULES.split(','));
    assert.deepEqual(blob.extra, { ALLOWED_HOSTS: ['amis.example'], USE_X_FORWARDED_HOST: true });
    const db = readDatabase(join(ip, 'amis_du_velo', 'db.json'));
    assert.equal(db.parameters.connection_mode, 0);
    assert.deepEqual(db.members, []);
    const adminUser = db.users.find((u) => u.username === 'admin')!;
    assert.match(adminUser.password, /^scrypt\$16384\$/);
    assert.ok(await verifyPassword('admin', adminUser.password));
    assert.ok(!(await verifyPassword('nope', adminUser.password)));

    const again = await admin(['add', '-n', 'amis_du_velo', '-i', ip]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Instance amis_du_velo already exists/);
    assert.equal(again.stderr.trim().split('\n').length, 1);
  });

  test('add with a PostgreSQL database records it without showing the password', async () => {
    const ip = dir('pg');
    await ok(['add', '-n', 'pgasso', '-d', 'postgresql:name=asso,user=asso,password=Zq9secret,host=db.local', '-i', ip]);
    const settings = readFileSync(join(ip, 'pgasso', 'settings.py'), 'utf8');
    assert.match(settings, /"ENGINE": "django.db.backends.postgresql_psycopg2"/);
    assert.match(settings, /"HOST": "db.local"/);
    const read = await ok(['read', '-n', 'pgasso', '-i', ip]);
    assert.match(read.stdout, /postgresql \(name=asso,user=asso,password=\*+,host=db.local\)/);
    assert.doesNotMatch(read.stdout, /Zq9secret/);
  });

  test('invalid names, unknown flags and missing arguments fail', async () => {
    const ip = dir('bad');
    const hyphen = await admin(['add', '-n', 'amis-du-velo', '-i', ip]);
    assert.equal(hyphen.code, 1);
    assert.match(hyphen.stderr, /Invalid instance name 'amis-du-velo'/);
    assert.deepEqual(readdirSync(ip), []);
    const digit = await admin(['add', '-n', '1asso', '-i', ip]);
    assert.notEqual(digit.code, 0);
    const flag = await admin(['add', '-n', 'x', '--colour', 'red', '-i', ip]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Usage:/);
    assert.match(flag.stderr, /no such option: --colour/);
    const noVerb = await admin(['-n', 'x']);
    assert.equal(noVerb.code, 2);
    const noValue = await admin(['add', '-n']);
    assert.equal(noValue.code, 2);
    const missing = await admin(['security', '-n', 'ghost', '-e', 'MODE=1', '-i', ip]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Instance ghost does not exist/);
    const longForms = await admin(['add', '--name=longform', '--appli', 'diacamma.asso', `--instance_path=${ip}`]);
    assert.equal(longForms.code, 0, longForms.stderr);
  });

  test('modif merges -e values and replaces modules', async () => {
    const ip = dir('modif');
    await ok(['add', '-n', 'm1', '-p', 'diacamma.asso', '-m', 'lucterios.contacts', '-e', 'ALLOWED_HOSTS=[a.example]', '-i', ip]);
    await ok(['modif', '-n', 'm1', '-m', 'lucterios.contacts,diacamma.member', '-e', 'USE_X_FORWARDED_HOST=True,ALLOWED_HOSTS=[a.example;b.example]', '-i', ip]);
    const settings = readFileSync(join(ip, 'm1', 'settings.py'), 'utf8');
    assert.match(settings, /^ALLOWED_HOSTS = \["a.example", "b.example"\]$/m);
    assert.match(settings, /^USE_X_FORWARDED_HOST = True$/m);
    assert.match(settings, /\("lucterios.contacts","diacamma.member",\)/);
    assert.match(settings, /fill_appli_settings\("diacamma.asso"/);
  });

  test('listing, delete and LUCTERIOS_STANDIN_FAIL', async () => {
    const ip = dir('list');
    await ok(['add', '-n', 'zeta', '-i', ip]);
    await ok(['add', '-n', 'alpha', '-i', ip]);
    assert.equal((await ok(['listing', '-i', ip])).stdout, 'Instance listing: alpha,zeta\n');

    const failed = await admin(['archive', '-n', 'alpha', '-f', join(ip, 'x.lbkf'), '-i', ip], { LUCTERIOS_STANDIN_FAIL: 'archive' });
    assert.equal(failed.code, 3);
    assert.match(failed.stderr, /simulated failure/);
    assert.ok(!existsSync(join(ip, 'x.lbkf')));
    const otherVerb = await admin(['listing', '-i', ip], { LUCTERIOS_STANDIN_FAIL: 'archive' });
    assert.equal(otherVerb.code, 0);

    const del = await ok(['delete', '-n', 'zeta', '-i', ip]);
    assert.match(del.stdout, /Instance 'zeta' deleted\./);
    assert.ok(!existsSync(join(ip, 'zeta')));
    assert.ok(!existsSync(join(ip, 'manage_zeta.py')));
    assert.equal((await ok(['listing', '-i', ip])).stdout, 'Instance listing: alpha\n');
    await ok(['delete', '-n', 'zeta', '-i', ip]); // idempotent, as in Lucterios
  });

  test('security rejects a bad mode and never prints the password', async () => {
    const ip = dir('sec');
    await ok(['add', '-n', 's1', '-i', ip]);
    const bad = await admin(['security', '-n', 's1', '-e', 'MODE=7', '-i', ip]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /MODE must be 0, 1 or 2/);
    const r = await ok(['security', '-n', 's1', '-e', 'MODE=1,PASSWORD=with,comma=Secret9', '-i', ip]);
    assert.doesNotMatch(r.stdout + r.stderr, /Secret9/);
    const db = readDatabase(join(ip, 's1', 'db.json'));
    assert.equal(db.parameters.connection_mode, 1);
    assert.ok(await verifyPassword('with,comma=Secret9', db.users[0]!.password));
    // Same order-independence as Lucterios: PASSWORD first, MODE last.
    await ok(['security', '-n', 's1', '-e', 'PASSWORD=Other8,MODE=2', '-i', ip]);
    const db2 = readDatabase(join(ip, 's1', 'db.json'));
    assert.equal(db2.parameters.connection_mode, 2);
    assert.ok(await verifyPassword('Other8', db2.users[0]!.password));
  });

  test('archive then restore on another instance brings members, files, mode and password', async () => {
    const ip = dir('arch');
    await ok(['add', '-n', 'source', '-p', 'diacamma.asso', '-m', MODULES, '-i', ip]);
    await ok(['add', '-n', 'target', '-p', 'diacamma.asso', '-m', MODULES, '-i', ip]);
    await ok(['security', '-n', 'source', '-e', 'MODE=2,PASSWORD=Archived7', '-i', ip]);
    const srcDb = readDatabase(join(ip, 'source', 'db.json'));
    srcDb.members.push({ id: 1, first_name: 'Jeanne', last_name: 'Martin', email: 'jeanne@example.org' }, { id: 2, first_name: 'Paul', last_name: 'Durand', email: '' });
    writeDatabase(join(ip, 'source', 'db.json'), srcDb);
    mkdirSync(join(ip, 'source', 'usr', 'documents'), { recursive: true });
    writeFileSync(join(ip, 'source', 'usr', 'statuts.pdf'), 'statuts de l’association');
    writeFileSync(join(ip, 'source', 'usr', 'documents', 'pv.txt'), 'procès-verbal');
    writeFileSync(join(ip, 'target', 'usr', 'old.txt'), 'to be replaced');

    const file = join(ip, 'source.lbkf');
    const r = await ok(['archive', '-n', 'source', '-f', file, '-i', ip]);
    assert.match(r.stdout, /Instance 'source' saved as/);
    const names = await archiveNames(file);
    for (const n of ['dump.json', 'target', 'usr/', 'usr/statuts.pdf', 'usr/documents/pv.txt']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    assert.deepEqual(readdirSync(join(ip, 'source')).filter((n) => n.startsWith('.')), [], 'no staging left behind');

    // dump.json looks like Django dumpdata.
    const x = dir('arch-x');
    await tar.x({ file, cwd: x });
    const dump = JSON.parse(readFileSync(join(x, 'dump.json'), 'utf8')) as { model: string; pk: number; fields: Record<string, unknown> }[];
    assert.ok(dump.some((d) => d.model === 'auth.user' && d.fields.username === 'admin'));
    assert.ok(dump.some((d) => d.model === 'contacts.individual' && d.fields.firstname === 'Jeanne'));
    assert.ok(dump.some((d) => d.model === 'CORE.parameter' && d.fields.name === 'CORE-connectmode' && d.fields.value === '2'));
    assert.match(readFileSync(join(x, 'target'), 'utf8'), /^\[\('contenttypes', '0001_initial'\), /);

    const rr = await ok(['restore', '-n', 'target', '-f', file, '-i', ip]);
    assert.match(rr.stdout, /instance restored with/);
    const db = readDatabase(join(ip, 'target', 'db.json'));
    assert.deepEqual(
      db.members.map((m) => [m.first_name, m.last_name, m.email]),
      [
        ['Jeanne', 'Martin', 'jeanne@example.org'],
        ['Paul', 'Durand', ''],
      ],
    );
    assert.equal(db.parameters.connection_mode, 2);
    assert.ok(await verifyPassword('Archived7', db.users.find((u) => u.username === 'admin')!.password));
    assert.equal(readFileSync(join(ip, 'target', 'usr', 'statuts.pdf'), 'utf8'), 'statuts de l’association');
    assert.equal(readFileSync(join(ip, 'target', 'usr', 'documents', 'pv.txt'), 'utf8'), 'procès-verbal');
    assert.ok(!existsSync(join(ip, 'target', 'usr', 'old.txt')));
    assert.deepEqual(readdirSync(join(ip, 'target')).filter((n) => n.startsWith('.')), []);
  });

  test('a malformed archive fails and leaves the instance untouched', async () => {
    const ip = dir('malformed');
    await ok(['add', '-n', 'keep', '-i', ip]);
    await ok(['security', '-n', 'keep', '-e', 'MODE=1', '-i', ip]);
    writeFileSync(join(ip, 'keep', 'usr', 'mine.txt'), 'mine');
    const dbBefore = readFileSync(join(ip, 'keep', 'db.json'));

    const bads: Record<string, string> = {};
    bads.text = join(ip, 'text.lbkf');
    writeFileSync(bads.text, 'this is not an archive');
    // A gzip tar without dump.json.
    const noDump = dir('malformed-src', 'nodump');
    mkdirSync(join(noDump, 'usr'));
    writeFileSync(join(noDump, 'usr', 'evil.txt'), 'evil');
    writeFileSync(join(noDump, 'target'), '[]');
    bads.noDump = join(ip, 'nodump.lbkf');
    await tar.c({ gzip: true, file: bads.noDump, cwd: noDump }, ['target', 'usr']);
    // dump.json that is not JSON.
    const badJson = dir('malformed-src', 'badjson');
    writeFileSync(join(badJson, 'dump.json'), '[{"model": "auth.user", ');
    bads.badJson = join(ip, 'badjson.lbkf');
    await tar.c({ gzip: true, file: bads.badJson, cwd: badJson }, ['dump.json']);
    // dump.json with a wrong connection mode.
    const badMode = dir('malformed-src', 'badmode');
    writeFileSync(join(badMode, 'dump.json'), JSON.stringify([{ model: 'CORE.parameter', pk: 1, fields: { name: 'CORE-connectmode', value: '9' } }]));
    bads.badMode = join(ip, 'badmode.lbkf');
    await tar.c({ gzip: true, file: bads.badMode, cwd: badMode }, ['dump.json']);
    // A symbolic link in usr/.
    const link = dir('malformed-src', 'link');
    writeFileSync(join(link, 'dump.json'), '[]');
    mkdirSync(join(link, 'usr'));
    symlinkSync('/etc/passwd', join(link, 'usr', 'passwd'));
    bads.link = join(ip, 'link.lbkf');
    await tar.c({ gzip: true, file: bads.link, cwd: link }, ['dump.json', 'usr']);
    // A truncated archive.
    const good = join(ip, 'good.lbkf');
    await ok(['archive', '-n', 'keep', '-f', good, '-i', ip]);
    bads.truncated = join(ip, 'truncated.lbkf');
    writeFileSync(bads.truncated, readFileSync(good).subarray(0, 40));

    for (const [what, file] of Object.entries(bads)) {
      const r = await admin(['restore', '-n', 'keep', '-f', file, '-i', ip]);
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, /Malformed archive .*left unchanged/, what);
      assert.equal(r.stderr.trim().split('\n').length, 1, what);
      assert.deepEqual(readFileSync(join(ip, 'keep', 'db.json')), dbBefore, what);
      assert.deepEqual(readdirSync(join(ip, 'keep', 'usr')), ['mine.txt'], what);
      assert.deepEqual(readdirSync(join(ip, 'keep')).filter((n) => n.startsWith('.')), [], what);
    }
    const missing = await admin(['restore', '-n', 'keep', '-f', join(ip, 'nope.lbkf'), '-i', ip]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
  });
});

// --- serve ------------------------------------------------------------------------------------

describe('serve stand-in', () => {
  test('health, blob, sign-in, members, upload, session across restart, password change', async () => {
    const ip = dir('web');
    await ok(['add', '-n', 'web', '-p', 'diacamma.asso', '-m', MODULES, '-i', ip]);
    let srv = await serve(ip, 'web');
    try {
      const health = await http(srv.port, 'GET', '/health');
      assert.equal(health.status, 200);
      assert.equal(health.text, 'ok');

      const blob = await http(srv.port, 'GET', '/blob?size=1000000');
      assert.equal(blob.status, 200);
      assert.equal(blob.body.length, 1_000_000);
      assert.equal(blob.headers['content-length'], '1000000');
      assert.equal(blob.body[999_999], 999_999 % 256);
      assert.equal((await http(srv.port, 'GET', '/blob?size=-1')).status, 400);

      const c = new Client(srv.port);
      const home = await c.get('/');
      assert.equal(home.status, 302);
      assert.equal(home.headers.location, `http://127.0.0.1:${srv.port}/login?next=%2F`);
      const loginPage = await c.get('/login');
      assert.equal(loginPage.status, 200);
      for (const word of ['Connexion', 'Instance de démonstration (stand-in de Diacamma)']) assert.ok(loginPage.text.includes(word), word);

      const wrong = await c.signIn('admin', 'wrong');
      assert.equal(wrong.status, 200);
      assert.match(wrong.text, /incorrect/);
      assert.ok(!c.jar.has('sessionid'));
      const noCsrf = await c.post('/login', { username: 'admin', password: 'admin' }, false);
      assert.equal(noCsrf.status, 403);

      const signed = await c.signIn('admin', 'admin');
      assert.equal(signed.status, 302);
      const sessionCookie = signed.cookies.find((s) => s.startsWith('sessionid='))!;
      assert.ok(sessionCookie, 'sessionid cookie');
      assert.match(sessionCookie, /HttpOnly/);
      assert.ok(signed.cookies.some((s) => s.startsWith('csrftoken=')));
      assert.equal((await c.get('/')).status, 200);

      const add = await c.post('/members', { first_name: 'Jeanne', last_name: 'Martin', email: 'jeanne@example.org' });
      assert.equal(add.status, 303);
      const members = await c.get('/members');
      assert.equal(members.status, 200);
      for (const word of ['Membres', 'Ajouter', 'Jeanne', 'Martin', 'jeanne@example.org', 'Déconnexion', 'Fichiers']) assert.ok(members.text.includes(word), word);
      assert.equal((await c.post('/members', { first_name: '', last_name: 'X' })).status, 400);
      assert.equal((await c.req('POST', '/members', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'first_name=A&last_name=B')).status, 403);

      const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
      const mp = multipart({ csrfmiddlewaretoken: await c.csrf() }, [{ field: 'file', name: 'compte-rendu.bin', data }]);
      const up = await c.req('POST', '/upload', { 'Content-Type': mp.type }, mp.body);
      assert.equal(up.status, 303);
      assert.deepEqual(readFileSync(join(ip, 'web', 'usr', 'compte-rendu.bin')), data);
      const files = await c.get('/files');
      assert.match(files.text, /compte-rendu\.bin/);
      assert.match(files.text, /data-bytes="5000"/);
      const dl = await c.get('/download/compte-rendu.bin');
      assert.equal(dl.status, 200);
      assert.deepEqual(dl.body, data);
      assert.equal((await c.get('/download/..%2Fdb.json')).status, 404);
      const evil = multipart({ csrfmiddlewaretoken: await c.csrf() }, [{ field: 'file', name: '../../escape.txt', data: Buffer.from('x') }]);
      assert.equal((await c.req('POST', '/upload', { 'Content-Type': evil.type }, evil.body)).status, 303);
      assert.ok(existsSync(join(ip, 'web', 'usr', 'escape.txt')));
      assert.ok(!existsSync(join(ip, 'escape.txt')));

      // The session survives a restart of the server.
      assert.equal(await srv.stop(), 0);
      srv = await serve(ip, 'web');
      const c2 = new Client(srv.port);
      for (const [k, v] of c.jar) c2.jar.set(k, v);
      const again = await c2.get('/members');
      assert.equal(again.status, 200);
      assert.match(again.text, /Jeanne/);

      // security changes the password while the server runs: old sessions end, the new password works, admin/admin fails.
      await ok(['security', '-n', 'web', '-e', 'PASSWORD=N3wSecret', '-i', ip]);
      assert.equal((await c2.get('/members')).status, 302);
      const c3 = new Client(srv.port);
      const old = await c3.signIn('admin', 'admin');
      assert.equal(old.status, 200);
      assert.ok(!c3.jar.has('sessionid'));
      const fresh = await c3.signIn('admin', 'N3wSecret');
      assert.equal(fresh.status, 302);
      assert.equal((await c3.get('/members')).status, 200);
      const out = await c3.get('/logout');
      assert.equal(out.status, 302);
      assert.equal((await c3.get('/members')).status, 302);
      assert.doesNotMatch(srv.output(), /N3wSecret|password=/);
      assert.match(srv.output(), /POST \/login 302/);
    } finally {
      await srv.stop();
    }
  });

  test('modes 1 and 2: anonymous reading, anonymous editing', async () => {
    const ip = dir('modes');
    await ok(['add', '-n', 'open', '-i', ip]);
    await ok(['security', '-n', 'open', '-e', 'MODE=1', '-i', ip]);
    const srv = await serve(ip, 'open');
    try {
      const c = new Client(srv.port);
      const list = await c.get('/members');
      assert.equal(list.status, 200);
      assert.doesNotMatch(list.text, /<h2>Ajouter/);
      assert.equal((await c.post('/members', { first_name: 'A', last_name: 'B' })).status, 403);

      await ok(['security', '-n', 'open', '-e', 'MODE=2', '-i', ip]); // read by the running server on the next request
      assert.equal((await c.get('/')).status, 200);
      assert.equal((await c.post('/members', { first_name: 'Libre', last_name: 'Accès' })).status, 303);
      assert.match((await c.get('/members')).text, /Libre/);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  test('ALLOWED_HOSTS and X-Forwarded-* like Django', async () => {
    const ip = dir('hosts');
    await ok(['add', '-n', 'proxied', '-e', 'ALLOWED_HOSTS=[asso.example;.clubs.example],USE_X_FORWARDED_HOST=True', '-i', ip]);
    const srv = await serve(ip, 'proxied');
    try {
      assert.equal((await http(srv.port, 'GET', '/health', { Host: `127.0.0.1:${srv.port}` })).status, 400);
      assert.equal((await http(srv.port, 'GET', '/', { Host: 'evil.example' })).status, 400);
      assert.equal((await http(srv.port, 'GET', '/health', { Host: 'asso.example' })).status, 200);
      assert.equal((await http(srv.port, 'GET', '/health', { Host: 'velo.clubs.example:8443' })).status, 200);
      const r = await http(srv.port, 'GET', '/members', { Host: `127.0.0.1:${srv.port}`, 'X-Forwarded-Host': 'asso.example', 'X-Forwarded-Proto': 'https' });
      assert.equal(r.status, 302);
      assert.equal(r.headers.location, 'https://asso.example/login?next=%2Fmembers');
      assert.ok(r.cookies.every((s) => /; Secure/.test(s)));
      assert.equal((await http(srv.port, 'GET', '/', { Host: 'asso.example', 'X-Forwarded-Host': 'evil.example' })).status, 400);
    } finally {
      await srv.stop();
    }
  });

  test('serve refuses bad usage and LUCTERIOS_STANDIN_FAIL=serve', async () => {
    const ip = dir('servefail');
    await ok(['add', '-n', 'sf', '-i', ip]);
    const run = (args: string[], env: Record<string, string>) =>
      new Promise<Run>((resolve) =>
        execFile(SERVE, args, { cwd: ip, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
        ),
      );
    const fail = await run(['--bind', '127.0.0.1:0'], { DJANGO_SETTINGS_MODULE: 'sf.settings', LUCTERIOS_STANDIN_FAIL: 'serve' });
    assert.equal(fail.code, 3);
    assert.match(fail.stderr, /simulated failure/);
    assert.equal((await run(['--bind', '127.0.0.1:0', '--frobnicate'], { DJANGO_SETTINGS_MODULE: 'sf.settings' })).code, 2);
    const noInstance = await run(['--bind', '127.0.0.1:0'], { DJANGO_SETTINGS_MODULE: 'ghost.settings' });
    assert.equal(noInstance.code, 1);
    assert.match(noInstance.stderr, /No instance 'ghost'/);
  });
});
