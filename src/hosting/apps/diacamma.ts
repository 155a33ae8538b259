import type { Flavour } from '../../platform/db/schema.ts';

/**
 * The Diacamma application as driven by Lucterios' own admin tool, `lucterios_admin.py`: the exact
 * command lines of its contract (see the mission brief). Nothing here runs anything: the driver does.
 */

/** The modules of each flavour, as Diacamma's official packages install them. */
export const FLAVOUR_MODULES: Record<Flavour, string[]> = {
  'diacamma.asso': [
    'lucterios.contacts',
    'lucterios.documents',
    'lucterios.mailing',
    'diacamma.accounting',
    'diacamma.payoff',
    'diacamma.invoice',
    'diacamma.member',
    'diacamma.event',
  ],
  'diacamma.syndic': ['lucterios.contacts', 'lucterios.documents', 'lucterios.mailing', 'diacamma.accounting', 'diacamma.payoff', 'diacamma.condominium'],
};

/** Connection modes of the `security` verb. */
export const CONNECTION_MODE = { alwaysRequired: 0, anonymous: 1, open: 2 } as const;

/** Lucterios instance names are Python identifiers: `amis-du-velo` lives as `amis_du_velo`. */
export function lucteriosName(instanceName: string): string {
  return instanceName.replace(/-/g, '_');
}

export interface DiacammaInstance {
  /** the sub-domain name, e.g. amis-du-velo */
  name: string;
  flavour: Flavour;
  /** where manage_NAME.py and NAME/ live */
  instancePath: string;
  /** the public host the instance answers to, e.g. amis-du-velo.example.org */
  host: string;
  /** a PostgreSQL database for the instance, as `-d` takes it; absent: SQLite in NAME/ */
  database?: { name: string; user: string; password: string; host: string } | null;
}

export function addArgs(i: DiacammaInstance): string[] {
  const args = ['add', '-n', lucteriosName(i.name), '-p', i.flavour, '-m', FLAVOUR_MODULES[i.flavour].join(',')];
  if (i.database) args.push('-d', `postgresql:name=${i.database.name},user=${i.database.user},password=${i.database.password},host=${i.database.host}`);
  // Behind ecrin's front door: the instance must accept its public host and trust X-Forwarded-Host.
  args.push('-e', `ALLOWED_HOSTS=${i.host},USE_X_FORWARDED_HOST=True`);
  args.push('-i', i.instancePath);
  return args;
}

export function securityArgs(i: Pick<DiacammaInstance, 'name' | 'instancePath'>, s: { mode: 0 | 1 | 2; password?: string }): string[] {
  if (s.password !== undefined && /[,=]/.test(s.password)) {
    // -e is "KEY=val,KEY=val": a comma or an equals sign in the password would be cut by the tool.
    throw new Error('password contains a character the admin tool cannot take (, or =)');
  }
  const values = [`MODE=${s.mode}`, ...(s.password !== undefined ? [`PASSWORD=${s.password}`] : [])];
  return ['security', '-n', lucteriosName(i.name), '-e', values.join(','), '-i', i.instancePath];
}

export function archiveArgs(i: Pick<DiacammaInstance, 'name' | 'instancePath'>, file: string): string[] {
  return ['archive', '-n', lucteriosName(i.name), '-f', file, '-i', i.instancePath];
}

export function restoreArgs(i: Pick<DiacammaInstance, 'name' | 'instancePath'>, file: string): string[] {
  return ['restore', '-n', lucteriosName(i.name), '-f', file, '-i', i.instancePath];
}

export function deleteArgs(i: Pick<DiacammaInstance, 'name' | 'instancePath'>): string[] {
  return ['delete', '-n', lucteriosName(i.name), '-i', i.instancePath];
}

/**
 * The serve command from its template (INSTANCE_SERVE_COMMAND), e.g.
 * `gunicorn lucterios.framework.wsgi --bind 127.0.0.1:{port} -w 1 --timeout 600`; words are split on
 * spaces, then `{port}` and `{name}` filled. It runs in the instance path with
 * DJANGO_SETTINGS_MODULE=NAME.settings.
 */
export function serveCommand(template: string, i: Pick<DiacammaInstance, 'name' | 'instancePath'>, port: number): { command: string; args: string[]; env: Record<string, string>; cwd: string } {
  const words = template.trim().split(/\s+/).map((w) => w.replaceAll('{port}', String(port)).replaceAll('{name}', lucteriosName(i.name)));
  const [command, ...args] = words;
  if (!command) throw new Error('empty INSTANCE_SERVE_COMMAND');
  return { command, args, env: { DJANGO_SETTINGS_MODULE: `${lucteriosName(i.name)}.settings` }, cwd: i.instancePath };
}

/** For logs: the same arguments with any password replaced. */
export function redactArgs(args: string[]): string[] {
  return args.map((a) => a.replace(/(PASSWORD=)[^,]*/g, '$1[redacted]').replace(/(password=)[^,]*/g, '$1[redacted]'));
}
