import { PassThrough, type Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { AppError, errorText, type ErrorParams } from '../../errors/app-error.ts';
import type { z } from 'zod';
import type { ErrorCode } from '../../errors/catalogue.ts';
import { DriverError, type InstanceDriver } from '../../hosting/driver.ts';
import type { Clock } from '../../platform/clock.ts';
import { frenchDate } from '../../platform/dates.ts';
import type { Archive, ArchiveOrigin, DB, Instance } from '../../platform/db/schema.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Queue } from '../../platform/queue/queue.ts';
import type { CurrentUser } from '../../web/context.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { checkPassword, passwordErrorCode } from '../accounts/passwords.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { InstancesService } from '../instances/instances.service.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { customerRecipients } from '../notifications/recipients.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { DEFAULT_INSPECT_LIMITS, inspectArchive, inspectUpload, newerThan, versionText, type InspectLimits, type Migration } from './archive-inspect.ts';
import { TooLarge, type ArchiveStore, type PendingArchive } from './archive-store.ts';
import { END_WAIT_FOR_RESTORE_SECONDS, endInstanceJob } from './archives.jobs.ts';
import { restoreDoneMail } from './archives.mails.ts';
import type { ArchivesRepository } from './archives.repository.ts';
import { withCustomLimits } from '../settings/custom-limits.ts';

export interface ArchivesDeps {
  repo: ArchivesRepository;
  store: ArchiveStore;
  instances: InstancesService;
  driver: InstanceDriver;
  settings: SettingsService;
  accounts: AccountsService;
  mail: MailService;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** a request through the front door, as a customer's browser makes it: true when it answers */
  probe: (name: string) => Promise<boolean>;
  instanceUrl: (name: string) => string;
  portalUrl: () => string;
  limits?: InspectLimits;
  /** an upload without a plan limit is still bounded */
  maxUploadBytes?: number;
  queue: Queue;
}

/** What an action of this module carries (encrypted with the action until it is done). */
interface ArchiveDetails {
  op: 'archive';
  name: string;
  origin: ArchiveOrigin;
}
interface RestoreDetails {
  op: 'restore';
  archiveId: number;
  password: string;
}

/** A final archive with its instance's name (the instance may be gone). */
export type FinalArchive = Awaited<ReturnType<ArchivesRepository['finalsForUser']>>[number];

export interface Quota {
  usedBytes: number;
  totalBytes: number | null;
}

const NAME_MAX = 80;

/** The archive was not what it should be: why, in the catalogue's words. */
class Rejected extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  constructor(code: ErrorCode, params: ErrorParams = {}) {
    super(code);
    this.code = code;
    this.params = params;
  }
}

/**
 * Archives of instances: "Archiver", "Import", "Export", "Supprimer", "Restaurer", and the
 * automatic ones. Every archive is verified before its row exists (archive-inspect.ts), written
 * under a temporary name and renamed once fsynced (archive-store.ts): a record always names a
 * complete, readable archive. Archives count toward the plan's storage, safety archives excepted.
 */
export class ArchivesService {
  readonly #repo: ArchivesRepository;
  readonly #d: ArchivesDeps;
  readonly #limits: InspectLimits;

  constructor(deps: ArchivesDeps) {
    this.#repo = deps.repo;
    this.#d = deps;
    this.#limits = deps.limits ?? DEFAULT_INSPECT_LIMITS;
  }

  get limits(): InspectLimits {
    return this.#limits;
  }

  // --- reads -------------------------------------------------------------------------------------
  list(instanceId: number) {
    return this.#repo.listForInstance(instanceId);
  }
  listAll(limit: number) {
    return this.#repo.listAll(limit);
  }

  async quota(instance: Instance): Promise<Quota> {
    const catalogue = await this.#d.settings.plan(instance.plan_code);
    const plan = catalogue ? withCustomLimits(catalogue, instance.custom_limits) : undefined;
    return { usedBytes: (instance.disk_bytes ?? 0) + (await this.#repo.countedBytes(instance.id)), totalBytes: plan?.storageBytes ?? null };
  }

  /** The customer's own archive of their own instance, or null. */
  async ownArchive(user: CurrentUser, instanceId: number, archiveId: number): Promise<{ instance: Instance; archive: Archive } | null> {
    const instance = await this.#d.instances.ownInstance(user, instanceId);
    if (!instance) return null;
    const archive = await this.#repo.find(archiveId);
    return archive && archive.instance_id === instance.id ? { instance, archive } : null;
  }

  /** The final archive of an instance (made when it ended or is ending), if any. */
  finalOf(instanceId: number) {
    return this.#repo.finalOf(instanceId);
  }

  /** The final archives of a customer's instances, ended or ending (the customer's "Archives finales"). */
  finalsForUser(userId: number) {
    return this.#repo.finalsForUser(userId);
  }

  /** A final archive of one of the customer's instances, even once the instance is gone; or null. */
  async ownFinal(user: CurrentUser, archiveId: number): Promise<FinalArchive | null> {
    return (await this.#repo.finalsForUser(user.id)).find((a) => a.id === archiveId) ?? null;
  }

  /** The instance is gone: its archives other than the final one go with it (files and rows). */
  async discardAllBut(instanceId: number, keepId: number): Promise<number> {
    let n = 0;
    for (const a of await this.#repo.listForInstance(instanceId)) {
      if (a.id === keepId) continue;
      await this.#repo.delete(a.id);
      await this.#d.store.delete(a.store_key);
      n += 1;
    }
    return n;
  }

  /** Which archive the customer may not delete (the last verified automatic one). */
  async protectedId(instanceId: number): Promise<number | null> {
    return (await this.#repo.lastAutomatic(instanceId))?.id ?? null;
  }

  // --- Archiver ----------------------------------------------------------------------------------
  /** "Archiver": a name, and an action scheduled; refused beyond 100 % of the plan's storage. */
  async requestArchive(user: CurrentUser, instanceId: number, rawName: string): Promise<{ ok: true; actionId: number } | { ok: false; error: ErrorCode; params?: ErrorParams }> {
    const instance = await this.#d.instances.ownInstance(user, instanceId);
    if (!instance || instance.state !== 'active') return { ok: false, error: 'instance_not_active' };
    const name = rawName.trim();
    if (name.length === 0 || name.length > NAME_MAX) return { ok: false, error: 'archive_name_required' };
    const q = await this.quota(instance);
    if (q.totalBytes !== null && q.usedBytes >= q.totalBytes) return { ok: false, error: 'archive_over_quota', params: { usedBytes: q.usedBytes, totalBytes: q.totalBytes, neededBytes: 0 } };
    const details: ArchiveDetails = { op: 'archive', name, origin: 'created' };
    const actionId = await this.#repo.db.transaction().execute((trx) => this.#d.instances.scheduleAction({ instanceId, userId: instance.user_id, kind: 'archive', details: JSON.stringify(details), requestedBy: user.id }, trx));
    return { ok: true, actionId };
  }

  /** The nightly archive of an instance (the automatic job). */
  async scheduleAutomatic(instance: Instance, db: Kysely<DB> = this.#repo.db): Promise<number | null> {
    // Once a night: a job run twice in the hour (or a retry) schedules nothing more.
    const last = await this.#repo.lastAutomaticAt(instance.id);
    if (last && this.#d.clock.now().getTime() - new Date(last).getTime() < 20 * 3600_000) return null;
    const details: ArchiveDetails = { op: 'archive', name: `automatique ${frenchDate(this.#d.clock.now().toISOString().slice(0, 10))}`, origin: 'automatic' };
    return db.transaction().execute((trx) => this.#d.instances.scheduleAction({ instanceId: instance.id, userId: instance.user_id, kind: 'archive', details: JSON.stringify(details), requestedBy: null }, trx));
  }

  /**
   * Makes an archive of the instance with the admin tool, verifies it, checks the quota, and only
   * then renames it into place and records it. Nothing is kept when any step fails.
   */
  async createArchive(instance: Instance, name: string, origin: ArchiveOrigin, createdBy: number | null): Promise<Archive> {
    const pending = await this.#d.store.begin();
    try {
      try {
        await this.#d.driver.archive(instance.name, pending.file);
      } catch (err) {
        if (diskFull(err)) throw new Rejected('archive_disk_full');
        throw err;
      }
      const checked = await inspectArchive(pending.file, this.#limits);
      if (!checked.ok) throw new Rejected('archive_failed_verification', { reason: `${checked.code}: ${checked.detail}` });
      const { compressedBytes: size, sha256 } = checked;
      // Safety and final archives are the operator's care: they never count toward the plan.
      if (origin !== 'before_restore' && origin !== 'final') {
        const q = await this.quota(instance);
        if (q.totalBytes !== null && q.usedBytes + size > q.totalBytes) throw new Rejected('archive_over_quota', { usedBytes: q.usedBytes, totalBytes: q.totalBytes, neededBytes: size });
      }
      return await this.#record(pending, instance, { name, origin, createdBy, size, sha256, migrations: checked.migrations });
    } catch (err) {
      await pending.discard();
      throw err;
    }
  }

  async #record(pending: PendingArchive, instance: Instance, a: { name: string; origin: ArchiveOrigin; createdBy: number | null; size: number; sha256: string; migrations: Migration[] }): Promise<Archive> {
    const key = await pending.commit();
    try {
      const now = this.#d.clock.now();
      const keep = await this.#d.settings.archives();
      const days = a.origin === 'automatic' ? keep.automaticKeepDays : a.origin === 'before_restore' ? keep.safetyKeepDays : a.origin === 'final' ? keep.finalKeepDays : null;
      const expires = days === null ? null : new Date(now.getTime() + days * 86_400_000);
      const id = await this.#repo.insert({ instanceId: instance.id, name: a.name, key, size: a.size, sha256: a.sha256, origin: a.origin, version: versionText(a.migrations), migrations: a.migrations.length, createdBy: a.createdBy, expiresAt: expires }, now);
      return (await this.#repo.find(id))!;
    } catch (err) {
      await this.#d.store.delete(key);
      throw err;
    }
  }

  // --- Supprimer ---------------------------------------------------------------------------------
  async deleteArchive(user: CurrentUser, instanceId: number, archiveId: number, confirmed: boolean, ip: string | null): Promise<{ ok: true } | { ok: false; error: ErrorCode }> {
    const found = await this.ownArchive(user, instanceId, archiveId);
    if (!found) return { ok: false, error: 'archive_not_found' };
    if (!confirmed) return { ok: false, error: 'archive_delete_confirm' };
    if ((await this.protectedId(instanceId)) === archiveId) return { ok: false, error: 'archive_last_automatic' };
    if (found.archive.state === 'restoring') return { ok: false, error: 'instance_not_active' };
    await this.#repo.delete(archiveId);
    await this.#d.store.delete(found.archive.store_key);
    await this.#d.instances.recordAction({ instanceId, kind: 'delete_archive', requestedBy: user.id, error: null });
    await this.#d.audit.record({ action: 'archive.deleted', actorUserId: user.id, subjectUserId: found.instance.user_id, ip, at: this.#d.clock.now(), details: { instanceId, archiveId, name: found.archive.name, sha256: found.archive.sha256 } });
    return { ok: true };
  }

  // --- Export ------------------------------------------------------------------------------------
  /** A whole download ("Export") is in the audit log (a range resuming it is not recorded again). */
  async recordExport(user: CurrentUser, instance: Instance, archive: Archive, ip: string | null): Promise<void> {
    await this.#d.audit.record({ action: 'archive.exported', actorUserId: user.id, subjectUserId: instance.user_id, ip, at: this.#d.clock.now(), details: { instanceId: instance.id, archiveId: archive.id, sha256: archive.sha256 } });
  }

  /** A whole download of a final archive (the instance may be gone). */
  async recordFinalExport(user: CurrentUser, archive: Archive, ip: string | null): Promise<void> {
    await this.#d.audit.record({ action: 'archive.exported', actorUserId: user.id, subjectUserId: user.id, ip, at: this.#d.clock.now(), details: { instanceId: archive.instance_id, archiveId: archive.id, sha256: archive.sha256, final: true } });
  }

  read(archive: Archive, range?: { start: number; end: number }): Readable {
    return this.#d.store.read(archive.store_key, range);
  }

  // --- Import ------------------------------------------------------------------------------------
  /** What an upload may weigh: the storage left on the plan (bounded anyway). */
  async uploadBound(instance: Instance): Promise<{ maxBytes: number; quota: Quota }> {
    const quota = await this.quota(instance);
    const hard = this.#d.maxUploadBytes ?? 64 * 1024 ** 3;
    return { maxBytes: quota.totalBytes === null ? hard : Math.max(0, Math.min(hard, quota.totalBytes - quota.usedBytes)), quota };
  }

  /**
   * "Import": the upload streamed to a temporary file (bounded by the storage left), verified
   * entry by entry, its `target` compared with the instance's Diacamma, and only then recorded.
   * Not applied: "Restaurer" does that.
   */
  async importArchive(user: CurrentUser, instance: Instance, name: string, body: Readable, declaredBytes: number | null, ip: string | null): Promise<{ ok: true; archive: Archive } | { ok: false; error: ErrorCode; params?: ErrorParams }> {
    const { maxBytes, quota } = await this.uploadBound(instance);
    const overQuota = (needed: number) => ({ ok: false as const, error: 'archive_over_quota' as const, params: { usedBytes: quota.usedBytes, totalBytes: quota.totalBytes ?? maxBytes, neededBytes: needed } });
    if (declaredBytes !== null && declaredBytes > maxBytes + 64 * 1024) {
      body.resume();
      return this.#importFailed(user, instance, overQuota(declaredBytes));
    }
    let pending: PendingArchive;
    // Verified as it is written, in the same pass (gunzip, tar, dump.json, SHA-256): not read again.
    const tap = new PassThrough({ highWaterMark: 1024 * 1024 });
    const inspecting = inspectUpload(tap, this.#limits);
    try {
      pending = await this.#d.store.receive(body, maxBytes, tap);
    } catch (err) {
      await inspecting;
      if (err instanceof TooLarge) return this.#importFailed(user, instance, overQuota(declaredBytes ?? maxBytes + 1));
      if (diskFull(err)) {
        body.resume();
        this.#d.logger.error({ instance: instance.name }, 'the archive store is full: an import was refused');
        return this.#importFailed(user, instance, { ok: false, error: 'archive_disk_full' });
      }
      throw err;
    }
    try {
      const checked = await inspecting;
      if (!checked.ok) {
        await pending.discard();
        const params: ErrorParams = checked.code === 'archive_too_many_entries' ? { max: this.#limits.maxEntries } : checked.code === 'archive_bomb' ? { ratio: this.#limits.maxRatio, maxBytes: this.#limits.maxExpandedBytes } : {};
        return this.#importFailed(user, instance, { ok: false, error: checked.code, params });
      }
      const mine = await this.#instanceMigrations(instance);
      const newer = newerThan(checked.migrations, mine);
      if (newer.length > 0) {
        await pending.discard();
        return this.#importFailed(user, instance, { ok: false, error: 'archive_target_newer', params: { apps: newer.slice(0, 5).join(', ') } });
      }
      const { compressedBytes: size, sha256 } = checked;
      const archive = await this.#record(pending, instance, { name: name.trim().slice(0, NAME_MAX) || 'import', origin: 'imported', createdBy: user.id, size, sha256, migrations: checked.migrations });
      await this.#d.instances.recordAction({ instanceId: instance.id, kind: 'import', requestedBy: user.id, error: null });
      await this.#d.audit.record({ action: 'archive.imported', actorUserId: user.id, subjectUserId: instance.user_id, ip, at: this.#d.clock.now(), details: { instanceId: instance.id, archiveId: archive.id, size, sha256 } });
      return { ok: true, archive };
    } catch (err) {
      await pending.discard();
      throw err;
    }
  }

  async #importFailed<T extends { ok: false; error: ErrorCode; params?: ErrorParams }>(user: CurrentUser, instance: Instance, r: T): Promise<T> {
    await this.#d.instances.recordAction({ instanceId: instance.id, kind: 'import', requestedBy: user.id, error: r.error });
    return r;
  }

  /**
   * The migrations the instance's Diacamma has applied: from its newest own archive, or from an
   * archive made now for that purpose (and not kept).
   */
  async #instanceMigrations(instance: Instance): Promise<Migration[]> {
    const own = await this.#repo.lastOwn(instance.id);
    if (own) return parseVersion(own.diacamma_version);
    const pending = await this.#d.store.begin();
    try {
      await this.#d.driver.archive(instance.name, pending.file);
      const checked = await inspectArchive(pending.file, this.#limits);
      if (!checked.ok) throw new Error(`the instance's own archive failed verification: ${checked.code}`);
      return checked.migrations;
    } finally {
      await pending.discard();
    }
  }

  // --- Restaurer ---------------------------------------------------------------------------------
  /**
   * "Restaurer": the instance's name typed, the `admin` password to use afterwards typed twice;
   * an action scheduled (see #restore).
   */
  async requestRestore(user: CurrentUser, instanceId: number, archiveId: number, input: { confirmName: string; password: string; confirm: string }): Promise<{ ok: true; actionId: number } | { ok: false; errors: Record<string, ErrorCode | string> }> {
    const found = await this.ownArchive(user, instanceId, archiveId);
    if (!found) return { ok: false, errors: { archive: 'archive_not_found' } };
    if (found.instance.state !== 'active') return { ok: false, errors: { archive: 'instance_not_active' } };
    const errors: Record<string, ErrorCode | string> = {};
    if (input.confirmName.trim().toLowerCase() !== found.instance.name.toLowerCase()) errors.confirm_name = 'archive_restore_name';
    const problem = passwordErrorCode(checkPassword(input.password, input.confirm, { forbidden: 'admin' }));
    if (problem) errors.password = problem;
    else if (/[,=]/.test(input.password)) errors.password = 'admin_password_chars';
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const details: RestoreDetails = { op: 'restore', archiveId, password: input.password };
    const actionId = await this.#repo.db.transaction().execute((trx) => this.#d.instances.scheduleAction({ instanceId, userId: found.instance.user_id, kind: 'restore', details: JSON.stringify(details), requestedBy: user.id }, trx));
    return { ok: true, actionId };
  }

  // --- Mettre fin à l'instance ------------------------------------------------------------------
  /**
   * The customer's "Mettre fin à l'instance", confirmed by typing its name: the end is sent as a job
   * (use-cases/end-instance.ts: the final archive, then the destruction). Refused while a restore
   * waits or runs on the instance (the final archive would hold half-restored data).
   */
  async requestEnd(user: CurrentUser, instanceId: number, confirmName: string, ip: string | null): Promise<{ ok: true; instance: Instance } | { ok: false; errors: Record<string, ErrorCode> }> {
    const instance = await this.#d.instances.ownInstance(user, instanceId);
    if (!instance) return { ok: false, errors: { instance: 'not_found' } };
    if (instance.state === 'creating') return { ok: false, errors: { instance: 'instance_not_active' } };
    if (await this.restoreOpen(instanceId)) return { ok: false, errors: { instance: 'instance_end_restoring' } };
    if (confirmName.trim().toLowerCase() !== instance.name.toLowerCase()) return { ok: false, errors: { confirm_name: 'instance_end_name' } };
    await this.#d.queue.send(endInstanceJob, { instanceId, reason: 'customer', actorUserId: user.id, ip }, { singletonKey: `end-${instanceId}` });
    return { ok: true, instance };
  }

  /** Whether a restore waits or runs on the instance: ending it must wait (see end-instance). */
  restoreOpen(instanceId: number): Promise<boolean> {
    return this.#d.instances.hasOpenAction(instanceId, 'restore');
  }

  /** The end of an instance sent again for later: a restore runs on it now (see end-instance). */
  async deferEnd(data: z.infer<typeof endInstanceJob.payload>): Promise<void> {
    await this.#d.queue.send(endInstanceJob, data, { startAfter: END_WAIT_FOR_RESTORE_SECONDS });
  }

  // --- the actions' job --------------------------------------------------------------------------
  /** The `archives.action` job: Archiver (made here or automatic) or Restaurer. */
  async runAction(actionId: number): Promise<void> {
    const run = await this.#d.instances.claimForRun(actionId);
    if (!run) return;
    if (!run.details) {
      await this.#d.instances.failRun(run, 'the details of this action are gone', { final: true });
      return;
    }
    const details = JSON.parse(run.details) as ArchiveDetails | RestoreDetails;
    try {
      if (details.op === 'archive') await this.createArchive(run.instance, details.name, details.origin, run.requestedBy);
      else if (run.instance.state === 'deleted') throw new Rejected('instance_not_active', { reason: 'the instance was ended before its restore ran' });
      else if (run.instance.state === 'maintenance' && (await this.#repo.find(details.archiveId))?.state !== 'restoring') {
        // Offline, and not by an earlier attempt of this restore (which marks its archive "restoring"
        // first): its end has started. Never restore under it; try later.
        throw new Error("l'instance est hors ligne (il y est mis fin) : la restauration attend");
      } else await this.#restore(run.instance, details, run.requestedBy, run.attempts > 1 ? run.createdAt : null);
      await this.#d.instances.finishAction(actionId);
    } catch (err) {
      const reason = reasonOf(err);
      // A refusal (quota, verification, a restore rolled back) is final: trying again would do the same.
      const final = await this.#d.instances.failRun(run, reason, { final: err instanceof Rejected });
      if (!final) throw err;
    }
  }

  /**
   * One action: a verified safety archive → maintenance on the front door → restore → `MODE=0`
   * and the given password → health through the front door → online. Any step failing after the
   * safety archive restores it, and the instance comes back as it was.
   */
  async #restore(instance: Instance, d: RestoreDetails, by: number | null, retriedSince: Date | null): Promise<void> {
    const archive = await this.#repo.find(d.archiveId);
    if (!archive || archive.instance_id !== instance.id) throw new Rejected('archive_not_found');
    const when = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(this.#d.clock.now());
    // A retry after a crash (ecrin killed mid-restore) keeps the safety archive of the first attempt:
    // a new one would hold the half-restored state, not the instance as it was.
    const earlier = retriedSince ? await this.#repo.safetySince(instance.id, retriedSince) : undefined;
    const safety = earlier ?? (await this.createArchive(instance, `avant restauration ${when}`, 'before_restore', by));
    await this.#repo.setState(archive.id, 'restoring');
    await this.#d.instances.setMaintenance(instance, true);
    try {
      await this.#applyArchive(instance, archive, d.password);
    } catch (err) {
      const why = reasonOf(err);
      this.#d.logger.error({ instance: instance.name, archive: archive.id, err: why }, 'restore failed: the safety archive is put back');
      try {
        await this.#d.driver.restore(instance.name, this.#d.store.localFile(safety.store_key));
        await this.#d.driver.start(instance.name);
      } catch (rollbackErr) {
        // Left in maintenance: the operator is alerted by the failed action and must act.
        await this.#repo.setState(archive.id, 'ready');
        throw new Rejected('archive_failed_verification', { reason: `restore: ${why}; the safety archive could not be put back: ${reasonOf(rollbackErr)}` });
      }
      await this.#d.instances.setMaintenance(instance, false);
      await this.#repo.setState(archive.id, 'ready');
      throw new Rejected('archive_restore_rolled_back', { reason: why, safety: safety.name });
    }
    await this.#repo.setState(archive.id, 'ready');
    await this.#mailRestored(instance, archive);
  }

  async #applyArchive(instance: Instance, archive: Archive, password: string): Promise<void> {
    await this.#d.driver.restore(instance.name, this.#d.store.localFile(archive.store_key));
    // An archive from a local install is usually open to anyone (MODE=2): never left so.
    await this.#d.driver.setSecurity(instance.name, { mode: 0, password });
    await this.#d.driver.start(instance.name);
    if (!(await this.#d.driver.health(instance.name))) throw new DriverError('health', "the instance's server does not answer after the restore");
    await this.#d.instances.setMaintenance(instance, false);
    if (!(await this.#d.probe(instance.name))) {
      await this.#d.instances.setMaintenance(instance, true);
      throw new DriverError('health', 'the instance does not answer through the front door after the restore');
    }
  }

  async #mailRestored(instance: Instance, archive: Archive): Promise<void> {
    const account = await this.#d.accounts.getAccount(instance.user_id);
    if (!account) return;
    const site = (await this.#d.settings.operatorIdentity()).tradeName;
    await this.#d.mail.enqueue(this.#repo.db, {
      recipients: customerRecipients(account.user, account.organisation),
      template: 'archives.restored',
      userId: account.user.id,
      rendered: restoreDoneMail({ site, name: account.user.name, archive: archive.name, url: this.#d.instanceUrl(instance.name), portalUrl: this.#d.portalUrl(), safetyKeepDays: (await this.#d.settings.archives()).safetyKeepDays }),
    });
  }

  // --- automatic archives and upkeep -------------------------------------------------------------
  /** Expired automatic and safety archives removed (the last automatic one of an instance kept). */
  async prune(): Promise<number> {
    let n = 0;
    for (const a of await this.#repo.expired(this.#d.clock.now())) {
      if (a.origin === 'automatic' && (await this.protectedId(a.instance_id)) === a.id) continue;
      if (a.state === 'restoring') continue;
      await this.#repo.delete(a.id);
      await this.#d.store.delete(a.store_key);
      n += 1;
    }
    return n;
  }
}

/** No space left (or a quota) on the disk an archive is written to. */
function diskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || (err instanceof DriverError && /ENOSPC|No space left on device/i.test(err.message));
}

function reasonOf(err: unknown): string {
  if (err instanceof Rejected) return errorText({ code: err.code, params: err.params }, 'fr');
  if (err instanceof DriverError) return `${err.step} : ${err.message}`;
  if (err instanceof AppError) return err.code;
  return err instanceof Error ? err.message : String(err);
}

/** The summary versionText wrote ("app 0012, app2 0003") read back as one migration per application. */
export function parseVersion(text: string): Migration[] {
  if (text === '—') return [];
  return text.split(', ').flatMap((part) => {
    const i = part.lastIndexOf(' ');
    return i > 0 ? [[part.slice(0, i), part.slice(i + 1)] as Migration] : [];
  });
}
