import multipart from '@fastify/multipart';
import contentDisposition from 'content-disposition';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import rangeParser from 'range-parser';
import type { Container } from '../../container.ts';
import { AppError, errorText, fieldErrorTexts, type ErrorParams } from '../../errors/app-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import type { Archive, Instance } from '../../platform/db/schema.ts';
import { confirmed, confirmPage } from '../../web/confirm.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { rawStr } from '../../web/forms.ts';
import { requireSignedIn } from '../../web/guards.ts';
import { translator } from '../../web/i18n.ts';
import { sendHtml } from '../../web/pages.ts';
import { idParam } from '../../web/params.ts';
import type { ArchivesService } from './archives.service.ts';
import { archiveMessages } from './archives.messages.ts';
import { archivesPage, endPage, finalArchivesPage, restorePage } from './archives.views.ts';
import { FINAL_ARCHIVES_PATH } from './use-cases/end-instance.ts';

/** A path's archive id: digits only, within the int4 range; anything else is a page that does not exist. */
function archiveIdParam(request: FastifyRequest): number {
  const raw = (request.params as Record<string, unknown>).archiveId;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw new AppError('not_found');
  return Number(raw);
}

/** The archive's name as a file name: `NAME-ARCHIVE.lbkf`, letters and digits kept. */
export function exportFileName(instance: string, archive: string): string {
  const slug = archive
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${instance}-${slug || 'archive'}.lbkf`;
}

/** Control characters and bidi overrides out of a one-line name (multipart fields skip input hygiene). */
function cleanName(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);
}

/**
 * The archives of an instance: the page, "Archiver", "Import" (a streamed multipart upload),
 * "Export" (Content-Length, Range), "Supprimer" (confirmed), "Restaurer" (confirmed by the
 * instance's name and the new admin password, typed twice).
 */
export function archivesRoutes(c: Container, archives: ArchivesService, pageContext: PageContextFactory): FastifyPluginAsync {
  const { instances } = c.services;

  async function own(request: FastifyRequest): Promise<Instance> {
    const instance = await instances.ownInstance(request.currentUser!, idParam(request));
    if (!instance) throw new AppError('not_found');
    return instance;
  }

  async function show(request: FastifyRequest, reply: FastifyReply, instance: Instance, extra: { notice?: string; archiveErrors?: Record<string, string>; importErrors?: Record<string, string>; name?: string } = {}, status = 200) {
    const ctx = await pageContext(request, reply);
    const { maxBytes, quota } = await archives.uploadBound(instance);
    return sendHtml(reply, archivesPage(ctx, { instance, archives: await archives.list(instance.id), quota, uploadMax: maxBytes, protectedId: await archives.protectedId(instance.id), ...extra }), status);
  }

  const statusOf = (code: ErrorCode) => new AppError(code).status;

  return async (app) => {
    // 1 MiB chunks from the parser (64 KiB by default): fewer, larger writes to the file and the verification.
    await app.register(multipart, { fileHwm: 1024 * 1024, limits: { files: 1, fields: 4, fieldSize: 1024, parts: 6, fileSize: 64 * 1024 ** 3 } });
    app.addHook('preHandler', requireSignedIn);

    app.get('/instances/:id/archives', async (request, reply) => {
      const instance = await own(request);
      const q = request.query as Record<string, unknown>;
      const t = translator(archiveMessages, (await pageContext(request, reply)).locale);
      const notice = q.action === 'planifiee' ? t('archiveScheduled') : q.action === 'restauration' ? t('restoreScheduled') : q.supprimee === '1' ? t('deleted', { name: typeof q.nom === 'string' ? q.nom.slice(0, 80) : '' }) : q.importee === '1' ? t('imported', { name: typeof q.nom === 'string' ? q.nom.slice(0, 80) : '' }) : undefined;
      return show(request, reply, instance, notice ? { notice } : {});
    });

    app.post('/instances/:id/archives', async (request, reply) => {
      const instance = await own(request);
      const name = rawStr(request.body, 'name', 200);
      const r = await archives.requestArchive(request.currentUser!, instance.id, name);
      if (r.ok) return reply.redirect(`/instances/${instance.id}/archives?action=planifiee`, 303);
      const ctx = await pageContext(request, reply);
      return show(request, reply, instance, { archiveErrors: { name: errorText({ code: r.error, ...(r.params ? { params: r.params } : {}) }, ctx.locale) }, name }, statusOf(r.error));
    });

    app.post('/instances/:id/archives/import', { config: { csrfInQuery: true } }, async (request, reply) => {
      const instance = await own(request);
      const ctx = await pageContext(request, reply);
      const refuse = (code: ErrorCode, params?: ErrorParams) => show(request, reply, instance, { importErrors: { file: errorText({ code, ...(params ? { params } : {}) }, ctx.locale) } }, statusOf(code));
      if (instance.state !== 'active') return refuse('instance_not_active');
      if (!request.isMultipart()) return refuse('archive_no_file');
      const declared = Number(request.headers['content-length']);
      let name = '';
      let result: Awaited<ReturnType<ArchivesService['importArchive']>> | null = null;
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (part.fieldname === 'name' && typeof part.value === 'string') name = cleanName(part.value);
          continue;
        }
        if (part.fieldname !== 'file' || result !== null || !part.filename) {
          part.file.resume();
          continue;
        }
        result = await archives.importArchive(request.currentUser!, instance, name || cleanName(part.filename.replace(/\.lbkf?$/i, '')), part.file, Number.isFinite(declared) ? declared : null, request.ip);
      }
      if (result === null) return refuse('archive_no_file');
      if (!result.ok) return refuse(result.error, result.params);
      return reply.redirect(`/instances/${instance.id}/archives?importee=1&nom=${encodeURIComponent(result.archive.name)}`, 303);
    });

    app.get('/instances/:id/archives/:archiveId/export', async (request, reply) => {
      const found = await archives.ownArchive(request.currentUser!, idParam(request), archiveIdParam(request));
      if (!found) throw new AppError('not_found');
      const { instance, archive } = found;
      return sendArchive(request, reply, archive, exportFileName(instance.name, archive.name), () => archives.recordExport(request.currentUser!, instance, archive, request.ip));
    });

    // --- Mettre fin à l'instance, and the final archives that outlive it ---------------------------
    app.get('/instances/:id/fin', async (request, reply) => {
      const instance = await own(request);
      const ctx = await pageContext(request, reply);
      // Said before the name is typed: an end is refused while a restore waits or runs.
      const errors = (await archives.restoreOpen(instance.id)) ? fieldErrorTexts({ instance: 'instance_end_restoring' }, ctx.locale) : {};
      return sendHtml(reply, endPage(ctx, { instance, keepDays: (await c.services.settings.archives()).finalKeepDays, errors }));
    });

    app.post('/instances/:id/fin', async (request, reply) => {
      const instance = await own(request);
      const r = await archives.requestEnd(request.currentUser!, instance.id, rawStr(request.body, 'confirm_name', 200), request.ip);
      if (r.ok) return reply.redirect(`${FINAL_ARCHIVES_PATH}?fin=${encodeURIComponent(instance.name)}`, 303);
      const ctx = await pageContext(request, reply);
      const status = r.errors.confirm_name ? 422 : statusOf(Object.values(r.errors)[0]!);
      return sendHtml(reply, endPage(ctx, { instance, keepDays: (await c.services.settings.archives()).finalKeepDays, errors: fieldErrorTexts(r.errors, ctx.locale) }), status);
    });

    app.get(FINAL_ARCHIVES_PATH, async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const q = request.query as Record<string, unknown>;
      const ending = typeof q.fin === 'string' ? q.fin.slice(0, 63) : null;
      return sendHtml(reply, finalArchivesPage(ctx, { archives: await archives.finalsForUser(request.currentUser!.id), ending, keepDays: (await c.services.settings.archives()).finalKeepDays }));
    });

    app.get(`${FINAL_ARCHIVES_PATH}/:archiveId/telecharger`, async (request, reply) => {
      const archive = await archives.ownFinal(request.currentUser!, archiveIdParam(request));
      if (!archive) throw new AppError('not_found');
      return sendArchive(request, reply, archive, exportFileName(archive.instance_name, archive.name), () => archives.recordFinalExport(request.currentUser!, archive, request.ip));
    });

    /** An archive's bytes: whole (Content-Length, recorded) or one byte range (resuming a download). */
    async function sendArchive(request: FastifyRequest, reply: FastifyReply, archive: Archive, fileName: string, onWhole: () => Promise<void>) {
      const size = Number(archive.size_bytes);
      const etag = `"${archive.sha256}"`;
      reply
        .header('Content-Type', 'application/gzip')
        .header('Content-Disposition', contentDisposition(fileName))
        .header('Accept-Ranges', 'bytes')
        .header('ETag', etag)
        .header('Repr-Digest', `sha-256=:${Buffer.from(archive.sha256, 'hex').toString('base64')}:`)
        .header('Cache-Control', 'private, no-store');
      const ifRange = request.headers['if-range'];
      const header = request.headers.range;
      const ranges = header && (!ifRange || ifRange === etag) ? rangeParser(size, header, { combine: true }) : null;
      if (ranges === -1) return reply.code(416).header('Content-Range', `bytes */${size}`).send();
      if (ranges !== null && ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
        const r = ranges[0]!;
        reply.code(206).header('Content-Range', `bytes ${r.start}-${r.end}/${size}`).header('Content-Length', String(r.end - r.start + 1));
        return reply.send(archives.read(archive, r));
      }
      reply.header('Content-Length', String(size));
      await onWhole();
      return reply.send(archives.read(archive));
    }

    app.post('/instances/:id/archives/:archiveId/supprimer', async (request, reply) => {
      const id = idParam(request);
      const archiveId = archiveIdParam(request);
      const found = await archives.ownArchive(request.currentUser!, id, archiveId);
      if (!found) throw new AppError('not_found');
      const ctx = await pageContext(request, reply);
      const t = translator(archiveMessages, ctx.locale);
      if (!confirmed(request.body)) {
        return sendHtml(reply, confirmPage(ctx, { question: t('deleteConfirm', { name: found.archive.name }), action: `/instances/${id}/archives/${archiveId}/supprimer`, confirmLabel: t('delete'), backHref: `/instances/${id}/archives` }));
      }
      const r = await archives.deleteArchive(request.currentUser!, id, archiveId, true, request.ip);
      if (!r.ok) return show(request, reply, found.instance, { archiveErrors: { archive: errorText(r.error, ctx.locale) } }, statusOf(r.error));
      return reply.redirect(`/instances/${id}/archives?supprimee=1&nom=${encodeURIComponent(found.archive.name)}`, 303);
    });

    app.get('/instances/:id/archives/:archiveId/restaurer', async (request, reply) => {
      const found = await archives.ownArchive(request.currentUser!, idParam(request), archiveIdParam(request));
      if (!found) throw new AppError('not_found');
      return sendHtml(reply, restorePage(await pageContext(request, reply), { ...found, errors: {}, safetyKeepDays: (await c.services.settings.archives()).safetyKeepDays }));
    });

    app.post('/instances/:id/archives/:archiveId/restaurer', async (request, reply) => {
      const id = idParam(request);
      const archiveId = archiveIdParam(request);
      const found = await archives.ownArchive(request.currentUser!, id, archiveId);
      if (!found) throw new AppError('not_found');
      const r = await archives.requestRestore(request.currentUser!, id, archiveId, {
        confirmName: rawStr(request.body, 'confirm_name', 200),
        password: rawStr(request.body, 'password'),
        confirm: rawStr(request.body, 'password_confirm'),
      });
      if (r.ok) return reply.redirect(`/instances/${id}/archives?action=restauration`, 303);
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, restorePage(ctx, { ...found, errors: fieldErrorTexts(r.errors as Record<string, ErrorCode>, ctx.locale), safetyKeepDays: (await c.services.settings.archives()).safetyKeepDays }), 422);
    });
  };
}
