import type { CustomLimits } from '../../platform/db/schema.ts';
import type { PlanView } from './settings.types.ts';

/**
 * A plan as it applies to one instance: the catalogue's plan, with the limits of a custom quote
 * (Diamant) in place of the plan's where the instance has some. Every reader of an instance's
 * limits (the front door, the storage quota, the monitor, the instance page) goes through this.
 */
export function withCustomLimits(plan: PlanView, custom: CustomLimits | null | undefined): PlanView {
  if (!custom) return plan;
  return { ...plan, maxSessions: custom.maxSessions, bandwidthMbps: custom.bandwidthMbps, storageBytes: custom.storageBytes, slaPercent: custom.slaPercent };
}

/** The limits in words, as quotes and pages print them ("80 Mbps, 10 connexions simultanées…"). */
export function limitsSummary(l: Pick<PlanView, 'bandwidthMbps' | 'maxSessions' | 'storageBytes' | 'slaPercent'>): string {
  const parts: string[] = [];
  parts.push(l.bandwidthMbps ? `${l.bandwidthMbps} Mbps` : 'bande passante sans limitation');
  parts.push(l.maxSessions ? `${l.maxSessions} connexions simultanées au maximum` : 'connexions simultanées sans limitation');
  parts.push(l.storageBytes ? `${Math.round(l.storageBytes / 1024 ** 3)} Go de stockage` : 'stockage sans limitation');
  if (l.slaPercent) parts.push(`SLA ${String(l.slaPercent).replace('.', ',')} %`);
  return parts.join(', ');
}
