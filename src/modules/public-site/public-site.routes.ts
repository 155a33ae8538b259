import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.ts';
import type { PageContextFactory } from '../../web/context.ts';
import { sendHtml } from '../../web/pages.ts';
import { features } from '../../web/features.ts';
import { renderTermsBody } from '../settings/terms-text.ts';
import { faqPage } from './faq.views.ts';
import { legalNoticePage, termsPage } from './legal.views.ts';
import { homePage } from './public-site.views.ts';

/** The public site: home with the plans, FAQ, CGV and legal notice. All figures come from settings. */
export function publicSiteRoutes(c: Container, pageContext: PageContextFactory): FastifyPluginAsync {
  const { settings } = c.services;
  return async (app) => {
    app.get('/', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, homePage(ctx, await settings.plans(), { instanceUrl: c.urls.instance, paypal: c.services.paypal.enabled, supportForm: features().supportForm }));
    });

    app.get('/faq', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const [identity, plans, lifecycle, archives] = await Promise.all([settings.operatorIdentity(), settings.plans(), settings.lifecycle(), settings.archives()]);
      return sendHtml(reply, faqPage(ctx, { identity, plans, instanceUrl: c.urls.instance, features: features(), paypal: c.services.paypal.enabled, delays: { lifecycle, finalKeepDays: archives.finalKeepDays, safetyKeepDays: archives.safetyKeepDays } }));
    });

    app.get('/cgv', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      const terms = await settings.currentTerms();
      // The CGV speak of the features that exist and of PayPal only when it is configured.
      const shown = terms && { ...terms, body: renderTermsBody(terms.body, { features: features(), paypal: c.services.paypal.enabled }) };
      return sendHtml(reply, termsPage(ctx, shown));
    });

    app.get('/mentions-legales', async (request, reply) => {
      const ctx = await pageContext(request, reply);
      return sendHtml(reply, legalNoticePage(ctx, await settings.operatorIdentity()));
    });
  };
}
