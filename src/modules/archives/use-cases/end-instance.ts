import type { Kysely } from 'kysely';
import type { InstanceDriver } from '../../../hosting/driver.ts';
import { instanceEnded } from '../../../events/domain-events.ts';
import type { Clock } from '../../../platform/clock.ts';
import { frenchDate, parisDate } from '../../../platform/dates.ts';
import type { Archive, DB, EndReason } from '../../../platform/db/schema.ts';
import type { EventBus } from '../../../platform/events/event-bus.ts';
import type { Logger } from '../../../platform/logger.ts';
import { formatBytes } from '../../../web/i18n.ts';
import type { AccountsService } from '../../accounts/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { InstancesService } from '../../instances/instances.service.ts';
import type { MailService } from '../../notifications/mail.service.ts';
import { customerRecipients } from '../../notifications/recipients.ts';
import type { OrdersService } from '../../orders/orders.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { finalArchiveFailedMail, instanceEndedMail } from '../archives.mails.ts';
import type { ArchivesService } from '../archives.service.ts';

export interface EndInstanceDeps {
  db: Kysely<DB>;
  events: EventBus;
  instances: InstancesService;
  orders: OrdersService;
  archives: ArchivesService;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  audit: AuditService;
  driver: InstanceDriver;
  clock: Clock;
  logger: Logger;
  portalUrl: () => string;
  instanceUrl: (name: string) => string;
}

export interface EndInstanceInput {
  instanceId: number;
  reason: EndReason;
  /** who ended it (the customer, an operator); none for the lifecycle sweep */
  actorUserId?: number | null;
  ip?: string | null;
}

export type EndInstanceResult =
  | { ok: true; archive: Archive; alreadyEnded: boolean }
  | { ok: false; error: 'not_found' | 'instance_not_ready' | 'restore_running' | 'final_archive_failed' | 'instance_destroy_failed'; detail: string };

/** Where the customer downloads the final archives of their ended instances (reached from "Vos instances"). */
export const FINAL_ARCHIVES_PATH = '/archives-finales';

/**
 * Ends an instance (the customer's "Mettre fin à l'instance", an unpaid renewal, an account
 * closed): offline (maintenance) → a final archive, verified like any other (origin "final", kept
 * downloadable `finalKeepDays`, never counted toward a plan) → the driver destroys the instance →
 * in one transaction the instance "deleted" with its reason, its order "ended" (the name released,
 * free again after the quarantine), the audit entry and the customer's e-mail → its other archives
 * removed.
 *
 * If the final archive cannot be made or fails verification, nothing is destroyed: the instance
 * is put back as it was and the operators are alerted. Idempotent: an ended instance returns its
 * final archive; a run cut short after its final archive (the instance still offline) reuses it.
 *
 * A restore waiting or running on the instance is never collided with: nothing is touched and
 * `restore_running` is returned (the job then sends itself again for later: `deferEnd`). It looks before taking the instance offline and once
 * more after (a restore scheduled in between); from then on a restore does not start on it
 * (ArchivesService.runAction waits while the instance is offline, and refuses once it is gone).
 *
 * The event `instance.ended` is recorded with the end: the orders module cancels the instance's
 * plan change still awaiting payment, so nobody can pay for an ended instance.
 */
export async function endInstance(d: EndInstanceDeps, input: EndInstanceInput): Promise<EndInstanceResult> {
  const instance = await d.instances.find(input.instanceId);
  if (!instance) return { ok: false, error: 'not_found', detail: `no instance ${input.instanceId}` };
  const existing = await d.archives.finalOf(instance.id);
  if (instance.state === 'deleted') {
    if (existing) return { ok: true, archive: existing, alreadyEnded: true };
    return { ok: false, error: 'not_found', detail: `instance ${instance.name} was deleted without a final archive` };
  }
  if (instance.state === 'creating') return { ok: false, error: 'instance_not_ready', detail: `instance ${instance.name} is still being created` };

  const actor = input.actorUserId ?? null;
  const wasState = instance.state;
  const waitForRestore = (): EndInstanceResult => {
    d.logger.info({ instance: instance.name, reason: input.reason }, 'ending an instance waits for its restore');
    return { ok: false, error: 'restore_running', detail: `a restore waits or runs on ${instance.name}` };
  };
  // (Once the final archive exists, this end had the instance first: no restore started under it.)
  if (!existing && (await d.archives.restoreOpen(instance.id))) return waitForRestore();
  // No change may land after the final archive: the instance is offline from here on.
  if (wasState === 'active') await d.instances.setMaintenance(instance, true);
  if (!existing && (await d.archives.restoreOpen(instance.id))) {
    if (wasState === 'active') await d.instances.setMaintenance(instance, false);
    return waitForRestore();
  }
  let archive: Archive;
  if (existing) archive = existing;
  else {
    try {
      archive = await d.archives.createArchive(instance, `finale ${frenchDate(parisDate(d.clock.now()))}`, 'final', actor);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (wasState === 'active') await d.instances.setMaintenance(instance, false);
      await alertFailed(d, instance.name, input.reason, detail);
      await d.audit.record({ action: 'instance.end_failed', actorUserId: actor, subjectUserId: instance.user_id, ip: input.ip ?? null, at: d.clock.now(), details: { instanceId: instance.id, reason: input.reason, error: detail } });
      return { ok: false, error: 'final_archive_failed', detail };
    }
  }

  try {
    await d.driver.destroy(instance.name);
  } catch (err) {
    // The final archive is kept and the instance stays offline: a retry reuses that archive.
    const detail = err instanceof Error ? err.message : String(err);
    await alertFailed(d, instance.name, input.reason, `destroy: ${detail}`);
    return { ok: false, error: 'instance_destroy_failed', detail };
  }

  const keep = await d.settings.archives();
  const nameDays = (await d.settings.lifecycle()).nameQuarantineDays;
  const account = await d.accounts.getAccount(instance.user_id);
  const site = (await d.settings.operatorIdentity()).tradeName;
  const until = archive.expires_at ? frenchDate(parisDate(new Date(archive.expires_at))) : '';
  await d.events.transaction(d.db, async (trx) => {
    await d.instances.markEnded(instance, input.reason, trx);
    await d.orders.markEnded(trx, instance.order_id);
    await d.events.record(trx, instanceEnded, { instanceId: instance.id, orderId: instance.order_id });
    await d.audit.record({ action: 'instance.ended', actorUserId: actor, subjectUserId: instance.user_id, ip: input.ip ?? null, at: d.clock.now(), details: { instanceId: instance.id, name: instance.name, reason: input.reason, archiveId: archive.id, sha256: archive.sha256, size: Number(archive.size_bytes) } }, trx);
    if (account) {
      await d.mail.enqueue(trx, {
        recipients: customerRecipients(account.user, account.organisation),
        template: 'archives.instance_ended',
        userId: account.user.id,
        rendered: instanceEndedMail({ site, name: account.user.name, url: d.instanceUrl(instance.name), reason: input.reason, archive: archive.name, sizeText: formatBytes(Number(archive.size_bytes), 'fr'), sha256: archive.sha256, until, keepDays: keep.finalKeepDays, nameDays, downloadUrl: `${d.portalUrl()}${FINAL_ARCHIVES_PATH}` }),
      });
    }
  });
  const removed = await d.archives.discardAllBut(instance.id, archive.id);
  d.logger.info({ instance: instance.name, reason: input.reason, archive: archive.id, removed }, 'instance ended');
  return { ok: true, archive, alreadyEnded: false };
}

async function alertFailed(d: EndInstanceDeps, instance: string, reason: EndReason, error: string): Promise<void> {
  d.logger.error({ instance, reason, error }, 'ending an instance stopped: nothing destroyed');
  const recipients = await d.accounts.operatorEmails();
  if (recipients.length === 0) return;
  const site = (await d.settings.operatorIdentity()).tradeName;
  await d.mail.enqueue(d.db, { recipients, template: 'archives.end_failed', userId: null, rendered: finalArchiveFailedMail({ site, instance, reason, error, backofficeUrl: `${d.portalUrl()}/backoffice/instances` }) });
}
