import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { idParam, queryOf, pageParam } from '../../web/params.ts';
import { str } from '../../web/forms.ts';
import { clientMeta, requireOperator } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { restartServer } from '../instances/use-cases/restart-server.ts';
import type { RestartNotice } from './instance-server.views.ts';
import { instanceDetailPage, instancesListPage, type FailedActionRow, type InstanceListRow, type RetryNotice } from './instances.views.ts';

const PAGE_SIZE = 25;
const FAILED_LIMIT = 20;
const DETAIL_ACTIONS = 50;

function retryNotice(request: FastifyRequest): RetryNotice {
  const v = queryOf(request).relance;
  return v === '1' ? 'retried' : v === '0' ? 'refused' : null;
}

const LOG_LINES = 60;

function restartNotice(request: FastifyRequest): RestartNotice {
  const q = queryOf(request);
  if (q.serveur === 'redemarre') return { ok: true };
  if (q.serveur === 'pas-en-echec') return { ok: false, reason: 'not_failed' };
  if (q.serveur === 'echec') return { ok: false, reason: 'start_failed' };
  return null;
}

/** "Instances" (operator only): every instance, its actions, and failed actions run again. */
export function instancesRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { accounts, instances, settings } = c.services;
  const planNames = async () => new Map((await settings.plans()).map((p) => [p.code, p.name]));

  return async (app) => {
    app.addHook('preHandler', requireOperator);

    app.get('/backoffice/instances', async (request, reply) => {
      const page = pageParam(request);
      const [rows, failed, plans] = await Promise.all([instances.listAll(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE), instances.failedActions(FAILED_LIMIT), planNames()]);
      const shown: InstanceListRow[] = rows.slice(0, PAGE_SIZE).map((r) => ({
        id: r.id,
        name: r.name,
        url: c.urls.instance(r.name),
        userId: r.user_id,
        alias: r.alias,
        planName: plans.get(r.plan_code) ?? r.plan_code,
        state: r.state,
        failure_reason: r.failure_reason,
        period_end: r.period_end,
      }));
      const failedRows: FailedActionRow[] = failed.map((a) => ({
        id: a.id,
        kind: a.kind,
        attempts: a.attempts,
        last_error: a.last_error,
        at: a.finished_at ?? a.created_at,
        instanceId: a.instance_id,
        instanceName: a.instance_name,
      }));
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, instancesListPage(ctx, { rows: shown, failed: failedRows, page: { page, hasNext: rows.length > PAGE_SIZE }, notice: retryNotice(request), isolation: c.driver.isolation() }));
    });

    app.get('/backoffice/instances/:id', async (request, reply) => {
      const instance = await instances.find(idParam(request));
      if (!instance) throw new AppError('not_found');
      const [actions, alias, plans, diskBytes] = await Promise.all([
        instances.actionsInDetail(instance.id, DETAIL_ACTIONS),
        accounts.getAccount(instance.user_id).then((a) => a?.user.alias ?? null),
        planNames(),
        // The instance's files may be gone (deleted) or unreadable: the page still shows the rest.
        c.driver.usage(instance.name).then(
          (u) => u.diskBytes,
          () => null,
        ),
      ]);
      const ctx = await pageContext(request, reply);
      return sendHtml(
        reply,
        instanceDetailPage(ctx, {
          instance,
          url: c.urls.instance(instance.name),
          alias,
          planName: plans.get(instance.plan_code) ?? instance.plan_code,
          diskBytes,
          endpoint: c.driver.endpoint(instance.name),
          actions,
          archives: await c.services.archives.list(instance.id),
          notice: retryNotice(request),
          server: {
            instanceId: instance.id,
            runtime: c.driver.runtime(instance.name),
            isolation: c.driver.isolation(),
            log: await c.driver.logTail(instance.name, LOG_LINES),
            canRestart: instance.state === 'failed' && instance.activated_at !== null,
            notice: restartNotice(request),
          },
        }),
      );
    });

    /** "Redémarrer le serveur": an instance put "en échec" by a crash loop runs again. */
    app.post('/backoffice/instances/:id/redemarrer', async (request, reply) => {
      const id = idParam(request);
      const instance = await instances.find(id);
      if (!instance) throw new AppError('not_found');
      const result = await restartServer(c.deps, id, { actorUserId: request.currentUser!.id, ip: clientMeta(request).ip });
      if (result.ok) return reply.redirect(`/backoffice/instances/${id}?serveur=redemarre#serveur`, 303);
      request.log.warn({ instance: instance.name, reason: result.reason, detail: result.detail }, 'instance server restart refused');
      return reply.redirect(`/backoffice/instances/${id}?serveur=${result.reason === 'not_failed' ? 'pas-en-echec' : 'echec'}#serveur`, 303);
    });

    /** "Relancer": a failed action goes back to the queue (attempts from zero). */
    app.post('/backoffice/actions/:id/relancer', async (request, reply) => {
      const id = idParam(request);
      const action = await instances.findAction(id);
      if (!action) throw new AppError('not_found');
      const ok = await instances.retryAction(id, { actorUserId: request.currentUser!.id, ip: clientMeta(request).ip });
      const back = str(request.body, 'depuis', 20) === 'instance' ? `/backoffice/instances/${action.instance_id}` : '/backoffice/instances';
      return reply.redirect(`${back}?relance=${ok ? '1' : '0'}`, 303);
    });
  };
}
