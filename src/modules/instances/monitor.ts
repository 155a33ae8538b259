import type { Clock } from '../../platform/clock.ts';
import { DAY } from '../../platform/clock.ts';
import { parisDate } from '../../platform/dates.ts';
import type { Instance } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { InstanceDriver } from '../../hosting/driver.ts';
import type { FrontDoor } from '../../gateway/proxy.ts';
import { formatBytes } from '../../web/i18n.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { renderMail } from '../notifications/mail-layout.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { InstancesRepository } from './instances.repository.ts';
import { withCustomLimits } from '../settings/custom-limits.ts';

/** Failed probes in a row before an instance is marked down and the operator alerted. */
export const DOWN_AFTER = 3;
/** Share of the plan's storage from which the customer is warned (once per service period). */
export const STORAGE_WARNING = 0.8;

export interface MonitorDeps {
  repo: InstancesRepository;
  driver: InstanceDriver;
  frontDoor: Pick<FrontDoor, 'takeTraffic' | 'sessions'>;
  settings: SettingsService;
  accounts: AccountsService;
  mail: MailService;
  clock: Clock;
  logger: Logger;
  probe: (name: string) => Promise<boolean>;
  portalUrl: () => string;
  instanceUrl: (name: string) => string;
}

/**
 * The minute-by-minute watch over live instances: availability probes through the front door (the
 * customer's way in), daily usage counters (bytes both ways, peak sessions) and storage.
 */
export class InstancesMonitor {
  readonly #d: MonitorDeps;
  constructor(deps: MonitorDeps) {
    this.#d = deps;
  }

  async run(): Promise<void> {
    await this.flushUsage();
    const now = this.#d.clock.now();
    for (const i of await this.#d.repo.listLive()) {
      if (i.state !== 'active') continue;
      await this.#probe(i, now);
      await this.#measureStorage(i, now);
    }
    await this.#d.repo.pruneProbes(new Date(now.getTime() - 35 * DAY));
  }

  async #probe(i: Instance, now: Date): Promise<void> {
    const ok = await this.#d.probe(i.name);
    await this.#d.repo.recordProbe(i.id, now, ok);
    if (ok) {
      if (i.down_since) this.#d.logger.info({ instance: i.name }, 'instance answers again');
      await this.#d.repo.setProbeState(i.id, 0, null);
      return;
    }
    const failed = i.failed_probes + 1;
    const down = failed >= DOWN_AFTER && !i.down_since;
    await this.#d.repo.setProbeState(i.id, failed, down ? now : undefined);
    if (down) await this.#alertDown(i);
  }

  async #alertDown(i: Instance): Promise<void> {
    this.#d.logger.error({ instance: i.name }, `instance down: ${DOWN_AFTER} failed probes in a row`);
    const recipients = await this.#d.accounts.operatorEmails();
    if (recipients.length === 0) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(this.#d.repo.db, {
      recipients,
      template: 'instances.down',
      userId: null,
      rendered: renderMail('fr', {
        subject: `[${site}] Instance ${i.name} injoignable`,
        greeting: 'Bonjour,',
        paragraphs: [`L'instance ${this.#d.instanceUrl(i.name)} ne répond plus à travers la porte d'entrée (${DOWN_AFTER} sondes manquées d'affilée). Son serveur est redémarré automatiquement s'il s'arrête ou ne répond plus ; voyez son journal sur sa page du back office.`],
        action: { label: 'Back office', url: `${this.#d.portalUrl()}/backoffice` },
        signature: 'ecrin',
      }),
    });
  }

  async #measureStorage(i: Instance, now: Date): Promise<void> {
    const { diskBytes } = await this.#d.driver.usage(i.name);
    await this.#d.repo.setDiskUse(i.id, diskBytes, now);
    const catalogue = await this.#d.settings.plan(i.plan_code);
    const plan = catalogue ? withCustomLimits(catalogue, i.custom_limits) : undefined;
    if (!plan?.storageBytes || diskBytes < plan.storageBytes * STORAGE_WARNING) return;
    const warnedThisPeriod = i.storage_warned_at && (!i.period_start || parisDate(new Date(i.storage_warned_at)) >= i.period_start);
    if (warnedThisPeriod) return;
    await this.#d.repo.markStorageWarned(i.id, now);
    const account = await this.#d.accounts.getAccount(i.user_id);
    if (!account) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    const percent = Math.round((diskBytes / plan.storageBytes) * 100);
    await this.#d.mail.enqueue(this.#d.repo.db, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'instances.storage_warning',
      userId: account.user.id,
      rendered: renderMail('fr', {
        subject: `Votre instance ${i.name} utilise ${percent} % de son stockage`,
        greeting: `Bonjour ${account.user.name},`,
        paragraphs: [
          `Votre instance ${this.#d.instanceUrl(i.name)} utilise ${formatBytes(diskBytes, 'fr')} sur les ${formatBytes(plan.storageBytes, 'fr')} de son forfait ${plan.name}.`,
          `Au-delà de 100 %, les nouvelles archives et les imports sont refusés. Supprimez d'anciennes archives ou passez au forfait supérieur depuis le portail.`,
        ],
        action: { label: 'Gérer mon instance', url: `${this.#d.portalUrl()}/instances/${i.id}` },
        signature: `L'équipe ${site}`,
      }),
    });
  }

  /** Adds the front door's counters since the last flush to today's row of each instance. */
  async flushUsage(): Promise<void> {
    const now = this.#d.clock.now();
    const day = parisDate(now);
    const traffic = this.#d.frontDoor.takeTraffic();
    for (const i of await this.#d.repo.listLive()) {
      const t = traffic.get(i.name);
      const peak = this.#d.frontDoor.sessions.takePeak(i.name, Date.now());
      if (!t && peak === 0) continue;
      await this.#d.repo.addUsage(i.id, day, { bytesIn: t?.bytesIn ?? 0, bytesOut: t?.bytesOut ?? 0, peakSessions: peak });
    }
  }

  /** Availability over the last days: the share of probes that got an answer (null without probes). */
  async availability(instanceId: number, days = 30): Promise<{ percent: number | null; probes: number }> {
    const since = new Date(this.#d.clock.now().getTime() - days * DAY);
    const r = await this.#d.repo.probeCounts(instanceId, since);
    return { percent: r.total === 0 ? null : (r.ok / r.total) * 100, probes: r.total };
  }

  async usageSeries(instanceId: number, days = 30) {
    const since = parisDate(new Date(this.#d.clock.now().getTime() - days * DAY));
    return this.#d.repo.usageSince(instanceId, since);
  }
}
