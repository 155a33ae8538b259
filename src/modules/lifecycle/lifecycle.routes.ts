import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { AppError, errorText } from '../../errors/app-error.ts';
import { frenchDate } from '../../platform/dates.ts';
import { confirmed, confirmPage } from '../../web/confirm.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { features } from '../../web/features.ts';
import { str } from '../../web/forms.ts';
import { requireSignedIn } from '../../web/guards.ts';
import { translator } from '../../web/i18n.ts';
import { sendHtml } from '../../web/pages.ts';
import { idParam } from '../../web/params.ts';
import { showInstancePage } from '../instances/instances.routes.ts';
import { renewalMessages } from '../instances/renewal.views.ts';
import { changeRenewalPlan } from './use-cases/change-renewal-plan.ts';
import { declineRenewal } from './use-cases/decline-renewal.ts';

/**
 * The renewal's two choices on the instance page: "Annuler la commande automatique", and another
 * plan for the renewal. Both answer by going back to the instance page, with a notice or the reason.
 */
export function lifecycleRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  return async (app) => {
    if (!features().renewal) return;
    app.addHook('preHandler', requireSignedIn);

    // Refused: the instance page again, the reason at its top (status 409/422).
    const refused = async (request: FastifyRequest, reply: FastifyReply, error: Parameters<typeof errorText>[0]) => {
      const ctx = await pageContext(request, reply);
      const code = typeof error === 'string' ? error : error.code;
      return showInstancePage(c, pageContext, request, reply, { renewalError: errorText(error, ctx.locale) }, code === 'renewal_plan_invalid' ? 422 : 409);
    };

    app.post('/instances/:id/renouvellement/annuler', async (request, reply) => {
      const id = idParam(request);
      // Without JavaScript (no dialog), the question on a page of its own first.
      if (!confirmed(request.body)) {
        const instance = await c.services.instances.ownInstance(request.currentUser!, id);
        if (!instance) throw new AppError('not_found');
        const ctx = await pageContext(request, reply);
        const t = translator(renewalMessages, ctx.locale);
        const days = (await c.services.settings.lifecycle()).retentionDays;
        const question = t('cancelConfirm', { name: instance.name, end: instance.period_end ? frenchDate(String(instance.period_end)) : '', days });
        return sendHtml(reply, confirmPage(ctx, { question, action: `/instances/${id}/renouvellement/annuler`, confirmLabel: t('cancel'), backHref: `/instances/${id}#renouvellement` }));
      }
      const result = await declineRenewal(c.deps, request.currentUser!, id);
      if (result.ok) return reply.redirect(`/instances/${id}?renouvellement=annule`, 303);
      if (result.error === 'not_found') throw new AppError('not_found');
      return refused(request, reply, result.error);
    });

    app.post('/instances/:id/renouvellement/forfait', async (request, reply) => {
      const id = idParam(request);
      const result = await changeRenewalPlan(c.deps, request.currentUser!, id, str(request.body, 'plan', 40));
      if (result.ok) return reply.redirect(`/instances/${id}?renouvellement=forfait${'quoteNumber' in result ? `&devis=${encodeURIComponent(result.quoteNumber)}&forfait=${encodeURIComponent(result.planName)}` : ''}`, 303);
      if (result.error === 'not_found') throw new AppError('not_found');
      return refused(request, reply, result.params ? ({ code: result.error, params: result.params } as Parameters<typeof errorText>[0]) : result.error);
    });
  };
}
