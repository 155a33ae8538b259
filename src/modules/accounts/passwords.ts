import { hash, verify } from '@node-rs/argon2';
import dumbPasswords from 'dumb-passwords';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'like_identity' | 'mismatch';

/**
 * The password rules, shared by every place a password is chosen (portal, reset, instance admin):
 * long enough, not among the 10,000 most common passwords (the dumb-passwords list), and not the
 * person's own alias or e-mail address.
 */
export function checkPassword(
  password: string,
  confirm: string,
  identity: { alias?: string; email?: string } = {},
): PasswordProblem | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (password.length > PASSWORD_MAX_LENGTH) return 'too_long';
  const lower = password.toLowerCase();
  if (dumbPasswords.check(password) || dumbPasswords.check(lower.trim())) return 'too_common';
  const alias = identity.alias?.toLowerCase();
  const email = identity.email?.toLowerCase();
  if ((alias && lower.includes(alias) && alias.length >= 4) || (email && (lower === email || lower === email.split('@')[0]))) {
    return 'like_identity';
  }
  if (password !== confirm) return 'mismatch';
  return null;
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
