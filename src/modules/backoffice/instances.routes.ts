import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Container } from '../../container.ts';
import type { DB } from '../../platform/db/schema.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { AppError } from '../../web/errors.ts';
import { idParam, queryOf, pageParam } from '../../web/params.ts';
import { str } from '../../web/forms.ts';
import { clientMeta, requireOperator } from '../../web/guards.ts';
import { sendHtml } from '../../web/pages.ts';
import { instanceDetailPage, instancesListPage, type FailedActionRow, type InstanceListRow, type RetryNotice } from './instances.views.ts';

const PAGE_SIZE = 25;
const FAILED_LIMIT = 20;
const DETAIL_ACTIONS = 50;

function retryNotice(request: FastifyRequest): RetryNotice {
  const v = queryOf(request).relance;
  return v === '1' ? 'retried' : v === '0' ? 'refused' : null;
}

/** The back office's reads of instances and actions (across every customer). */
class InstancesAdminQueries {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  /** Every instance (deleted ones included), newest first, with its customer's alias. */
  list(limit: number, offset: number) {
    return this.#db
      .selectFrom('instances')
      .leftJoin('users', 'users.id', 'instances.user_id')
      .select(['instances.id', 'instances.name', 'instances.user_id', 'instances.plan_code', 'instances.state', 'instances.failure_reason', 'instances.period_end', 'users.alias'])
      .orderBy('instances.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** The latest failed actions of all instances. */
  failedActions(limit: number) {
    return this.#db
      .selectFrom('hosting_actions')
      .innerJoin('instances', 'instances.id', 'hosting_actions.instance_id')
      .select(['hosting_actions.id', 'hosting_actions.kind', 'hosting_actions.attempts', 'hosting_actions.last_error', 'hosting_actions.finished_at', 'hosting_actions.created_at', 'instances.id as instance_id', 'instances.name as instance_name'])
      .where('hosting_actions.state', '=', 'failed')
      .orderBy('hosting_actions.id', 'desc')
      .limit(limit)
      .execute();
  }

  actions(instanceId: number, limit: number) {
    return this.#db
      .selectFrom('hosting_actions')
      .select(['id', 'kind', 'state', 'attempts', 'last_error', 'created_at', 'started_at', 'finished_at'])
      .where('instance_id', '=', instanceId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async alias(userId: number): Promise<string | null> {
    const row = await this.#db.selectFrom('users').select('alias').where('id', '=', userId).executeTakeFirst();
    return row?.alias ?? null;
  }
}

/** "Instances" (operator only): every instance, its actions, and failed actions run again. */
export function instancesRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { instances, settings } = c.services;
  const q = new InstancesAdminQueries(c.database.db);
  const planNames = async () => new Map((await settings.plans()).map((p) => [p.code, p.name]));

  return async (app) => {
    app.addHook('preHandler', requireOperator);

    app.get('/backoffice/instances', async (request, reply) => {
      const page = pageParam(request);
      const [rows, failed, plans] = await Promise.all([q.list(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE), q.failedActions(FAILED_LIMIT), planNames()]);
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
      return sendHtml(reply, instancesListPage(ctx, { rows: shown, failed: failedRows, page: { page, hasNext: rows.length > PAGE_SIZE }, notice: retryNotice(request) }));
    });

    app.get('/backoffice/instances/:id', async (request, reply) => {
      const instance = await instances.repo.find(idParam(request));
      if (!instance) throw new AppError('not_found');
      const [actions, alias, plans, diskBytes] = await Promise.all([
        q.actions(instance.id, DETAIL_ACTIONS),
        q.alias(instance.user_id),
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
          notice: retryNotice(request),
        }),
      );
    });

    /** "Relancer": a failed action goes back to the queue (attempts from zero). */
    app.post('/backoffice/actions/:id/relancer', async (request, reply) => {
      const id = idParam(request);
      const action = await instances.repo.findAction(id);
      if (!action) throw new AppError('not_found');
      const ok = await instances.retryAction(id);
      if (ok) {
        const instance = await instances.repo.find(action.instance_id);
        await c.services.audit.record({ action: 'action.retried', actorUserId: request.currentUser!.id, subjectUserId: instance?.user_id ?? null, ip: clientMeta(request).ip, at: c.clock.now(), details: { actionId: id, instanceId: action.instance_id, kind: action.kind } });
      }
      const back = str(request.body, 'depuis', 20) === 'instance' ? `/backoffice/instances/${action.instance_id}` : '/backoffice/instances';
      return reply.redirect(`${back}?relance=${ok ? '1' : '0'}`, 303);
    });
  };
}
