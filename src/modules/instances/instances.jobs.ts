import { z } from 'zod';
import { defineJob } from '../../platform/queue/queue.ts';

/**
 * Creates the instance of a paid order. Enqueued by the "order paid" step with the order id as
 * singleton key; idempotent: a retry (or a restart of ecrin mid-way) finishes the same instance.
 */
export const provisionInstanceJob = defineJob('instance.provision', z.object({ orderId: z.number().int().positive() }), {
  retryLimit: 4,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 120,
  expireInSeconds: 900,
}, { pollSeconds: 0.5 });

/** Runs one hosting action ("Mot de passe", archives…): retried with backoff, then failed loudly. */
export const runActionJob = defineJob('instance.action', z.object({ actionId: z.number().int().positive() }), {
  retryLimit: 4,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 120,
  expireInSeconds: 900,
}, { pollSeconds: 0.5 });

/**
 * Runs one archive action (Archiver, Restaurer): the archives module's worker handles it; defined
 * here so that "Relancer" (instances) can send it again without instances depending on archives.
 * Archives and restores of big instances take time: an hour before pg-boss calls it expired.
 */
export const archiveActionJob = defineJob('archives.action', z.object({ actionId: z.number().int().positive() }), {
  retryLimit: 4,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 300,
  expireInSeconds: 3600,
}, { pollSeconds: 0.5 });

/** Kinds of action the archives module runs (through archiveActionJob). */
export const ARCHIVE_ACTION_KINDS = new Set(['archive', 'restore']);

/** Attempts of a job before it is failed for good: pg-boss's first try plus its retries. */
export const MAX_ATTEMPTS = 5;

/** Every minute: probe each live instance through the front door, record usage, watch storage. */
export const monitorInstancesJob = defineJob('instances.monitor', z.object({}), { retryLimit: 0, expireInSeconds: 120 });

/** A paid plan change: the instance moves to its new plan (idempotent; one per order). */
export const changePlanJob = defineJob('instance.change_plan', z.object({ orderId: z.number().int().positive(), instanceId: z.number().int().positive(), planCode: z.string().min(1) }), {
  retryLimit: 10,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 300,
}, { pollSeconds: 0.5 });

/** After `renewal.paid`: the instance's period runs on from its old end (restored if suspended); idempotent. */
export const applyRenewalJob = defineJob(
  'instance.apply_renewal',
  z.object({ orderId: z.number().int().positive(), instanceId: z.number().int().positive(), planCode: z.string().min(1), renewsFrom: z.string(), renewsTo: z.string() }),
  { retryLimit: 10, retryDelay: 5, retryBackoff: true, retryDelayMax: 300 },
  { pollSeconds: 0.5 },
);
