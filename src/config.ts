import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

/**
 * The environment is read here, once, into a typed Config. Nothing else reads process.env.
 * Operator-editable settings (identity, plans, CGV) live in the database, not here.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a domain name such as example.org')
    .default('localhost'),
  PUBLIC_URL_SCHEME: z.enum(['http', 'https']).default('http'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().optional(),
  SECRET_KEY: z.string().min(32, 'must hold at least 32 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PAYPAL_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
  PAYPAL_CLIENT_ID: z.string().optional(),
  PAYPAL_CLIENT_SECRET: z.string().optional(),
  PAYPAL_WEBHOOK_ID: z.string().optional(),
  /** hosts allowed to serve webhook certificates (default: PayPal's own) */
  PAYPAL_CERT_HOSTS: z.string().optional(),
  /** path of lucterios_admin.py; default: the stand-in shipped in tools/lucterios-standin */
  LUCTERIOS_ADMIN: z.string().optional(),
  /** the instance server command, with {port} and {name}; default: the stand-in's server */
  INSTANCE_SERVE_COMMAND: z.string().optional(),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? false : v === 'true' ? true : v)),
});

export interface Config {
  port: number;
  host: string;
  publicDomain: string;
  scheme: 'http' | 'https';
  dataDir: string;
  databaseUrl: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  secretKey: Buffer;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  trustProxy: boolean | string;
  /** the Diacamma admin tool and the instance server command (see the brief's contract) */
  lucteriosAdmin: string;
  instanceServeCommand: string;
  /** the environment given to instance servers and the admin tool: a minimal one, no ecrin secret */
  instanceEnv: Record<string, string>;
  /** PayPal Orders v2; null when not configured (the PayPal button then explains it is unavailable) */
  paypal: { baseUrl: string; clientId: string; clientSecret: string; webhookId: string; certHosts: string[] | null } | null;
}

export class ConfigError extends Error {}

/** The Lucterios stand-in shipped with ecrin (for the embedded default and the tests). */
const STANDIN_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'tools', 'lucterios-standin');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    publicDomain: e.PUBLIC_DOMAIN,
    scheme: e.PUBLIC_URL_SCHEME,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? `ecrin <no-reply@${e.PUBLIC_DOMAIN === 'localhost' ? 'localhost.localdomain' : e.PUBLIC_DOMAIN}>`,
    secretKey: e.SECRET_KEY ? Buffer.from(e.SECRET_KEY, 'utf8') : loadOrCreateSecretKey(dataDir),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    paypal: paypalConfig(e),
    lucteriosAdmin: e.LUCTERIOS_ADMIN ?? path.join(STANDIN_DIR, 'lucterios_admin'),
    instanceServeCommand: e.INSTANCE_SERVE_COMMAND ?? `${path.join(STANDIN_DIR, 'serve')} --bind 127.0.0.1:{port}`,
    instanceEnv: Object.fromEntries(
      ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'PYTHONPATH', 'VIRTUAL_ENV'].flatMap((k) => (env[k] !== undefined ? [[k, env[k]!]] : [])),
    ),
  };
}

function paypalConfig(e: z.infer<typeof envSchema>): Config['paypal'] {
  const set = [e.PAYPAL_CLIENT_ID, e.PAYPAL_CLIENT_SECRET, e.PAYPAL_WEBHOOK_ID].filter(Boolean).length;
  if (set === 0) return null;
  if (set < 3) throw new ConfigError('Invalid environment:\n  PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID go together');
  return {
    baseUrl: e.PAYPAL_BASE_URL ?? 'https://api-m.paypal.com',
    clientId: e.PAYPAL_CLIENT_ID!,
    clientSecret: e.PAYPAL_CLIENT_SECRET!,
    webhookId: e.PAYPAL_WEBHOOK_ID!,
    certHosts: e.PAYPAL_CERT_HOSTS ? e.PAYPAL_CERT_HOSTS.split(',').map((h) => h.trim()).filter(Boolean) : null,
  };
}

/** Without SECRET_KEY, a key is generated once and kept in DATA_DIR, readable by its owner only. */
function loadOrCreateSecretKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length < 32) throw new ConfigError(`${file} holds a key shorter than 32 characters`);
    return Buffer.from(key, 'utf8');
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return Buffer.from(key, 'utf8');
}

/** The portal's public base URL, e.g. http://portail.localhost:3000 or https://portail.example.org */
export function portalBaseUrl(config: Pick<Config, 'scheme' | 'publicDomain' | 'port'>, publicPort?: number): string {
  return siteUrl(config, 'portail', publicPort);
}

/** An instance's public URL, e.g. http://bidule.localhost:3000 or https://bidule.example.org */
export function siteUrl(config: Pick<Config, 'scheme' | 'publicDomain' | 'port'>, label: string, publicPort?: number): string {
  const port = publicPort ?? config.port;
  const defaultPort = config.scheme === 'https' ? 443 : 80;
  const suffix = config.scheme === 'https' || port === defaultPort || port === 0 ? '' : `:${port}`;
  return `${config.scheme}://${label}.${config.publicDomain}${suffix}`;
}
