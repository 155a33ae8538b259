/**
 * Unit tests of the stand-in's parsers (in-process, no child processes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDatabase, parseExtra, pyRepr, verifyPassword, hashPassword } from './common.ts';
import { fromDump, parseArgs, parseTarget, toDump, toTarget } from './lucterios_admin.ts';
import { hostAllowed, safeFileName, splitHost } from './serve.ts';

test('-e parsing follows lucterios_admin.py', () => {
  assert.deepEqual(parseExtra('ALLOWED_HOSTS=[a.example;b.example],USE_X_FORWARDED_HOST=True,WORKERS=3,RATE=1.5,LABEL=hello'), {
    ALLOWED_HOSTS: ['a.example', 'b.example'],
    USE_X_FORWARDED_HOST: true,
    WORKERS: 3,
    RATE: 1.5,
    LABEL: 'hello',
  });
  assert.deepEqual(parseExtra('{"ALLOWED_HOSTS": ["x"]}'), { ALLOWED_HOSTS: ['x'] });
  assert.deepEqual(parseExtra(''), {});
  assert.equal(pyRepr({ a: [true, null, 'x"y'] }), '{"a": [True, None, "x\\"y"]}');
});

test('-d parsing', () => {
  assert.deepEqual(parseDatabase('postgresql:name=asso,user=u,password=p,host=h'), { type: 'postgresql', info: { name: 'asso', user: 'u', password: 'p', host: 'h' } });
  assert.deepEqual(parseDatabase('sqlite'), { type: 'sqlite', info: {} });
  assert.throws(() => parseDatabase('mongodb:name=x'), /Database not supported/);
});

test('passwords: Django scrypt and pbkdf2_sha256 hashes verify', async () => {
  // Hashes computed with Python's hashlib, as Django does.
  assert.ok(await verifyPassword('Diacamma!', 'pbkdf2_sha256$1000$Xy12salt$jJMgeNOLwTPpJT8LKuZgMu1ZoUCP2iYTHqexqBe1Sug='));
  assert.ok(await verifyPassword('Diacamma!', 'scrypt$16384$Xy12salt$8$1$Tt6ZiZJd679prpY/e5dMnywnrqNXMuR8ZZn577vbX3CqEfkFvWVU68WiAX1l6VuJsIbi3gQKEUkkvOizcTZqTw=='));
  assert.ok(!(await verifyPassword('diacamma!', 'pbkdf2_sha256$1000$Xy12salt$jJMgeNOLwTPpJT8LKuZgMu1ZoUCP2iYTHqexqBe1Sug=')));
  assert.ok(!(await verifyPassword('x', 'md5$$whatever')));
  assert.ok(!(await verifyPassword('x', '!unusable')));
  const h = await hashPassword('s3cret');
  assert.ok(await verifyPassword('s3cret', h));
});

test('dump and target round-trip; unknown models of a real dump are ignored', () => {
  const db = {
    users: [{ id: 1, username: 'admin', password: 'pbkdf2_sha256$1$s$h', first_name: '', last_name: '', email: '', is_superuser: true, is_staff: true, is_active: true, date_joined: '2024-01-01T00:00:00Z', last_login: null }],
    members: [{ id: 4, first_name: 'A', last_name: 'B', email: 'a@b.example' }],
    parameters: { connection_mode: 1 },
  };
  const dump = toDump({ format: 'x', migrations: [], ...db });
  dump.push({ model: 'accounting.fiscalyear', pk: 1, fields: { begin: '2024-01-01' } });
  assert.deepEqual(fromDump(dump), db);
  const migrations: [string, string][] = [
    ['contenttypes', '0001_initial'],
    ['CORE', '0002_savedcriteria'],
  ];
  assert.deepEqual(parseTarget(toTarget(migrations)), migrations);
  assert.deepEqual(parseTarget("[(u'auth', u'0001_initial')]"), [['auth', '0001_initial']]);
  assert.throws(() => parseTarget('import os'));
  assert.throws(() => fromDump({}));
  assert.throws(() => fromDump([{ model: 'auth.user', pk: 'x', fields: { username: 'a' } }]));
});

test('optparse-like argument parsing', () => {
  const out: string[] = [];
  const r = parseArgs(['-nfoo', 'add', '--mod=a,b', '--instance_path', '/tmp', '-e', '-weird'], (s) => out.push(s));
  assert.equal(r.verb, 'add');
  assert.equal(r.options.name, 'foo');
  assert.equal(r.options.module, 'a,b');
  assert.equal(r.options.instance_path, '/tmp');
  assert.equal(r.options.extra, '-weird');
  assert.throws(() => parseArgs(['add', 'modif'], () => {}), /Bad arguments/);
  assert.throws(() => parseArgs(['frobnicate'], () => {}), /unknown action/);
});

test('Django-like host validation and upload names', () => {
  assert.deepEqual(splitHost('Asso.Example.:8000'), { domain: 'asso.example', port: '8000' });
  assert.equal(splitHost('bad host'), null);
  assert.equal(splitHost('a.example/x'), null);
  assert.ok(hostAllowed('x.clubs.example', ['.clubs.example']));
  assert.ok(hostAllowed('clubs.example', ['.clubs.example']));
  assert.ok(!hostAllowed('evilclubs.example', ['.clubs.example']));
  assert.ok(hostAllowed('anything', ['*']));
  assert.equal(safeFileName('C:\\Users\\x\\rapport.pdf'), 'rapport.pdf');
  assert.equal(safeFileName('../../.htaccess'), null);
  assert.equal(safeFileName('..'), null);
  assert.equal(safeFileName('ok name.txt'), 'ok name.txt');
});
