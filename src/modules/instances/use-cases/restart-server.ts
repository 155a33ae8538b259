import type { Clock } from '../../../platform/clock.ts';
import type { InstanceDriver } from '../../../hosting/driver.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { InstancesService } from '../instances.service.ts';

export interface RestartServerDeps {
  instances: InstancesService;
  driver: InstanceDriver;
  audit: AuditService;
  clock: Clock;
}

/**
 * "Redémarrer le serveur" (operator): the server of an instance put "en échec" by a crash loop
 * (so one that was live: activated) is started again; once it answers, the instance is active and
 * the audit log says who did it. A provisioning failure is not this: it has "Relancer".
 */
export async function restartServer(d: RestartServerDeps, instanceId: number, by: { actorUserId: number; ip: string | null }): Promise<{ ok: true } | { ok: false; reason: 'not_failed' | 'start_failed'; detail?: string }> {
  const instance = await d.instances.find(instanceId);
  if (!instance || instance.state !== 'failed' || !instance.activated_at) return { ok: false, reason: 'not_failed' };
  try {
    await d.driver.start(instance.name);
  } catch (err) {
    return { ok: false, reason: 'start_failed', detail: err instanceof Error ? err.message : String(err) };
  }
  await d.instances.setState(instance, 'active', { failure_reason: null });
  await d.audit.record({ action: 'instance.server_restarted', actorUserId: by.actorUserId, subjectUserId: instance.user_id, ip: by.ip, at: d.clock.now(), details: { instanceId } });
  return { ok: true };
}
