import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, fieldErrorTexts } from '../../errors/app-error.ts';
import { idParam } from '../../web/params.ts';
import { rawStr, str } from '../../web/forms.ts';
import { readValidationStep } from './validation-step.ts';
import { clientMeta } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { NEEDS_MAX } from './diamant.ts';
import { diamantFormPage, type DiamantFormValues } from './diamant.views.ts';
import type { BillingAddressValues } from './order-validation.views.ts';
import type { OrderErrors } from './orders.service.ts';
import { requestDiamant } from './use-cases/request-diamant.ts';

/**
 * Diamant on the customer's side: the request form (a draft of the custom-quote plan) and "Envoyer
 * la demande de devis" from the order's page; registered inside orders.routes.ts (signed-in only),
 * which renders the order page.
 */
export type ShowOrder = (request: FastifyRequest, reply: FastifyReply, orderId: number, extra: { errors?: OrderErrors; billing?: BillingAddressValues }, status?: number) => Promise<unknown>;

export function diamantRoutes(c: Container, pageContext: PageContextFactory, showOrder: ShowOrder): FastifyPluginAsync {
  const { orders } = c.services;
  const instanceUrl = c.urls.instance;
  const values = (body: unknown): DiamantFormValues & { password: string; confirm: string } => ({
    instance_name: str(body, 'instance_name', 60).toLowerCase(),
    flavour: str(body, 'flavour', 40),
    payment_method: str(body, 'payment_method', 20),
    // one more than allowed: too long is said, never cut silently
    needs: str(body, 'needs', NEEDS_MAX + 1),
    password: rawStr(body, 'password'),
    confirm: rawStr(body, 'password_confirm'),
  });

  return async (app) => {
    app.get('/instances/diamant', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const methods = orders.paymentMethods();
      return sendHtml(reply, diamantFormPage(ctx, { instanceUrl, methods, values: { instance_name: '', flavour: 'diacamma.asso', payment_method: methods[0]!, needs: '' }, errors: {} }));
    });

    app.post('/instances/diamant', { config: { multilineFields: ['needs'] } }, async (request, reply) => {
      const v = values(request.body);
      const result = await orders.saveDiamantDraft(request.currentUser!, { instanceName: v.instance_name, flavour: v.flavour, password: v.password, confirm: v.confirm, paymentMethod: v.payment_method, needs: v.needs });
      if (result.ok) return reply.redirect(`/commandes/${result.orderId}`, 303);
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, diamantFormPage(ctx, { instanceUrl, methods: orders.paymentMethods(), values: v, errors: fieldErrorTexts(result.errors, ctx.locale) }), 422);
    });

    // "Envoyer la demande de devis": the billing address and the CGV, then the request to the operator.
    app.post('/commandes/:id/demander', async (request, reply) => {
      const id = idParam(request);
      const { billing, acceptTerms, termsVersionShown, address } = readValidationStep(request.body);
      const result = await requestDiamant(c.deps, { user: request.currentUser!, orderId: id, acceptTerms, termsVersionShown, address, meta: clientMeta(request) });
      if (result.ok) return reply.redirect(`/commandes/${id}?demande=1`, 303);
      if (!(await orders.ownOrder(request.currentUser!, id))) throw new AppError('not_found');
      const conflict = Boolean(result.errors.order || result.errors.instance_name);
      return showOrder(request, reply, id, { errors: result.errors, billing }, conflict ? 409 : 422);
    });
  };
}
