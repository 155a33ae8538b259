import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { str, type FieldErrors } from '../../web/forms.ts';
import { clientMeta, requireOperator } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import type { PlanView } from '../settings/settings.types.ts';
import { parseEuros } from './money.validation.ts';
import { plansPage, pt, type PlanFormValues } from './plans.views.ts';

const GB = 1024 ** 3;

/** Form values → a plan patch, or the fields in error. Empty means "unlimited" or "custom". */
export function readPlanForm(plan: PlanView, v: PlanFormValues): { ok: true; patch: Omit<PlanView, 'code' | 'customQuote'> } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const int = (name: keyof PlanFormValues, max: number): number | null => {
    const text = v[name].trim();
    if (text === '') return null;
    if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > max) {
      errors[name] = 'err_integer';
      return null;
    }
    return Number(text);
  };
  if (!v.name.trim()) errors.name = 'err_required';
  let priceCents: number | null = null;
  if (v.price.trim() === '') {
    if (!plan.customQuote) errors.price = 'err_price_required';
  } else {
    const parsed = parseEuros(v.price);
    if (parsed.ok) priceCents = parsed.cents;
    else errors.price = 'err_price';
  }
  let slaPercent: number | null = null;
  if (v.sla.trim() !== '') {
    const m = /^(\d{2,3})(?:[.,](\d{1,3}))?$/.exec(v.sla.trim());
    const value = m ? Number(`${m[1]}.${m[2] ?? '0'}`) : NaN;
    if (!m || value < 50 || value > 100) errors.sla = 'err_sla';
    else slaPercent = value;
  }
  const bandwidthMbps = int('bandwidth', 100_000);
  const maxSessions = int('sessions', 100_000);
  const storageGb = int('storage', 1_000_000);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, patch: { name: v.name.trim(), priceCents, bandwidthMbps, slaPercent, maxSessions, storageBytes: storageGb === null ? null : storageGb * GB } };
}

/** "Forfaits": the catalogue, edited by the operator; changes apply to new quotes only. */
export function plansRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { settings, audit } = c.services;

  async function show(request: FastifyRequest, reply: FastifyReply, opts: { editing?: { code: string; values: PlanFormValues; errors: FieldErrors } } = {}, status = 200) {
    const ctx = await pageContext(request, reply);
    const saved = (request.query as Record<string, unknown>).enregistre;
    return sendHtml(reply, plansPage(ctx, { plans: await settings.plans(), editing: opts.editing ?? null, saved: typeof saved === 'string' ? saved : null }), status);
  }

  return async (app) => {
    app.addHook('preHandler', requireOperator);
    app.get('/backoffice/forfaits', async (request, reply) => show(request, reply));

    app.post('/backoffice/forfaits/:code', async (request, reply) => {
      const code = (request.params as { code: string }).code;
      const plan = await settings.plan(code);
      if (!plan) throw new AppError('not_found');
      const b = request.body;
      const values: PlanFormValues = { name: str(b, 'name', 80), price: str(b, 'price', 30), bandwidth: str(b, 'bandwidth', 12), sla: str(b, 'sla', 12), sessions: str(b, 'sessions', 12), storage: str(b, 'storage', 12) };
      const read = readPlanForm(plan, values);
      if (!read.ok) {
        const t = pt(await pageContext(request, reply));
        const errors: FieldErrors = Object.fromEntries(Object.entries(read.errors).map(([k, key]) => [k, t(key as never)]));
        return show(request, reply, { editing: { code, values, errors } }, 422);
      }
      await settings.updatePlan(code, read.patch);
      // The front door applies a plan's limits from memory: give it the new ones.
      await c.services.instances.refreshLimits();
      await audit.record({ action: 'settings.updated', actorUserId: request.currentUser!.id, ip: clientMeta(request).ip, at: c.clock.now(), details: { section: 'plans', plan: code, before: plan, after: read.patch } });
      return reply.redirect(`/backoffice/forfaits?enregistre=${encodeURIComponent(code)}#forfait-${code}`, 303);
    });
  };
}
