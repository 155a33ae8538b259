import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as frenchDictionary } from '@zxcvbn-ts/language-fr';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** Each rule a password can break; every broken one is reported, not only the first. */
export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'contains_alias' | 'contains_email' | 'contains_admin' | 'mismatch';

/**
 * Guessability by zxcvbn-ts with its common-password list (tens of thousands of leaked passwords,
 * French ones such as « motdepasse » or « azerty » among them) and its French dictionaries (common
 * words, first names, Wikipedia): a password it scores below 3 ("safely unguessable" starts there)
 * is refused as too easy to guess.
 */
const zxcvbn = new ZxcvbnFactory({ dictionary: { ...commonDictionary, ...frenchDictionary }, graphs: adjacencyGraphs });
const MIN_SCORE = 3;

/**
 * The password rules, shared by every place a password is chosen (portal, reset, operator set-up,
 * instance admin): long enough, not guessable, not the person's alias or e-mail address (nor
 * « admin » for the Diacamma admin account), typed twice the same. Returns every rule broken.
 */
export function checkPassword(
  password: string,
  confirm: string,
  identity: { alias?: string; email?: string; forbidden?: string } = {},
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH) problems.push('too_short');
  if (password.length > PASSWORD_MAX_LENGTH) problems.push('too_long');
  const lower = password.toLowerCase();
  const alias = identity.alias?.toLowerCase();
  const email = identity.email?.toLowerCase();
  const forbidden = identity.forbidden?.toLowerCase();
  if (forbidden && lower.includes(forbidden)) problems.push('contains_admin');
  if (alias && alias.length >= 4 && lower.includes(alias)) problems.push('contains_alias');
  if (email && (lower.includes(email) || (email.split('@')[0]!.length >= 4 && lower.includes(email.split('@')[0]!)))) problems.push('contains_email');
  if (password.length > 0 && password.length <= PASSWORD_MAX_LENGTH) {
    const inputs = [alias, email, forbidden].filter((x): x is string => Boolean(x));
    if (zxcvbn.check(password, inputs).score < MIN_SCORE) problems.push('too_common');
  }
  if (password !== confirm) problems.push('mismatch');
  return problems;
}

/** The field error code for broken rules: `password:too_short+too_common`, or null. */
export function passwordErrorCode(problems: readonly PasswordProblem[]): `password:${string}` | null {
  return problems.length === 0 ? null : `password:${problems.join('+')}`;
}

/** The rules named in such a code, in order. */
export function problemsOf(code: string): PasswordProblem[] {
  return code.startsWith('password:') ? (code.slice('password:'.length).split('+') as PasswordProblem[]) : [];
}

// argon2id, OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  // Without a stored hash, still spend the time of a verification: answers must not reveal accounts.
  if (!stored) {
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

const dummyHash = hash('ecrin-no-account-placeholder', ARGON2_OPTIONS);
