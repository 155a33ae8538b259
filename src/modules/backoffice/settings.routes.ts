import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { clientMeta, requireOperator } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import {
  changedKeys,
  checkArchives,
  checkBank,
  checkBilling,
  checkIdentity,
  checkLifecycle,
  checkTerms,
  checkVat,
  currentValues,
  fieldOfPath,
  readValues,
  SECTION_IDS,
  type FormErrors,
  type FormValues,
  type SectionId,
} from './settings.forms.ts';
import { st } from './settings.messages.ts';
import { settingsPage } from './settings.views.ts';

function isSection(value: unknown): value is SectionId {
  return typeof value === 'string' && (SECTION_IDS as readonly string[]).includes(value);
}

/** "Réglages": the operator's identity, VAT regime, bank, billing rules, archives, the hosting year's delays and CGV versions. */
export function settingsRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { audit, settings } = c.services;

  async function show(request: FastifyRequest, reply: FastifyReply, opts: { errorSection?: SectionId; submitted?: FormValues; errors?: FormErrors } = {}, status = 200) {
    const [identity, billing, archives, lifecycle, terms, current] = await Promise.all([settings.operatorIdentity(), settings.billing(), settings.archives(), settings.lifecycle(), settings.listTerms(), settings.currentTermsAsWritten()]);
    const values: Record<SectionId, FormValues> = { ...currentValues(identity, billing, archives, lifecycle), cgv: { title: current?.title ?? '', body: current?.body ?? '' } };
    if (opts.errorSection && opts.submitted) values[opts.errorSection] = opts.submitted;
    const ctx = await pageContext(request, reply);
    const t = st(ctx);
    const q = (request.query as Record<string, unknown> | undefined) ?? {};
    let notice: { section: SectionId; text: string } | null = null;
    if (isSection(q.enregistre)) notice = { section: q.enregistre, text: t('saved') };
    else if (isSection(q.inchange)) notice = { section: q.inchange, text: t('unchanged') };
    else if (typeof q.publie === 'string' && /^\d{1,6}$/.test(q.publie)) notice = { section: 'cgv', text: t('published', { version: Number(q.publie) }) };
    return sendHtml(reply, settingsPage(ctx, { values, errorSection: opts.errorSection ?? null, errors: opts.errors ?? {}, notice, terms, finalKeepDays: archives.finalKeepDays, nameQuarantineDays: lifecycle.nameQuarantineDays }), status);
  }

  /** Applies a checked section; returns the keys that changed. */
  async function apply(section: Exclude<SectionId, 'cgv'>, values: FormValues): Promise<{ ok: true; changed: string[] } | { ok: false; errors: FormErrors }> {
    switch (section) {
      case 'identite':
      case 'banque': {
        const checked = section === 'identite' ? checkIdentity(values) : checkBank(values);
        if (!checked.ok) return checked;
        const before = await settings.operatorIdentity();
        return { ok: true, changed: changedKeys(before, await settings.updateOperatorIdentity(checked.patch)) };
      }
      case 'tva': {
        const checked = checkVat(values);
        if (!checked.ok) return checked;
        const [identity, billing] = await Promise.all([settings.operatorIdentity(), settings.billing()]);
        const changed: string[] = [];
        // Billing first: it is the half zod may refuse, and then nothing at all has changed.
        if (billing.vatRatePercent !== checked.patch.vatRatePercent || billing.vatNumber !== checked.patch.vatNumber) {
          changed.push(...changedKeys(billing, await settings.updateBilling({ vatRatePercent: checked.patch.vatRatePercent, vatNumber: checked.patch.vatNumber })));
        }
        if (identity.vatFranchise !== checked.patch.vatFranchise) {
          changed.push(...changedKeys(identity, await settings.updateOperatorIdentity({ vatFranchise: checked.patch.vatFranchise })));
        }
        return { ok: true, changed };
      }
      case 'facturation': {
        const checked = checkBilling(values);
        if (!checked.ok) return checked;
        const before = await settings.billing();
        return { ok: true, changed: changedKeys(before, await settings.updateBilling(checked.patch)) };
      }
      case 'archives': {
        const checked = checkArchives(values);
        if (!checked.ok) return checked;
        const before = await settings.archives();
        return { ok: true, changed: changedKeys(before, await settings.updateArchives(checked.patch)) };
      }
      case 'cycle': {
        // Read by the next daily sweep (the service's cache is refreshed by its own write).
        const checked = checkLifecycle(values);
        if (!checked.ok) return checked;
        const before = await settings.lifecycle();
        return { ok: true, changed: changedKeys(before, await settings.updateLifecycle(checked.patch)) };
      }
      default: {
        const never: never = section;
        throw new Error(`unknown section ${String(never)}`);
      }
    }
  }

  return async (app) => {
    app.addHook('preHandler', requireOperator);

    app.get('/backoffice/reglages', async (request, reply) => show(request, reply));

    // The postal addresses and the CGV text are text areas (their line breaks are kept).
    app.post('/backoffice/reglages/:section', { config: { multilineFields: ['address', 'chequeAddress', 'body', 'supportTiers'] } }, async (request, reply) => {
      const section = (request.params as Record<string, unknown>).section;
      if (!isSection(section)) throw new AppError('not_found');
      const values = readValues(section, request.body);
      const operatorId = request.currentUser!.id;
      const ip = clientMeta(request).ip;
      if (section === 'cgv') {
        const checked = checkTerms(values);
        if (!checked.ok) return show(request, reply, { errorSection: section, submitted: values, errors: checked.errors }, 422);
        const version = await settings.publishTerms(checked.patch.title, checked.patch.body);
        await audit.record({ action: 'terms.published', actorUserId: operatorId, ip, at: c.clock.now(), details: { version, title: checked.patch.title } });
        return reply.redirect(`/backoffice/reglages?publie=${version}#cgv`, 303);
      }
      let result: Awaited<ReturnType<typeof apply>>;
      try {
        result = await apply(section, values);
      } catch (err) {
        // Our checks mirror the service's schema; should they ever drift, say which field, not a stack trace.
        if (!(err instanceof ZodError)) throw err;
        const errors: FormErrors = {};
        for (const issue of err.issues) errors[fieldOfPath(issue.path)] = { key: 'err_refused' };
        result = { ok: false, errors };
      }
      if (!result.ok) return show(request, reply, { errorSection: section, submitted: values, errors: result.errors }, 422);
      if (result.changed.length === 0) return reply.redirect(`/backoffice/reglages?inchange=${section}#${section}`, 303);
      await audit.record({ action: 'settings.updated', actorUserId: operatorId, ip, at: c.clock.now(), details: { section, changed: result.changed } });
      return reply.redirect(`/backoffice/reglages?enregistre=${section}#${section}`, 303);
    });
  };
}
