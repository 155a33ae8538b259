/**
 * STAND-IN for Lucterios' `lucterios_admin.py` (tests and demo only; this is not Diacamma).
 *
 * Same verbs and flags as the real tool (optparse-style: -n/--name, -p/--appli, -m/--module,
 * -d/--database, -e/--extra, -f/--file, -i/--instance_path), same instance layout and the same
 * archive shape (gzip tar: dump.json, target, usr/). See README.md beside this file.
 *
 * Exit codes: 0 success; 1 failure (one line on stderr); 2 bad usage (usage + error on stderr);
 * 3 failure simulated through LUCTERIOS_STANDIN_FAIL=verb[,verb…].
 */
import { chmodSync, existsSync, linkSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tar from 'tar';
import {
  CONNECTION_MODES,
  DB_FORMAT,
  NAME_RE,
  StandinError,
  databaseText,
  hashPassword,
  initialMigrations,
  instancePaths,
  nowIso,
  parseDatabase,
  parseExtra,
  pyRepr,
  randomToken,
  readDatabase,
  readSettings,
  renderSettings,
  writeDatabase,
  writeFileAtomic,
  type Database,
  type ExtraValue,
  type InstanceSettings,
  type Member,
  type User,
} from './common.ts';

const PROG = 'lucterios_admin';
const GLOBAL_VERBS = ['listing'];
const INSTANCE_VERBS = ['add', 'modif', 'delete', 'security', 'archive', 'restore', 'read', 'refresh'];
/** Verbs of the real tool that the stand-in does not implement (they manage Python packages). */
const UNSUPPORTED_VERBS = ['installed', 'check', 'update', 'refreshall', 'clear'];
/** Upper bound on what a restore may unpack (a guard against archive bombs). */
const MAX_RESTORE_BYTES = Number(process.env.LUCTERIOS_STANDIN_MAX_RESTORE_BYTES ?? 4 * 1024 ** 3);

const USAGE = `Usage: 
\t${PROG} <${GLOBAL_VERBS.join('|')}>
\t${PROG} <${INSTANCE_VERBS.join('|')}> [option]

Stand-in of lucterios_admin.py for tests and the demo (not Diacamma).

Options:
  --version             show program's version number and exit
  -h, --help            show this help message and exit
  -n NAME, --name=NAME  Instance name
  -p APPLI, --appli=APPLI
                        Instance application
  -d DATABASE, --database=DATABASE
                        Database configuration 'sqlite', 'MySQL:...' or 'PostGreSQL:...'
  -m MODULE, --module=MODULE
                        Modules to add (comma separator)
  -e EXTRA, --extra=EXTRA
                        extra parameters (<name>=value,...).For 'security': 'MODE=<M>,PASSWORD=<xxx>'(<M> equals to 0,1 or 2)
  -f FILENAME, --file=FILENAME
                        file name for restor or archive
  -i INSTANCE_PATH, --instance_path=INSTANCE_PATH
                        Directory of instance storage`;

interface Options {
  name: string;
  appli: string | undefined;
  database: string | undefined;
  module: string | undefined;
  extra: string;
  filename: string;
  instance_path: string;
}

const OPTION_DEFS: { short: string; long: string; dest: keyof Options }[] = [
  { short: '-n', long: '--name', dest: 'name' },
  { short: '-p', long: '--appli', dest: 'appli' },
  { short: '-d', long: '--database', dest: 'database' },
  { short: '-m', long: '--module', dest: 'module' },
  { short: '-e', long: '--extra', dest: 'extra' },
  { short: '-f', long: '--file', dest: 'filename' },
  { short: '-i', long: '--instance_path', dest: 'instance_path' },
];

class UsageError extends StandinError {
  constructor(message: string) {
    super(message, 2);
  }
}

class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** optparse-like parsing: options anywhere, `--long=v`, `--long v`, unique long prefixes, `-xv`, `-x v`, `--`. */
export function parseArgs(argv: string[], out: (s: string) => void): { verb: string; options: Options } {
  const options: Options = { name: '', appli: undefined, database: undefined, module: undefined, extra: '', filename: '', instance_path: '.' };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || (arg.length >= 3 && '--help'.startsWith(arg))) {
      out(USAGE + '\n');
      throw new Exit(0);
    }
    if (arg.length >= 3 && '--version'.startsWith(arg)) {
      out(`${PROG} 2.0 (stand-in)\n`);
      throw new Exit(0);
    }
    let def: (typeof OPTION_DEFS)[number] | undefined;
    let value: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq < 0 ? arg : arg.slice(0, eq);
      const matches = OPTION_DEFS.filter((d) => d.long === key || d.long.startsWith(key));
      const exact = matches.find((d) => d.long === key);
      if (exact) def = exact;
      else if (matches.length === 1) def = matches[0];
      else if (matches.length > 1) throw new UsageError(`ambiguous option: ${key} (${matches.map((d) => d.long).join(', ')}?)`);
      else throw new UsageError(`no such option: ${key}`);
      if (eq >= 0) value = arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1) {
      def = OPTION_DEFS.find((d) => d.short === arg.slice(0, 2));
      if (!def) throw new UsageError(`no such option: ${arg.slice(0, 2)}`);
      if (arg.length > 2) value = arg.slice(2);
    } else {
      positional.push(arg);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} option requires 1 argument`);
      value = argv[++i]!;
    }
    options[def!.dest] = value;
  }
  if (positional.length !== 1) throw new UsageError('Bad arguments!');
  const verb = positional[0]!;
  if (UNSUPPORTED_VERBS.includes(verb)) throw new StandinError(`'${verb}' is not implemented by the stand-in`);
  if (!GLOBAL_VERBS.includes(verb) && !INSTANCE_VERBS.includes(verb)) throw new UsageError(`unknown action '${verb}'`);
  return { verb, options };
}

// ---------------------------------------------------------------------------------------------

function requireName(options: Options): void {
  if (options.name === '') throw new StandinError('Instance not precise!');
  if (!NAME_RE.test(options.name)) {
    throw new StandinError(`Invalid instance name '${options.name}': use letters, digits and underscores, starting with a letter`);
  }
}

function requireInstance(options: Options) {
  requireName(options);
  const paths = instancePaths(resolve(options.instance_path), options.name);
  if (!existsSync(paths.settings) || !existsSync(paths.manage)) throw new StandinError(`Instance ${options.name} does not exist`);
  return paths;
}

function manageScript(name: string): string {
  return [
    '#!/usr/bin/env python3',
    '# Written by the lucterios_admin STAND-IN of ecrin (tests and demo only; this is not Diacamma).',
    "# A real Lucterios instance has Django's manage script here.",
    'import sys',
    'if __name__ == "__main__":',
    `    sys.exit("Instance '${name}' was created by a stand-in of Lucterios; it cannot run Django.")`,
    '',
  ].join('\n');
}

function secretKey(): string {
  return randomToken(50);
}

async function cmdAdd(o: Options, out: (s: string) => void): Promise<void> {
  requireName(o);
  const root = resolve(o.instance_path);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new StandinError(`Instance path ${root} does not exist`);
  const paths = instancePaths(root, o.name);
  if (existsSync(paths.settings) || existsSync(paths.manage)) throw new StandinError(`Instance ${o.name} already exists`);
  const extra = parseExtra(o.extra);
  const settings: InstanceSettings = {
    name: o.name,
    appli: o.appli ?? 'lucterios.standard',
    modules: o.module ? o.module.split(',').filter((m) => m !== '') : [],
    database: o.database !== undefined ? parseDatabase(o.database) : { type: 'sqlite', info: {} },
    extra,
    secretKey: secretKey(),
  };
  // Like Lucterios: an existing directory without settings is emptied and reused.
  if (existsSync(paths.dir)) {
    for (const item of readdirSync(paths.dir)) rmSync(join(paths.dir, item), { recursive: true, force: true });
  } else {
    mkdirSync(paths.dir);
  }
  writeFileSync(paths.init, '\n');
  mkdirSync(paths.usr, { recursive: true });
  const now = nowIso();
  const db: Database = {
    format: DB_FORMAT,
    users: [
      {
        id: 1,
        username: 'admin',
        password: await hashPassword('admin'),
        first_name: 'Administrateur',
        last_name: '',
        email: '',
        is_superuser: true,
        is_staff: true,
        is_active: true,
        date_joined: now,
        last_login: null,
      },
    ],
    members: [],
    parameters: { connection_mode: 0 },
    migrations: initialMigrations(settings.modules),
  };
  writeDatabase(paths.db, db);
  writeFileAtomic(paths.settings, renderSettings(settings, paths.dir));
  // The manage script last: its presence (with settings.py) is what makes the instance exist.
  writeFileAtomic(paths.manage, manageScript(o.name), 0o755);
  out(`Instance '${o.name}' created.\n`);
}

function cmdModif(o: Options, out: (s: string) => void): void {
  const paths = requireInstance(o);
  const s = readSettings(paths.settings);
  if (o.appli !== undefined) s.appli = o.appli;
  if (o.module !== undefined) s.modules = o.module.split(',').filter((m) => m !== '');
  if (o.database !== undefined) s.database = parseDatabase(o.database);
  Object.assign(s.extra, parseExtra(o.extra));
  s.name = o.name;
  writeFileAtomic(paths.settings, renderSettings(s, paths.dir));
  out(`Instance '${o.name}' modified.\n`);
}

/** Lucterios' way of finding the password: the raw -e text minus `MODE=x`, after `PASSWORD=` (commas allowed). */
function securityPassword(raw: string, parsed: Record<string, ExtraValue>): string {
  let passwd = raw;
  if ('MODE' in parsed) {
    const item = `MODE=${String(parsed.MODE)}`;
    const rawItem = raw.match(/(?:^|,)(MODE=[^,]*)/)?.[1] ?? item;
    if (passwd.startsWith(rawItem)) passwd = passwd.slice(rawItem.length + 1);
    else if (passwd.endsWith(rawItem)) passwd = passwd.slice(0, -rawItem.length - 1);
    else {
      const idx = passwd.indexOf(rawItem);
      if (idx >= 0) passwd = passwd.slice(0, idx) + passwd.slice(idx + rawItem.length);
    }
  }
  return passwd.slice('PASSWORD'.length + 1);
}

async function cmdSecurity(o: Options, out: (s: string) => void): Promise<void> {
  const paths = requireInstance(o);
  const parsed = parseExtra(o.extra);
  let mode: number | undefined;
  if ('MODE' in parsed) {
    mode = typeof parsed.MODE === 'number' ? parsed.MODE : Number.NaN;
    if (![0, 1, 2].includes(mode)) throw new StandinError('MODE must be 0, 1 or 2');
  }
  let password: string | undefined;
  if ('PASSWORD' in parsed) {
    password = securityPassword(o.extra, parsed);
    if (password === '') throw new StandinError('PASSWORD must not be empty');
  }
  const db = readDatabase(paths.db);
  if (password !== undefined) {
    const admin = db.users.find((u) => u.username === 'admin');
    if (!admin) throw new StandinError(`Instance ${o.name} has no user 'admin'`);
    admin.password = await hashPassword(password);
  }
  if (mode !== undefined) db.parameters.connection_mode = mode;
  writeDatabase(paths.db, db);
  if (password !== undefined) out(`Admin password change in '${o.name}'.\n`);
  if (mode !== undefined) out(`Security mode change in '${o.name}'.\n`);
  if (password === undefined && mode === undefined) out(`Nothing to change in '${o.name}'.\n`);
}

function cmdDelete(o: Options, out: (s: string) => void): void {
  requireName(o);
  const paths = instancePaths(resolve(o.instance_path), o.name);
  // Like Lucterios, deleting an instance that is not there succeeds.
  rmSync(paths.dir, { recursive: true, force: true });
  rmSync(paths.manage, { force: true });
  out(`Instance '${o.name}' deleted.\n`);
}

function listInstances(root: string): string[] {
  if (!existsSync(root)) throw new StandinError(`Instance path ${root} does not exist`);
  const names: string[] = [];
  for (const file of readdirSync(root)) {
    const m = /^manage_(.+)\.py$/.exec(file);
    if (m && existsSync(join(root, m[1]!, 'settings.py'))) names.push(m[1]!);
  }
  return names.sort();
}

function cmdListing(o: Options, out: (s: string) => void): void {
  // Exactly the real tool's output line.
  out(`Instance listing: ${listInstances(resolve(o.instance_path)).join(',')}\n`);
}

function cmdRead(o: Options, out: (s: string) => void): void {
  const paths = requireInstance(o);
  const s = readSettings(paths.settings);
  const db = readDatabase(paths.db);
  let extra = '';
  for (const [k, v] of Object.entries(s.extra)) extra += `\n\t\t${k}=${pyRepr(v)} `;
  extra += `\n\t\tmode=${CONNECTION_MODES[db.parameters.connection_mode] ?? db.parameters.connection_mode} `;
  out(`Instance ${o.name}:\n    path\t${paths.dir}\n    appli\t${s.appli}\n    database\t${databaseText(s.database)}\n    modules\t${s.modules.join(', ')}\n    extra\t${extra}\n    \n`);
}

function cmdRefresh(o: Options, out: (s: string) => void): void {
  const paths = requireInstance(o);
  readDatabase(paths.db);
  out(`Instance '${o.name}' refreshed.\n`);
}

// ---------------------------------------------------------------------------------------------
// archive / restore

/** The stand-in's data as Django `dumpdata` would render it (auth.user, contacts.*, CORE.parameter). */
export function toDump(db: Database): unknown[] {
  const dump: unknown[] = [];
  for (const u of db.users) {
    dump.push({
      model: 'auth.user',
      pk: u.id,
      fields: {
        password: u.password,
        last_login: u.last_login,
        is_superuser: u.is_superuser,
        username: u.username,
        first_name: u.first_name,
        last_name: u.last_name,
        email: u.email,
        is_staff: u.is_staff,
        is_active: u.is_active,
        date_joined: u.date_joined,
        groups: [],
        user_permissions: [],
      },
    });
  }
  for (const m of db.members) {
    dump.push({
      model: 'contacts.abstractcontact',
      pk: m.id,
      fields: { address: '', postal_code: '', city: '', country: '', tel1: '', tel2: '', email: m.email, comment: '' },
    });
  }
  for (const m of db.members) {
    dump.push({ model: 'contacts.individual', pk: m.id, fields: { genre: 1, firstname: m.first_name, lastname: m.last_name, user: null } });
  }
  dump.push({
    model: 'CORE.parameter',
    pk: 1,
    fields: { name: 'CORE-connectmode', typeparam: 4, args: "{'Enum': 3}", value: String(db.parameters.connection_mode), metaselect: '' },
  });
  return dump;
}

/** `target` as Lucterios writes it: the Python repr of the (app, name) rows of django_migrations. */
export function toTarget(migrations: [string, string][]): string {
  return `[${migrations.map(([app, name]) => `('${app}', '${name}')`).join(', ')}]`;
}

export function parseTarget(text: string): [string, string][] {
  const t = text.trim();
  if (t === '' || t === '[]') return [];
  if (!t.startsWith('[') || !t.endsWith(']')) throw new Error('target is not a list of migrations');
  const body = t.slice(1, -1);
  const re = /\(\s*u?(['"])([^'"]*)\1\s*,\s*u?(['"])([^'"]*)\3\s*\)\s*(?:,\s*|$)/gy;
  const out: [string, string][] = [];
  let m: RegExpExecArray | null;
  let last = 0;
  const trimmed = body.trim();
  re.lastIndex = 0;
  while ((m = re.exec(trimmed)) !== null) {
    out.push([m[2]!, m[4]!]);
    last = re.lastIndex;
  }
  if (last !== trimmed.length) throw new Error('target is not a list of migrations');
  return out;
}

function asString(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Error(`${what} must be a string`);
  return v;
}

function asBool(v: unknown, dflt: boolean, what: string): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new Error(`${what} must be a boolean`);
  return v;
}

function asPk(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new Error(`${what}: pk must be a positive integer`);
  return v;
}

/** Reads the parts of a dumpdata array the stand-in knows; other models (a real Diacamma dump has many) are ignored. */
export function fromDump(dump: unknown): Pick<Database, 'users' | 'members' | 'parameters'> {
  if (!Array.isArray(dump)) throw new Error('dump.json is not a JSON array');
  const users: User[] = [];
  const contacts = new Map<number, string>();
  const individuals: Member[] = [];
  let mode = 0;
  for (const [i, raw] of dump.entries()) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`dump.json item ${i} is not an object`);
    const item = raw as { model?: unknown; pk?: unknown; fields?: unknown };
    if (typeof item.model !== 'string') throw new Error(`dump.json item ${i} has no model`);
    if (item.fields === null || typeof item.fields !== 'object' || Array.isArray(item.fields)) throw new Error(`dump.json item ${i} has no fields`);
    const f = item.fields as Record<string, unknown>;
    const where = `dump.json item ${i} (${item.model})`;
    switch (item.model.toLowerCase()) {
      case 'auth.user': {
        const username = asString(f.username, `${where}: username`);
        if (username === '') throw new Error(`${where}: empty username`);
        if (users.some((u) => u.username === username)) throw new Error(`${where}: duplicate username`);
        const id = asPk(item.pk, where);
        if (users.some((u) => u.id === id)) throw new Error(`${where}: duplicate pk`);
        users.push({
          id,
          username,
          password: asString(f.password, `${where}: password`),
          first_name: asString(f.first_name, `${where}: first_name`),
          last_name: asString(f.last_name, `${where}: last_name`),
          email: asString(f.email, `${where}: email`),
          is_superuser: asBool(f.is_superuser, false, `${where}: is_superuser`),
          is_staff: asBool(f.is_staff, false, `${where}: is_staff`),
          is_active: asBool(f.is_active, true, `${where}: is_active`),
          date_joined: asString(f.date_joined, `${where}: date_joined`) || nowIso(),
          last_login: f.last_login === null || f.last_login === undefined ? null : asString(f.last_login, `${where}: last_login`),
        });
        break;
      }
      case 'contacts.abstractcontact':
        contacts.set(asPk(item.pk, where), asString(f.email, `${where}: email`));
        break;
      case 'contacts.individual': {
        const id = asPk(item.pk, where);
        if (individuals.some((m) => m.id === id)) throw new Error(`${where}: duplicate pk`);
        individuals.push({
          id,
          first_name: asString(f.firstname, `${where}: firstname`),
          last_name: asString(f.lastname, `${where}: lastname`),
          email: typeof f.email === 'string' ? f.email : '',
        });
        break;
      }
      case 'core.parameter':
        if (f.name === 'CORE-connectmode') {
          const v = Number(asString(String(f.value ?? ''), `${where}: value`));
          if (![0, 1, 2].includes(v)) throw new Error(`${where}: CORE-connectmode must be 0, 1 or 2`);
          mode = v;
        }
        break;
      default:
        break;
    }
  }
  const members = individuals.map((m) => ({ ...m, email: m.email || contacts.get(m.id) || '' }));
  return { users, members, parameters: { connection_mode: mode } };
}

/** Hard-links (or copies) regular files of `src` into `dst`; links and special files are left out. */
function linkTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    if (entry.isDirectory()) linkTree(from, to);
    else if (entry.isFile()) {
      try {
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
      }
    }
  }
}

async function cmdArchive(o: Options, out: (s: string) => void): Promise<void> {
  const paths = requireInstance(o);
  if (o.filename === '') throw new StandinError('Archive file not precise!');
  const file = resolve(o.filename);
  if (!existsSync(dirname(file))) throw new StandinError(`Directory ${dirname(file)} does not exist`);
  const db = readDatabase(paths.db);
  const staging = mkdtempSync(join(paths.dir, '.archive-'));
  const tmpFile = `${file}.tmp-${process.pid}-${randomToken(6)}`;
  try {
    writeFileSync(join(staging, 'dump.json'), JSON.stringify(toDump(db), null, 1) + '\n');
    writeFileSync(join(staging, 'target'), toTarget(db.migrations));
    if (existsSync(paths.usr)) linkTree(paths.usr, join(staging, 'usr'));
    else mkdirSync(join(staging, 'usr'));
    await tar.c({ gzip: true, file: tmpFile, cwd: staging, portable: true }, ['dump.json', 'target', 'usr']);
    chmodSync(tmpFile, 0o600); // the archive holds password hashes
    renameSync(tmpFile, file);
  } catch (err) {
    rmSync(tmpFile, { force: true });
    if (err instanceof StandinError) throw err;
    throw new StandinError(`Cannot write archive ${file}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  out(`Instance '${o.name}' saved as '${o.filename}'.\n`);
}

/** Normalises an archive entry path ("./usr/a" → "usr/a"); null for anything outside dump.json, target, usr/. */
function entryName(path: string): string | null {
  const p = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (p === 'dump.json' || p === 'target' || p === 'usr' || p.startsWith('usr/')) return p;
  return null;
}

async function cmdRestore(o: Options, out: (s: string) => void): Promise<void> {
  const paths = requireInstance(o);
  if (o.filename === '') throw new StandinError('Archive file not precise!');
  const file = resolve(o.filename);
  if (!existsSync(file) || !statSync(file).isFile()) throw new StandinError(`Archive ${o.filename} does not exist`);
  const current = readDatabase(paths.db);
  const staging = mkdtempSync(join(paths.dir, '.restore-'));
  const bad = (why: string) => new StandinError(`Malformed archive ${basename(file)}: ${why}; instance ${o.name} left unchanged`);
  try {
    let problem: string | null = null;
    let total = 0;
    try {
      await tar.x({
        file,
        cwd: staging,
        strict: true,
        preservePaths: false,
        noChmod: true,
        filter: (path, entry) => {
          const type = 'type' in entry ? entry.type : 'File';
          const name = entryName(path);
          if (name === null) return false;
          if (name.split('/').some((seg) => seg === '..')) {
            problem ??= `unsafe path ${path}`;
            return false;
          }
          if (type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile' && type !== 'Directory') {
            problem ??= `unsupported entry ${path} (${String(type)})`;
            return false;
          }
          total += entry.size ?? 0;
          if (total > MAX_RESTORE_BYTES) {
            problem ??= 'too large';
            return false;
          }
          return true;
        },
      });
    } catch (err) {
      throw bad(err instanceof Error ? err.message.replace(/^TAR_[A-Z_]+: /, '') : 'unreadable');
    }
    if (problem) throw bad(problem);
    const dumpPath = join(staging, 'dump.json');
    if (!existsSync(dumpPath) || !lstatSync(dumpPath).isFile()) throw bad('no dump.json');
    let data: Pick<Database, 'users' | 'members' | 'parameters'>;
    try {
      data = fromDump(JSON.parse(readFileSync(dumpPath, 'utf8')));
    } catch (err) {
      throw bad(err instanceof SyntaxError ? 'dump.json is not valid JSON' : err instanceof Error ? err.message : String(err));
    }
    let migrations = current.migrations;
    const targetPath = join(staging, 'target');
    if (existsSync(targetPath)) {
      try {
        migrations = parseTarget(readFileSync(targetPath, 'utf8'));
      } catch (err) {
        throw bad(err instanceof Error ? err.message : String(err));
      }
    }
    const next: Database = { format: DB_FORMAT, ...data, migrations };
    // Everything is validated: swap in the new data. usr/ is replaced only when the archive has one (as Lucterios does).
    const stagedUsr = join(staging, 'usr');
    const hasUsr = existsSync(stagedUsr) && lstatSync(stagedUsr).isDirectory();
    const newDb = join(staging, 'db.json');
    writeDatabase(newDb, next);
    const oldUsr = join(staging, 'usr.old');
    if (hasUsr) {
      if (existsSync(paths.usr)) renameSync(paths.usr, oldUsr);
      renameSync(stagedUsr, paths.usr);
    }
    renameSync(newDb, paths.db);
    // The archive's users replace the current ones: every open session ends.
    rmSync(paths.sessions, { force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  out(`instance restored with '${o.filename}'\n`);
  out(`Instance '${o.name}' refreshed.\n`);
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    const { verb, options } = parseArgs(argv, out);
    const failing = (env.LUCTERIOS_STANDIN_FAIL ?? '').split(',').map((s) => s.trim());
    if (failing.includes(verb) || failing.includes('*')) {
      err(`${PROG}: error: simulated failure\n`);
      return 3;
    }
    switch (verb) {
      case 'add':
        await cmdAdd(options, out);
        break;
      case 'modif':
        cmdModif(options, out);
        break;
      case 'security':
        await cmdSecurity(options, out);
        break;
      case 'delete':
        cmdDelete(options, out);
        break;
      case 'listing':
        cmdListing(options, out);
        break;
      case 'read':
        cmdRead(options, out);
        break;
      case 'refresh':
        cmdRefresh(options, out);
        break;
      case 'archive':
        await cmdArchive(options, out);
        break;
      case 'restore':
        await cmdRestore(options, out);
        break;
    }
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof UsageError) {
      err(`${USAGE.split('\n\n')[0]}\n\n${PROG}: error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof StandinError) {
      err(`${PROG}: error: ${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message : String(e);
    err(`${PROG}: error: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}

// `import.meta.main` needs Node 24.2+; the fallback keeps older Node (via the wrapper's `node`) working.
if ((import.meta as { main?: boolean }).main ?? (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename)) {
  const code = await main(
    process.argv.slice(2),
    process.env,
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
  process.exitCode = code;
}
