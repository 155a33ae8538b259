import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError, fieldErrorTexts } from '../../errors/app-error.ts';
import { idParam } from '../../web/params.ts';
import { rawStr } from '../../web/forms.ts';
import { requireSignedIn } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { instancesPage } from '../orders/orders.views.ts';
import { instanceMessages } from './instances.messages.ts';
import { planChangeOffers } from './use-cases/request-plan-change.ts';
import { actionsPage, actionsTable, instancePage, it_ } from './instances.views.ts';
import { translator } from '../../web/i18n.ts';
import { features } from '../../web/features.ts';
import { renewalStatus } from './renewal-status.ts';
import { renewalMessages } from './renewal.views.ts';

/** The instance page ("Editer") of the instance named by the URL, with a notice or a refusal (other modules' forms answer with it too). */
export async function showInstancePage(c: Container, pageContext: PageContextFactory, request: FastifyRequest, reply: FastifyReply, extra: { notice?: string; passwordErrors?: Record<string, string>; renewalError?: string } = {}, status = 200) {
  const { instances, settings } = c.services;
  {
    const instance = await instances.ownInstance(request.currentUser!, idParam(request));
    if (!instance) throw new AppError('not_found');
    const ctx = await pageContext(request, reply);
    // Measured by the monitor each minute; measured here only until it has run once.
    const disk = instance.disk_bytes ?? (instance.state === 'active' ? (await c.driver.usage(instance.name)).diskBytes : null);
    return sendHtml(
      reply,
      instancePage(ctx, {
        availability: await c.monitor.availability(instance.id),
        usage: await c.monitor.usageSeries(instance.id),
        sessionsNow: c.frontDoor.sessions.current(instance.name, Date.now()),
        instance,
        restarting: c.driver.runtime(instance.name).state === 'restarting',
        url: c.urls.instance(instance.name),
        plan: (await c.services.instances.effectivePlan(instance)) ?? null,
        canChangePlan: instance.state === 'active' && (await planChangeOffers(c.deps, instance)).offers.length > 0,
        ...(features().renewal ? { renewal: { status: await renewalStatus(c.services, instance, c.services.billing.today()), plans: await settings.plans(), retentionDays: (await settings.lifecycle()).retentionDays } } : {}),
        diskBytes: disk,
        actions: await instances.actionsForInstance(instance.id),
        notice: extra.notice,
        passwordErrors: extra.passwordErrors,
        renewalError: extra.renewalError,
      }),
      status,
    );
  }
}

/** "Vos instances d'hébergement", the instance page ("Editer"), "Mot de passe", and "Vos actions d'hébergement" (live). */
export function instancesRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { instances, orders, settings } = c.services;
  const show = (request: FastifyRequest, reply: FastifyReply, extra: Parameters<typeof showInstancePage>[4] = {}, status = 200) => showInstancePage(c, pageContext, request, reply, extra, status);

  return async (app) => {
    app.addHook('preHandler', requireSignedIn);

    // The customer's instances, and the orders that have none yet.
    app.get('/instances', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const it = translator(instanceMessages, ctx.locale);
      const live = await instances.listForUser(request.currentUser!.id);
      const withInstance = new Set(live.map((i) => i.order_id));
      // Orders that will make an instance (a plan change belongs to its instance's page).
      const pending = (await orders.listForUser(request.currentUser!.id)).filter((o) => o.kind === 'hosting' && o.status !== 'ended' && !withInstance.has(o.id));
      const rows = live.map((i) => ({ id: i.id, name: i.name, plan: i.plan_code, state: i.state, stateLabel: it(`state_${i.state}`), url: c.urls.instance(i.name) }));
      return sendHtml(reply, instancesPage(ctx, pending, await settings.plans(), c.urls.instance, rows));
    });

    app.get('/instances/actions', async (request, reply) => sendHtml(reply, actionsPage(await pageContext(request, reply), await instances.actionsForUser(request.currentUser!.id))));
    app.get('/instances/actions/tableau', { config: { reach: 'fragment' } }, async (request, reply) =>
      sendHtml(reply, actionsTable(await pageContext(request, reply), await instances.actionsForUser(request.currentUser!.id), '/instances/actions/tableau', true)),
    );

    app.get('/instances/:id', async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const ctx = await pageContext(request, reply);
      const rt = translator(renewalMessages, ctx.locale);
      if (q.action === 'planifiee') return show(request, reply, { notice: it_(ctx)('passwordScheduled') });
      if (q.renouvellement === 'annule') return show(request, reply, { notice: rt('cancelled') });
      if (q.renouvellement === 'forfait' && typeof q.devis === 'string' && typeof q.forfait === 'string') return show(request, reply, { notice: rt('planChanged', { plan: q.forfait.slice(0, 40), number: q.devis.slice(0, 20) }) });
      return show(request, reply);
    });

    app.get('/instances/:id/actions', { config: { reach: 'fragment' } }, async (request, reply) => {
      const instance = await instances.ownInstance(request.currentUser!, idParam(request));
      if (!instance) throw new AppError('not_found');
      return sendHtml(reply, actionsTable(await pageContext(request, reply), await instances.actionsForInstance(instance.id), `/instances/${instance.id}/actions`, false));
    });

    app.post('/instances/:id/mot-de-passe', async (request, reply) => {
      const id = idParam(request);
      const result = await instances.requestPasswordChange(request.currentUser!, id, rawStr(request.body, 'password'), rawStr(request.body, 'password_confirm'));
      if (result.ok) return reply.redirect(`/instances/${id}?action=planifiee`, 303);
      const ctx = await pageContext(request, reply);
      return show(request, reply, { passwordErrors: { password: fieldErrorTexts({ password: result.error }, ctx.locale).password! } }, 422);
    });
  };
}
