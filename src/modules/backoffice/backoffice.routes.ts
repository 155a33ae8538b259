import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { requireOperator } from '../../web/guards.ts';
import { html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { sendHtml } from '../../web/pages.ts';

/** The operator's back office (operator role only). */
export function backofficeRoutes(_c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  return async (app) => {
    app.addHook('preHandler', requireOperator);
    app.get('/backoffice', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, layout(ctx, { title: 'Back office', main: html`<h1>Back office</h1>` }));
    });
  };
}
