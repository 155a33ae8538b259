import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { sendHtml } from '../../web/pages.ts';
import { homePage } from './public-site.views.ts';

/** The public site: home with the plans, FAQ, CGV and legal notice. All figures come from settings. */
export function publicSiteRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { settings } = c.services;
  return async (app) => {
    app.get('/', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, homePage(ctx, await settings.plans(), c.config.publicDomain));
    });
  };
}
