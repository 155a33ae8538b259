import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { DriverEvent, InstanceDriver } from '../../hosting/driver.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { renderMail } from '../notifications/mail-layout.ts';
import type { MailService } from '../notifications/mail.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { InstancesService } from './instances.service.ts';

export interface ServerHealthDeps {
  db: Kysely<DB>;
  instances: InstancesService;
  driver: InstanceDriver;
  accounts: AccountsService;
  settings: SettingsService;
  mail: MailService;
  logger: Logger;
  portalUrl: () => string;
}

/** What the customer reads as the reason of "en échec" (the details are the operator's). */
export const CRASH_LOOP_REASON = "le serveur de l'instance s'est arrêté à répétition ; l'opérateur est prévenu";

/**
 * What the instances module does when the driver gives up on a server (a crash loop): the instance
 * goes "en échec" — its address then shows the state page instead of forwarding — and the operators
 * get one e-mail per episode, with the way to its log. The operator starts it again from the back
 * office (use-cases/restart-server.ts).
 */
export function watchServers(d: ServerHealthDeps): void {
  d.driver.onEvent((e) => {
    if (e.kind !== 'failed') return;
    serverFailed(d, e).catch((err: unknown) => d.logger.error({ instance: e.name, err: err instanceof Error ? err.message : String(err) }, 'could not record a failed instance server'));
  });
}

async function serverFailed(d: ServerHealthDeps, e: DriverEvent): Promise<void> {
  const instance = await d.instances.findByName(e.name);
  if (!instance || instance.state !== 'active') return;
  await d.instances.setState(instance, 'failed', { failure_reason: CRASH_LOOP_REASON });
  const recipients = await d.accounts.operatorEmails();
  if (recipients.length === 0) return;
  const site = (await d.settings.operatorIdentity()).tradeName;
  await d.mail.enqueue(d.db, {
    recipients,
    template: 'instances.server_failed',
    userId: null,
    rendered: renderMail('fr', {
      subject: `[${site}] Instance ${e.name} en échec : son serveur s'arrête à répétition`,
      greeting: 'Bonjour,',
      paragraphs: [
        `Le serveur de l'instance ${e.name} a été redémarré plusieurs fois sans tenir (${e.reason}). Il n'est plus relancé automatiquement : l'instance est « en échec » et ses clients voient une page d'indisponibilité.`,
        `Ses dernières lignes de journal sont sur sa page du back office ; une fois la cause corrigée, utilisez « Redémarrer le serveur ».`,
      ],
      action: { label: "Voir l'instance dans le back office", url: `${d.portalUrl()}/backoffice/instances/${instance.id}` },
      signature: 'ecrin',
    }),
  });
}
