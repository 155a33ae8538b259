/** Names that can never be an instance: the portal's own and the usual infrastructure names. */
export const RESERVED_NAMES = new Set([
  'portail', 'www', 'mail', 'smtp', 'imap', 'pop', 'pop3', 'admin', 'api', 'backoffice', 'static', 'status', 'docs',
  'webmail', 'ftp', 'ns', 'ns1', 'ns2', 'mx', 'autoconfig', 'autodiscover', 'cdn', 'assets', 'support', 'aide',
  'help', 'blog', 'paiement', 'facturation', 'billing', 'root', 'postmaster', 'abuse', 'localhost', 'portal',
]);

export const RELEASE_QUARANTINE_DAYS = 90;

/** 3–40 characters of a-z and 0-9, with hyphens inside only. */
export const INSTANCE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

export type InstanceNameProblem = 'invalid' | 'reserved';

export function checkInstanceName(name: string): InstanceNameProblem | null {
  if (!INSTANCE_NAME_PATTERN.test(name) || name.includes('--')) return 'invalid';
  if (RESERVED_NAMES.has(name)) return 'reserved';
  return null;
}
