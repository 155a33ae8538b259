import type { Clock } from '../../platform/clock.ts';
import type { FieldErrorCode } from '../../errors/app-error.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { MailService } from '../notifications/mail.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { AccountCache } from './account-cache.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import type { FieldErrorCodes } from './accounts.validation.ts';
import { passwordErrorCode, type checkPassword } from './passwords.ts';

export type { FieldErrorCodes };

/** What the accounts services share: one repository, one cache, the same adapters. */
export interface AccountsDeps {
  repo: AccountsRepository;
  cache: AccountCache;
  audit: AuditService;
  mail: MailService;
  settings: SettingsService;
  clock: Clock;
  /** the portal's public base URL, for links in e-mails */
  portalUrl: () => string;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export type Result<T> = ({ ok: true } & T) | { ok: false; errors: FieldErrorCodes };

export async function siteName(d: Pick<AccountsDeps, 'settings'>): Promise<string> {
  return (await d.settings.operatorIdentity()).tradeName;
}

/** A single-use link of the portal, as e-mailed. */
export function tokenLink(d: Pick<AccountsDeps, 'portalUrl'>, path: string, token: string, returnTo?: string | null): string {
  const link = `${d.portalUrl()}${path}?jeton=${token}`;
  return returnTo ? `${link}&retour=${encodeURIComponent(returnTo)}` : link;
}

export function passwordError(problems: ReturnType<typeof checkPassword>): FieldErrorCode | null {
  return passwordErrorCode(problems);
}
