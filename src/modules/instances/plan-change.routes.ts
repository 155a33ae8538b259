import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, errorText } from '../../errors/app-error.ts';
import { features } from '../../web/features.ts';
import { str } from '../../web/forms.ts';
import { clientMeta, requireSignedIn } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { idParam } from '../../web/params.ts';
import { planChangePage, type PlanChangePageState } from './plan-change.views.ts';
import { planChangeOffers, requestPlanChange } from './use-cases/request-plan-change.ts';

/** "Changer de forfait" from the instance page: the offer, then the order and its quote. */
export function planChangeRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { instances, orders, settings } = c.services;

  async function show(request: FastifyRequest, reply: FastifyReply, extra: Partial<Pick<PlanChangePageState, 'values' | 'errors'>> = {}, status = 200) {
    const instance = await instances.ownInstance(request.currentUser!, idParam(request));
    if (!instance || instance.state !== 'active') throw new AppError('not_found');
    const { current, offers } = await planChangeOffers(c.deps, instance);
    const open = await orders.openPlanChange(instance.id);
    const terms = await settings.currentTerms();
    const ctx = await pageContext(request, reply);
    return sendHtml(
      reply,
      planChangePage(ctx, { instance, current, offers, termsVersion: terms?.version ?? null, pendingOrderId: open?.id ?? null, values: extra.values ?? { plan: '', accept: false }, errors: extra.errors ?? {} }),
      status,
    );
  }

  return async (app) => {
    if (!features().upgrade) return;
    app.addHook('preHandler', requireSignedIn);

    app.get('/instances/:id/forfait', (request, reply) => show(request, reply));

    app.post('/instances/:id/forfait', async (request, reply) => {
      const values = { plan: str(request.body, 'plan', 40), accept: str(request.body, 'accept', 1) === '1' };
      const version = Number(str(request.body, 'cgv_version', 10));
      const result = await requestPlanChange(c.deps, request.currentUser!, idParam(request), { planCode: values.plan, accept: values.accept, termsVersion: Number.isSafeInteger(version) && version > 0 ? version : null, ip: clientMeta(request).ip });
      if (result.ok) return reply.redirect(`/commandes/${result.orderId}`, 303);
      if (result.error === 'not_found') throw new AppError('not_found');
      const ctx = await pageContext(request, reply);
      const text = errorText(result.error, ctx.locale);
      const errors = result.field === 'plan' ? { plan: text } : result.field === 'accept' ? { accept: text } : { form: text };
      return show(request, reply, { values, errors }, result.error === 'plan_change_pending' ? 409 : 422);
    });
  };
}
