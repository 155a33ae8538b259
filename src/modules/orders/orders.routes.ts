import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, fieldErrorTexts } from '../../errors/app-error.ts';
import { idParam } from '../../web/params.ts';
import { rawStr, str, type FieldErrors } from '../../web/forms.ts';
import { readValidationStep } from './validation-step.ts';
import { clientMeta, requireSignedIn } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { confirmed, confirmPage } from '../../web/confirm.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import type { OrderErrors } from './orders.service.ts';
import { cancelOrder } from './use-cases/cancel-order.ts';
import { diamantRoutes } from './diamant.routes.ts';
import { validateOrder } from './use-cases/validate-order.ts';
import { orderFormPage, orderPage, ot, type OrderFormValues } from './orders.views.ts';
import { billingValuesOf, type BillingAddressValues } from './order-validation.views.ts';

/** Order error codes → sentences, from the error catalogue (every password rule broken, named). */
function orderErrors(ctx: { locale: 'fr' | 'en' }, errors: OrderErrors): FieldErrors {
  return fieldErrorTexts(errors, ctx.locale);
}

/** "Nouvelle commande d'hébergement" and the order page ("Vos instances d'hébergement" is the instances module's). */
export function ordersRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { orders, settings, billing, payments, paypal } = c.services;
  const instanceUrl = c.urls.instance;

  async function showOrder(request: FastifyRequest, reply: FastifyReply, orderId: number, extra: { notices?: string[]; errors?: OrderErrors; billing?: BillingAddressValues } = {}, status = 200) {
    const user = request.currentUser!;
    const order = await orders.ownOrder(user, orderId);
    if (!order) throw new AppError('not_found');
    const ctx = await pageContext(request, reply);
    const quoteRow = await billing.latestQuoteForOrder(order.id);
    const invoice = quoteRow ? await billing.invoiceForQuote(quoteRow.id) : undefined;
    const terms = await settings.currentTerms();
    const organisation = (await c.services.accounts.getAccount(user.id))?.organisation ?? null;
    // Once paid and provisioned, the order's page leads to its instance.
    const instance = order.status === 'paid' || order.kind !== 'hosting' ? (await c.services.instances.listForUser(user.id)).find((i) => i.order_id === order.id || i.id === order.instance_id) : undefined;
    return sendHtml(
      reply,
      orderPage(ctx, {
        order,
        plan: await settings.plan(order.plan_code),
        fromPlanName: order.from_plan_code ? ((await settings.plan(order.from_plan_code))?.name ?? null) : null,
        instanceUrl,
        termsVersion: terms?.version ?? null,
        quote: quoteRow ? { id: quoteRow.id, content: quoteRow.content as BillingDocument, state: await billing.stateOf(quoteRow) } : null,
        invoice: invoice ? { number: invoice.number } : null,
        instance: instance ? { id: instance.id, state: instance.state, stateLabel: c.services.instances.stateLabel(instance.state, ctx.locale), url: c.urls.instance(instance.name) } : null,
        ...(quoteRow ? await payments.balance(quoteRow) : { paidCents: 0, dueCents: 0 }),
        paypalEnabled: paypal.enabled,
        notices: extra.notices ?? [],
        errors: orderErrors(ctx, extra.errors ?? {}),
        organisationName: organisation?.name ?? '',
        billing: extra.billing ?? billingValuesOf(organisation),
      }),
      status,
    );
  }

  function formValues(body: unknown): OrderFormValues & { password: string; confirm: string } {
    return {
      instance_name: str(body, 'instance_name', 60).toLowerCase(),
      plan: str(body, 'plan', 40),
      flavour: str(body, 'flavour', 40),
      payment_method: str(body, 'payment_method', 20),
      password: rawStr(body, 'password'),
      confirm: rawStr(body, 'password_confirm'),
    };
  }

  return async (app) => {
    app.addHook('preHandler', requireSignedIn);
    await app.register(diamantRoutes(c, pageContext, showOrder));

    app.get('/instances/nouvelle', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const plans = await settings.plans();
      const q = request.query as Record<string, unknown>;
      const plan = typeof q.forfait === 'string' && plans.some((p) => p.code === q.forfait) ? q.forfait : (plans[0]?.code ?? '');
      return sendHtml(reply, orderFormPage(ctx, { plans, instanceUrl, methods: orders.paymentMethods(), values: { instance_name: '', plan, flavour: 'diacamma.asso', payment_method: orders.paymentMethods()[0]! }, errors: {}, orderId: null }));
    });

    app.post('/instances/nouvelle', async (request, reply) => {
      const v = formValues(request.body);
      const result = await orders.saveDraft(request.currentUser!, { instanceName: v.instance_name, planCode: v.plan, flavour: v.flavour, password: v.password, confirm: v.confirm, paymentMethod: v.payment_method }, null);
      if (result.ok) return reply.redirect(`/commandes/${result.orderId}`, 303);
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, orderFormPage(ctx, { plans: await settings.plans(), instanceUrl, methods: orders.paymentMethods(), values: v, errors: orderErrors(ctx, result.errors), orderId: null }), 422);
    });

    app.get('/commandes/:id', async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const ctx = await pageContext(request, reply);
      const t = ot(ctx);
      const notices = q.valide ? [t('validated', { number: String(q.valide).slice(0, 20) })] : q.annulee ? [t('cancelled')] : q.demande ? [t('diamantRequested')] : [];
      return showOrder(request, reply, idParam(request), { notices });
    });

    app.get('/commandes/:id/modifier', async (request, reply) => {
      const order = await orders.ownOrder(request.currentUser!, idParam(request));
      if (!order) throw new AppError('not_found');
      if (order.status !== 'draft') return reply.redirect(`/commandes/${order.id}`, 303);
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, orderFormPage(ctx, { plans: await settings.plans(), instanceUrl, methods: orders.paymentMethods(), values: { instance_name: order.instance_name, plan: order.plan_code, flavour: order.flavour, payment_method: order.payment_method }, errors: {}, orderId: order.id }));
    });

    app.post('/commandes/:id/modifier', async (request, reply) => {
      const id = idParam(request);
      const v = formValues(request.body);
      const result = await orders.saveDraft(request.currentUser!, { instanceName: v.instance_name, planCode: v.plan, flavour: v.flavour, password: v.password, confirm: v.confirm, paymentMethod: v.payment_method }, id);
      if (result.ok) return reply.redirect(`/commandes/${id}`, 303);
      if (result.errors.order) return showOrder(request, reply, id, { errors: result.errors }, 409);
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, orderFormPage(ctx, { plans: await settings.plans(), instanceUrl, methods: orders.paymentMethods(), values: v, errors: orderErrors(ctx, result.errors), orderId: id }), 422);
    });

    // "Valider la commande": the billing address, the CGV box and the validation, in one step.
    app.post('/commandes/:id/valider', async (request, reply) => {
      const id = idParam(request);
      const { billing, acceptTerms, termsVersionShown, address } = readValidationStep(request.body);
      const result = await validateOrder(c.deps, { user: request.currentUser!, orderId: id, acceptTerms, termsVersionShown, address, meta: clientMeta(request) });
      if (result.ok) return reply.redirect(`/commandes/${id}?valide=${encodeURIComponent(result.quoteNumber)}`, 303);
      const conflict = Boolean(result.errors.order || result.errors.instance_name);
      return showOrder(request, reply, id, { errors: result.errors, billing }, conflict ? 409 : 422);
    });

    app.post('/commandes/:id/annuler', async (request, reply) => {
      const id = idParam(request);
      const user = request.currentUser!;
      if (!confirmed(request.body)) {
        const order = await orders.ownOrder(user, id);
        if (!order) throw new AppError('not_found');
        const ctx = await pageContext(request, reply);
        const t = ot(ctx);
        return sendHtml(reply, confirmPage(ctx, { question: t('cancelConfirm', { name: order.instance_name }), action: `/commandes/${id}/annuler`, confirmLabel: t('cancel'), backHref: `/commandes/${id}` }));
      }
      if (!(await cancelOrder(c.deps, user, id, user.id, 'annulée par le client'))) return showOrder(request, reply, id, { errors: { order: 'order_not_draft' } }, 409);
      return reply.redirect(`/commandes/${id}?annulee=1`, 303);
    });
  };
}
