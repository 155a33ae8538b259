/**
 * Names that can never be an instance: an instance is a page of its customer's choosing at
 * NAME.<domain>, next to the portal — it must not pass for the portal, for a service of the domain
 * or for a name a network looks up by itself.
 */
export const RESERVED_NAMES = new Set([
  // the portal's own names and its pages
  'portail', 'portal', 'www', 'admin', 'api', 'backoffice', 'static', 'status', 'docs', 'support', 'aide', 'help',
  'blog', 'paiement', 'paiements', 'facturation', 'factures', 'facture', 'billing', 'connexion', 'inscription',
  'compte', 'comptes', 'espace', 'instances', 'commandes', 'commande', 'login', 'signin', 'signup', 'account',
  'auth', 'sso', 'oauth', 'securite', 'security', 'ecrin',
  // mail and DNS services of the domain
  'mail', 'smtp', 'imap', 'pop', 'pop3', 'webmail', 'mx', 'ns', 'ns1', 'ns2', 'dns', 'ftp', 'cdn', 'assets',
  'autoconfig', 'autodiscover', 'mta-sts', 'openpgpkey', 'root', 'postmaster', 'hostmaster', 'webmaster', 'abuse',
  'noreply', 'no-reply',
  // names networks resolve on their own (proxy auto-discovery, IPv6 transition, local names)
  'wpad', 'isatap', 'localhost', 'localdomain', 'broadcasthost', 'local',
]);

/**
 * Words that, as a part of a name (`portail-connexion`, `paiement-securise`, `compte-verification`),
 * make it read like a page of the portal or of a bank to the person who receives the link.
 */
const LOOKALIKE_WORDS = new Set([
  'portail', 'portal', 'connexion', 'connection', 'login', 'signin', 'logon', 'auth', 'authentification', 'authentication',
  'compte', 'account', 'motdepasse', 'password', 'paiement', 'payment', 'paypal', 'bancaire', 'banque', 'bank',
  'securise', 'securisee', 'secure', 'securite', 'security', 'verification', 'verifier', 'verify', 'validation',
  'facture', 'factures', 'facturation', 'billing', 'invoice', 'support', 'assistance', 'admin', 'administrateur',
  'backoffice', 'officiel', 'official', 'ecrin',
]);

/** 3–40 characters of a-z and 0-9, with hyphens inside only. */
export const INSTANCE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

export type InstanceNameProblem = 'invalid' | 'reserved';

/** Digits written for letters (`p0rtail`, `paiement-secur1se`), read back as the letters they stand for. */
function unleet(text: string): string[] {
  const common = text.replace(/0/g, 'o').replace(/3/g, 'e').replace(/4/g, 'a').replace(/5/g, 's').replace(/7/g, 't').replace(/8/g, 'b');
  return [common.replace(/1/g, 'i'), common.replace(/1/g, 'l')];
}

/** The trade name as a name would spell it: `SLETO` → `sleto`, `Les Amis` → `lesamis`. */
export function nameOfTrade(tradeName: string): string {
  return tradeName.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function checkInstanceName(name: string, opts: { tradeName?: string } = {}): InstanceNameProblem | null {
  if (!INSTANCE_NAME_PATTERN.test(name) || name.includes('--')) return 'invalid';
  const trade = opts.tradeName ? nameOfTrade(opts.tradeName) : '';
  for (const spelling of new Set([name, ...unleet(name)])) {
    if (RESERVED_NAMES.has(spelling)) return 'reserved';
    const parts = spelling.split('-');
    if (parts.some((p) => LOOKALIKE_WORDS.has(p))) return 'reserved';
    const joined = parts.join('');
    if (RESERVED_NAMES.has(joined) || LOOKALIKE_WORDS.has(joined)) return 'reserved';
    // The operator's trade name, alone or within a name (`sleto`, `sleto-paiement`, `monsleto`).
    if (trade.length >= 3 && joined.includes(trade)) return 'reserved';
  }
  return null;
}
