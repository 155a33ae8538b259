/**
 * Shared pieces of the Lucterios/Diacamma STAND-IN (tests and demo only; this is not Diacamma).
 *
 * Layout of an instance, as the real `lucterios_admin.py` lays it out:
 *   INSTANCE_PATH/manage_NAME.py     marker (a real instance has Django's manage script here)
 *   INSTANCE_PATH/NAME/__init__.py
 *   INSTANCE_PATH/NAME/settings.py   Django-looking settings + one JSON line the stand-in reads
 *   INSTANCE_PATH/NAME/db.json       the stand-in's database (the real default is db.sqlite3)
 *   INSTANCE_PATH/NAME/sessions.json the stand-in web server's sessions (Django keeps them in the DB)
 *   INSTANCE_PATH/NAME/usr/          uploaded files ("media"), as in Lucterios
 */
import { createHash, createHmac, pbkdf2, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const STANDIN_BANNER = 'Instance de démonstration (stand-in de Diacamma)';
export const SETTINGS_MARKER = '# lucterios-standin: ';
export const DB_FORMAT = 'lucterios-standin-db/1';

/** Connection modes of Lucterios' CORE-connectmode parameter. */
export const CONNECTION_MODES: Record<number, string> = {
  0: 'Connexion toujours nécessaire',
  1: "Ouvert en tant qu'anonyme",
  2: 'Accès libre',
};

/** Lucterios instance names are Python package names; the stand-in is strict about it. */
export const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]{0,99}$/;

export class StandinError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export type ExtraValue = string | number | boolean | null | ExtraValue[] | { [key: string]: ExtraValue };

export interface DatabaseConfig {
  /** sqlite, mysql, postgresql or oracle; the stand-in keeps its data in db.json whatever this says. */
  type: string;
  info: Record<string, string>;
}

export interface InstanceSettings {
  name: string;
  appli: string;
  modules: string[];
  database: DatabaseConfig;
  extra: Record<string, ExtraValue>;
  secretKey: string;
}

export interface User {
  id: number;
  username: string;
  /** Django-format password hash: `scrypt$N$salt$r$p$b64` (written) or `pbkdf2_sha256$iter$salt$b64` (read). */
  password: string;
  first_name: string;
  last_name: string;
  email: string;
  is_superuser: boolean;
  is_staff: boolean;
  is_active: boolean;
  date_joined: string;
  last_login: string | null;
}

export interface Member {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
}

export interface Database {
  format: string;
  users: User[];
  members: Member[];
  parameters: { connection_mode: number };
  /** Applied "migrations" as [app_label, migration_name], written to the archive's `target`. */
  migrations: [string, string][];
}

export interface Session {
  user_id: number | null;
  /** HMAC of the user's password hash: a password change signs every session out, as in Django. */
  auth_hash: string | null;
  expires: number;
}

export type Sessions = Record<string, Session>;

// ---------------------------------------------------------------------------------------------
// Paths

export function instancePaths(instancePath: string, name: string) {
  const dir = join(instancePath, name);
  return {
    dir,
    manage: join(instancePath, `manage_${name}.py`),
    init: join(dir, '__init__.py'),
    settings: join(dir, 'settings.py'),
    db: join(dir, 'db.json'),
    sessions: join(dir, 'sessions.json'),
    usr: join(dir, 'usr'),
  };
}

// ---------------------------------------------------------------------------------------------
// Files

/** Writes a file atomically: a temporary file beside it, fsync, then rename over the target. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads a JSON file again only when its size or mtime changed (the CLI may rewrite it under a running server). */
export class JsonFileCache<T> {
  readonly path: string;
  private key = '';
  private value: T | undefined;
  constructor(path: string) {
    this.path = path;
  }
  read(fallback: () => T): T {
    let st;
    try {
      st = statSync(this.path, { bigint: true });
    } catch {
      this.key = '';
      this.value = undefined;
      return fallback();
    }
    const key = `${st.mtimeNs}:${st.size}:${st.ino}`;
    if (key !== this.key || this.value === undefined) {
      this.value = JSON.parse(readFileSync(this.path, 'utf8')) as T;
      this.key = key;
    }
    return this.value;
  }
  write(value: T): void {
    writeFileAtomic(this.path, JSON.stringify(value, null, 1) + '\n');
    this.key = '';
    this.value = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Passwords (Django's hash formats, so that users restored from a real archive can sign in)

const SCRYPT_N = 2 ** 14;
const SCRYPT_R = 8;
const SCRYPT_P = 1;

function scryptAsync(password: string, salt: string, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 64, { N: n, r, p, maxmem: 256 * n * r * p + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function randomSalt(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < 22; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Hashes like Django's ScryptPasswordHasher: `scrypt$16384$salt$8$1$base64(64-byte key)`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomSalt();
  const key = await scryptAsync(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  return `scrypt$${SCRYPT_N}$${salt}$${SCRYPT_R}$${SCRYPT_P}$${key.toString('base64')}`;
}

function equalB64(expectedB64: string, actual: Buffer): boolean {
  const expected = Buffer.from(expectedB64, 'base64');
  return expected.length === actual.length && expected.length > 0 && timingSafeEqual(expected, actual);
}

/** Checks a password against a Django hash (scrypt or pbkdf2_sha256); any other format never matches. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  try {
    if (parts[0] === 'scrypt' && parts.length === 6) {
      const [, n, salt, r, p, hash] = parts as [string, string, string, string, string, string];
      const N = Number(n);
      const R = Number(r);
      const P = Number(p);
      if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || !Number.isInteger(R) || R < 1 || R > 32 || !Number.isInteger(P) || P < 1 || P > 16) {
        return false;
      }
      return equalB64(hash, await scryptAsync(password, salt, N, R, P));
    }
    if (parts[0] === 'pbkdf2_sha256' && parts.length === 4) {
      const [, iter, salt, hash] = parts as [string, string, string, string];
      const iterations = Number(iter);
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
      const key = await new Promise<Buffer>((resolve, reject) =>
        pbkdf2(password, salt, iterations, 32, 'sha256', (err, k) => (err ? reject(err) : resolve(k))),
      );
      return equalB64(hash, key);
    }
  } catch {
    return false;
  }
  return false;
}

/** A hash that is checked (to spend the same time) when the user name is unknown. */
export const DUMMY_HASH = `scrypt$${SCRYPT_N}$dummydummydummydummy$${SCRYPT_R}$${SCRYPT_P}$${Buffer.alloc(64).toString('base64')}`;

export function sessionAuthHash(secretKey: string, passwordHash: string): string {
  return createHmac('sha256', `standin.session.${secretKey}`).update(passwordHash).digest('hex');
}

export function randomToken(length = 32): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// The `-e` option (same rules as lucterios_admin.py's set_extra)

/** Parses `KEY=val,KEY2=val2` (or a JSON object): true/false → bool, digits → number, `[a;b]` → list. */
export function parseExtra(extra: string): Record<string, ExtraValue> {
  const out: Record<string, ExtraValue> = {};
  if (extra === '') return out;
  if (extra.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(extra);
    } catch {
      throw new StandinError('Invalid JSON in --extra', 2);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new StandinError('--extra JSON must be an object', 2);
    for (const [k, v] of Object.entries(obj)) out[k] = v as ExtraValue;
    return out;
  }
  for (const item of extra.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq);
    const rest = item.slice(eq + 1);
    const second = rest.indexOf('=');
    const value = second < 0 ? rest : rest.slice(0, second);
    if (value.toLowerCase() === 'true' || value.toLowerCase() === 'false') out[key] = value.toLowerCase() === 'true';
    else if (/^[0-9]+$/.test(value)) out[key] = Number(value);
    else if (/^[0-9.]+$/.test(value) && /[0-9]/.test(value) && !Number.isNaN(Number(value))) out[key] = Number(value);
    else if (value.length > 0 && value.startsWith('[') && value.endsWith(']')) out[key] = value.slice(1, -1).split(';');
    else out[key] = value;
  }
  return out;
}

const PY_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Renders a value as a Python literal for settings.py. */
export function pyRepr(value: ExtraValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${pyRepr(v)}`)
    .join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------
// The `-d` option

const DB_TYPES = ['sqlite', 'mysql', 'postgresql', 'oracle'];
const DB_ENGINES: Record<string, string> = {
  sqlite: 'django.db.backends.sqlite3',
  mysql: 'django.db.backends.mysql',
  postgresql: 'django.db.backends.postgresql_psycopg2',
  oracle: 'django.db.backends.oracle',
};

export function parseDatabase(database: string): DatabaseConfig {
  const colon = database.indexOf(':');
  if (colon < 0) {
    const type = database.toLowerCase();
    if (!DB_TYPES.includes(type)) throw new StandinError('Database not supported!');
    return { type, info: {} };
  }
  const type = database.slice(0, colon).toLowerCase();
  if (!DB_TYPES.includes(type)) throw new StandinError('Database not supported!');
  const info: Record<string, string> = { name: 'default', user: 'root', password: '', host: 'localhost' };
  for (const item of database.slice(colon + 1).split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) info[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return { type, info };
}

/** A one-line description of the database, never showing its password. */
export function databaseText(db: DatabaseConfig): string {
  if (db.type === 'sqlite') return 'sqlite';
  const parts: string[] = [];
  for (const key of ['name', 'user', 'password', 'port', 'host']) {
    const v = db.info[key];
    if (v !== undefined && v !== '') parts.push(`${key}=${key === 'password' ? '********' : v}`);
  }
  return parts.length > 0 ? `${db.type} (${parts.join(',')})` : db.type;
}

// ---------------------------------------------------------------------------------------------
// settings.py

export function renderSettings(s: InstanceSettings, instanceDir: string): string {
  const blob = {
    standin: 1,
    name: s.name,
    appli: s.appli,
    modules: s.modules,
    database: s.database,
    extra: s.extra,
    secret_key: s.secretKey,
  };
  const dbDict: Record<string, ExtraValue> =
    s.database.type === 'sqlite'
      ? { ENGINE: DB_ENGINES.sqlite!, NAME: join(instanceDir, 'db.sqlite3') }
      : { ...Object.fromEntries(Object.entries(s.database.info).map(([k, v]) => [k.toUpperCase(), v])), ENGINE: DB_ENGINES[s.database.type]! };
  const lines = [
    '#!/usr/bin/env python',
    '# -*- coding: utf8 -*-',
    '# Written by the lucterios_admin STAND-IN of ecrin (tests and demo only; this is not Diacamma).',
    '# The stand-in reads only the next line; the Python below mirrors what Lucterios writes.',
    SETTINGS_MARKER + JSON.stringify(blob),
    '',
    'import os',
    'from lucterios.framework.settings import fill_appli_settings',
    '',
    '# Initial constant',
    `SECRET_KEY = ${JSON.stringify(s.secretKey)}`,
    '',
    '# Database',
    'BASE_DIR = os.path.dirname(__file__)',
    `DATABASES = {"default": ${pyRepr(dbDict)}}`,
    '',
    '# extra',
  ];
  for (const [key, value] of Object.entries(s.extra)) {
    if (PY_IDENT.test(key)) lines.push(`${key} = ${pyRepr(value)}`);
  }
  lines.push('# configuration');
  lines.push(`fill_appli_settings(${JSON.stringify(s.appli)}, (${s.modules.map((m) => JSON.stringify(m) + ',').join('')}))`);
  lines.push('');
  return lines.join('\n');
}

export function readSettings(path: string): InstanceSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new StandinError(`Cannot read ${path}`);
  }
  const line = text.split('\n').find((l) => l.startsWith(SETTINGS_MARKER));
  if (!line) throw new StandinError(`${path} was not written by the stand-in (no "${SETTINGS_MARKER.trim()}" line)`);
  let blob: Record<string, unknown>;
  try {
    blob = JSON.parse(line.slice(SETTINGS_MARKER.length)) as Record<string, unknown>;
  } catch {
    throw new StandinError(`${path}: unreadable stand-in settings line`);
  }
  return {
    name: String(blob.name ?? ''),
    appli: String(blob.appli ?? 'lucterios.standard'),
    modules: Array.isArray(blob.modules) ? blob.modules.map(String) : [],
    database: (blob.database as DatabaseConfig | undefined) ?? { type: 'sqlite', info: {} },
    extra: (blob.extra as Record<string, ExtraValue> | undefined) ?? {},
    secretKey: String(blob.secret_key ?? ''),
  };
}

// ---------------------------------------------------------------------------------------------
// db.json

export function nextId(items: { id: number }[]): number {
  return items.reduce((max, item) => Math.max(max, item.id), 0) + 1;
}

export function readDatabase(path: string): Database {
  let db: Database;
  try {
    db = JSON.parse(readFileSync(path, 'utf8')) as Database;
  } catch {
    throw new StandinError(`Cannot read the instance database ${path}`);
  }
  if (db.format !== DB_FORMAT) throw new StandinError(`${path}: unknown database format`);
  return db;
}

export function writeDatabase(path: string, db: Database): void {
  writeFileAtomic(path, JSON.stringify(db, null, 1) + '\n');
}

/** App labels of the migrations a fresh instance records, in Lucterios' order. */
export function initialMigrations(modules: string[]): [string, string][] {
  const out: [string, string][] = [
    ['contenttypes', '0001_initial'],
    ['auth', '0001_initial'],
    ['CORE', '0001_initial'],
  ];
  for (const mod of modules) {
    const label = mod.split('.').pop() ?? mod;
    if (label && !out.some(([app]) => app === label)) out.push([label, '0001_initial']);
  }
  out.push(['sessions', '0001_initial']);
  return out;
}

export function nowIso(): string {
  return new Date().toISOString();
}
