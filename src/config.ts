import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './platform/net/client-address.ts';

/**
 * The environment is read here, once, into a typed Config. Nothing else reads process.env.
 * Operator-editable settings (identity, plans, CGV) live in the database, not here.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** loopback by default: a reverse proxy on the same host reaches it, the network does not */
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a domain name such as example.org')
    .default('localhost'),
  /** instances under a registrable domain of their own (recommended in production); default: PUBLIC_DOMAIN */
  INSTANCE_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a domain name such as example-instances.org')
    .optional(),
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
  /** how instances are isolated: auto (sandboxed when ecrin can, said otherwise), sandbox (required), none */
  INSTANCE_ISOLATION: z.enum(['auto', 'sandbox', 'none']).default('auto'),
  /** the uids/gids given to instances, one each: FIRST-LAST */
  INSTANCE_UIDS: z
    .string()
    .regex(/^\d+-\d+$/, 'must be FIRST-LAST, e.g. 200000-299999')
    .default('200000-299999'),
  /** each instance's memory (address space under rlimits; resident memory with cgroups), processes, open files */
  INSTANCE_MEMORY_MB: z.coerce.number().int().min(256).max(1_048_576).default(2048),
  INSTANCE_MAX_PROCESSES: z.coerce.number().int().min(8).max(100_000).default(256),
  INSTANCE_MAX_OPEN_FILES: z.coerce.number().int().min(64).max(1_048_576).default(4096),
  /** a delegated cgroup v2 directory for instances; default: tried under the cgroup v2 root; "off": none */
  INSTANCE_CGROUP: z.string().optional(),
  /** how many instances start at once (ecrin's start, restarts of many) */
  INSTANCE_START_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** health probes of each running instance: every N s, each given T s, restarted after F failures in a row */
  INSTANCE_PROBE_INTERVAL_S: z.coerce.number().min(0.1).max(3600).default(5),
  INSTANCE_PROBE_TIMEOUT_S: z.coerce.number().min(0.1).max(600).default(3),
  INSTANCE_PROBE_FAILURES: z.coerce.number().int().min(1).max(100).default(3),
  /** a crash loop: this many restarts within the window puts the instance "en échec" */
  INSTANCE_CRASH_LOOP_RESTARTS: z.coerce.number().int().min(1).max(1000).default(5),
  INSTANCE_CRASH_LOOP_WINDOW_S: z.coerce.number().min(1).max(86_400).default(600),
  /** each instance's log file is rotated at this size (one old file kept) */
  INSTANCE_LOG_KB: z.coerce.number().int().min(4).max(1_048_576).default(1024),
  /** request bodies for instances: buffered in memory up to B KiB each (M MiB for all), then on disk up to S MiB */
  FRONT_DOOR_BODY_BUFFER_KB: z.coerce.number().int().min(0).max(1_048_576).default(1024),
  FRONT_DOOR_BODY_MEMORY_MB: z.coerce.number().int().min(0).max(65_536).default(64),
  FRONT_DOOR_BODY_SPOOL_MB: z.coerce.number().int().min(0).max(1_048_576).default(512),
  /** a request body that sends nothing for this long is cut */
  FRONT_DOOR_BODY_STALL_S: z.coerce.number().min(0.1).max(86_400).default(60),
  /** open connections per client address (over the whole port) */
  FRONT_DOOR_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(128),
  /** hosting actions running at once (all customers), and at once for one customer */
  ACTION_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  ACTIONS_PER_CUSTOMER: z.coerce.number().int().min(1).max(256).default(1),
  /** the proxies believed in X-Forwarded-For: their addresses/CIDR ranges, or a hop count (see client-address.ts) */
  TRUST_PROXY: z.string().optional(),
  /** /metrics on the main port, for a scraper sending `Authorization: Bearer <token>` */
  METRICS_TOKEN: z.string().min(32, 'must hold at least 32 characters').optional(),
  /** /metrics on a listening address of its own (HOST:PORT), e.g. 127.0.0.1:9464 */
  METRICS_LISTEN: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:9464')
    .optional(),
});

export interface Config {
  port: number;
  host: string;
  publicDomain: string;
  /** instances are NAME.<instanceDomain>; the same as publicDomain unless INSTANCE_DOMAIN says otherwise */
  instanceDomain: string;
  scheme: 'http' | 'https';
  dataDir: string;
  databaseUrl: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  secretKey: Buffer;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  trustProxy: TrustProxy;
  /** how /metrics is reached: a bearer token on the main port, a listening address of its own, or not at all */
  metrics: { token: string | null; listen: { host: string; port: number } | null };
  /** the Diacamma admin tool and the instance server command (see the brief's contract) */
  lucteriosAdmin: string;
  instanceServeCommand: string;
  /** the environment given to instance servers and the admin tool: a minimal one, no ecrin secret */
  instanceEnv: Record<string, string>;
  /** where and how instances run (the local driver) */
  hosting: HostingConfig;
  /** the front door's bounds on request bodies and connections */
  frontDoor: FrontDoorConfig;
  /** fairness of hosting actions between customers */
  actions: { concurrency: number; perCustomer: number };
  /** PayPal Orders v2; null when not configured (the PayPal button then explains it is unavailable) */
  paypal: { baseUrl: string; clientId: string; clientSecret: string; webhookId: string; certHosts: string[] | null } | null;
}

export interface HostingConfig {
  isolation: 'auto' | 'sandbox' | 'none';
  uids: { first: number; last: number };
  limits: { memoryMiB: number; processes: number; openFiles: number };
  /** a cgroup v2 directory to use, 'auto' to try the default place, or null (off) */
  cgroup: string | 'auto' | null;
  startConcurrency: number;
  probe: { intervalMs: number; timeoutMs: number; failures: number };
  crashLoop: { restarts: number; windowMs: number };
  logBytes: number;
}

export interface FrontDoorConfig {
  bodyMemoryBytes: number;
  bodyMemoryTotalBytes: number;
  bodySpoolBytes: number;
  bodyStallMs: number;
  connectionsPerAddress: number;
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
    instanceDomain: e.INSTANCE_DOMAIN ?? e.PUBLIC_DOMAIN,
    scheme: e.PUBLIC_URL_SCHEME,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? `ecrin <no-reply@${e.PUBLIC_DOMAIN === 'localhost' ? 'localhost.localdomain' : e.PUBLIC_DOMAIN}>`,
    secretKey: e.SECRET_KEY ? Buffer.from(e.SECRET_KEY, 'utf8') : loadOrCreateSecretKey(dataDir),
    logLevel: e.LOG_LEVEL,
    trustProxy: trustProxyConfig(e.TRUST_PROXY),
    metrics: { token: e.METRICS_TOKEN ?? null, listen: e.METRICS_LISTEN ? hostPort(e.METRICS_LISTEN) : null },
    paypal: paypalConfig(e),
    hosting: hostingConfig(e),
    frontDoor: {
      bodyMemoryBytes: e.FRONT_DOOR_BODY_BUFFER_KB * 1024,
      bodyMemoryTotalBytes: e.FRONT_DOOR_BODY_MEMORY_MB * 1024 * 1024,
      bodySpoolBytes: e.FRONT_DOOR_BODY_SPOOL_MB * 1024 * 1024,
      bodyStallMs: Math.round(e.FRONT_DOOR_BODY_STALL_S * 1000),
      connectionsPerAddress: e.FRONT_DOOR_CONNECTIONS_PER_ADDRESS,
    },
    actions: { concurrency: e.ACTION_CONCURRENCY, perCustomer: e.ACTIONS_PER_CUSTOMER },
    lucteriosAdmin: e.LUCTERIOS_ADMIN ?? path.join(STANDIN_DIR, 'lucterios_admin'),
    instanceServeCommand: e.INSTANCE_SERVE_COMMAND ?? `${path.join(STANDIN_DIR, 'serve')} --bind 127.0.0.1:{port}`,
    // The stand-in's own switches (LUCTERIOS_STANDIN_*: simulated failures, fault endpoints) pass through too.
    instanceEnv: Object.fromEntries(
      Object.keys(env)
        .filter((k) => ['PATH', 'LANG', 'LC_ALL', 'TZ', 'PYTHONPATH', 'VIRTUAL_ENV'].includes(k) || k.startsWith('LUCTERIOS_STANDIN_'))
        .flatMap((k) => (env[k] !== undefined && env[k] !== '' ? [[k, env[k]!]] : [])),
    ),
  };
}

function hostingConfig(e: z.infer<typeof envSchema>): HostingConfig {
  const [first, last] = e.INSTANCE_UIDS.split('-').map(Number) as [number, number];
  if (first < 1000 || last < first || last > 4_294_967_294) throw new ConfigError('Invalid environment:\n  INSTANCE_UIDS: FIRST-LAST with 1000 ≤ FIRST ≤ LAST');
  const cgroup = e.INSTANCE_CGROUP === undefined || e.INSTANCE_CGROUP === 'auto' ? 'auto' : e.INSTANCE_CGROUP === 'off' ? null : path.resolve(e.INSTANCE_CGROUP);
  return {
    isolation: e.INSTANCE_ISOLATION,
    uids: { first, last },
    limits: { memoryMiB: e.INSTANCE_MEMORY_MB, processes: e.INSTANCE_MAX_PROCESSES, openFiles: e.INSTANCE_MAX_OPEN_FILES },
    cgroup,
    startConcurrency: e.INSTANCE_START_CONCURRENCY,
    probe: { intervalMs: Math.round(e.INSTANCE_PROBE_INTERVAL_S * 1000), timeoutMs: Math.round(e.INSTANCE_PROBE_TIMEOUT_S * 1000), failures: e.INSTANCE_PROBE_FAILURES },
    crashLoop: { restarts: e.INSTANCE_CRASH_LOOP_RESTARTS, windowMs: Math.round(e.INSTANCE_CRASH_LOOP_WINDOW_S * 1000) },
    logBytes: e.INSTANCE_LOG_KB * 1024,
  };
}

function trustProxyConfig(raw: string | undefined): TrustProxy {
  try {
    return parseTrustProxy(raw);
  } catch (err) {
    throw new ConfigError(`Invalid environment:\n  ${(err as Error).message}`);
  }
}

function hostPort(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const port = Number(value.slice(colon + 1));
  if (port < 1 || port > 65535) throw new ConfigError('Invalid environment:\n  METRICS_LISTEN: the port must be 1 to 65535');
  return { host: value.slice(0, colon).replace(/^\[|\]$/g, ''), port };
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

/** A name under the portal's domain, e.g. http://portail.localhost:3000 or https://portail.example.org */
export function siteUrl(config: Pick<Config, 'scheme' | 'publicDomain' | 'port'>, label: string, publicPort?: number, domain = config.publicDomain): string {
  const port = publicPort ?? config.port;
  const defaultPort = config.scheme === 'https' ? 443 : 80;
  const suffix = config.scheme === 'https' || port === defaultPort || port === 0 ? '' : `:${port}`;
  return `${config.scheme}://${label}.${domain}${suffix}`;
}

/** An instance's public URL, e.g. http://bidule.localhost:3000 or https://bidule.example-instances.org */
export function instanceUrl(config: Pick<Config, 'scheme' | 'publicDomain' | 'instanceDomain' | 'port'>, name: string, publicPort?: number): string {
  return siteUrl(config, name, publicPort, config.instanceDomain);
}
