import type { Clock } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { InstancesService } from '../../instances/instances.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { ArchivesService } from '../archives.service.ts';

export interface NightlyArchivesDeps {
  instances: InstancesService;
  archives: ArchivesService;
  settings: SettingsService;
  clock: Clock;
  logger: Logger;
}

/** The night's quiet hours by default (Paris time); the operator's « Réglages » say otherwise. */
export const NIGHT = { startHour: 1, hours: 5 } as const;

/** The hour (0–23, Paris time) of an instance's automatic archive: its id spreads instances over the night. */
export function quietHourOf(instanceId: number, night: { startHour: number; hours: number } = NIGHT): number {
  return (night.startHour + (instanceId % night.hours)) % 24;
}

function parisHour(d: Date): number {
  return Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: 'Europe/Paris' }).format(d));
}

/**
 * The hourly job: each active instance whose quiet hour it is (within the quiet hours of the
 * settings) gets an automatic archive (an action of its own, verified before it is recorded);
 * expired automatic, safety and final archives are removed (their keep delays are settings too).
 */
export async function runNightlyArchives(deps: NightlyArchivesDeps): Promise<{ scheduled: number; pruned: number }> {
  const hour = parisHour(deps.clock.now());
  const s = await deps.settings.archives();
  const night = { startHour: s.quietStartHour, hours: s.quietHours };
  let scheduled = 0;
  for (const i of await deps.instances.listActive()) {
    if (quietHourOf(i.id, night) !== hour) continue;
    if ((await deps.archives.scheduleAutomatic(i)) !== null) scheduled += 1;
  }
  const pruned = await deps.archives.prune();
  if (scheduled > 0 || pruned > 0) deps.logger.info({ scheduled, pruned }, 'automatic archives');
  return { scheduled, pruned };
}
