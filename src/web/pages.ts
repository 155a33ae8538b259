import type {} from '@fastify/csrf-protection';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SettingsService } from '../modules/settings/settings.service.ts';
import type { DomainError } from '../errors/app-error.ts';
import type { PageContext } from './context.ts';
import { errorMessages, errorText, type ErrorCode } from './errors.ts';
import { samePortalPath } from './guards.ts';
import { html, type Html } from './html.ts';
import { translator } from './i18n.ts';
import { layout } from './layout.ts';
import type { PortalMenu } from './portal-menu.ts';
import { csrfTokenFor } from './security/csrf.ts';

export function sendHtml(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(page.value);
}

export function makePageContext(settings: SettingsService, menu: PortalMenu) {
  return async function pageContext(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
    let csrfToken = '';
    try {
      csrfToken = csrfTokenFor(request, reply);
    } catch {
      // no CSRF secret can be made (e.g. cookies unusable): forms on this page will be refused
    }
    return {
      locale: request.locale,
      user: request.currentUser,
      csrfToken,
      // The language switch links back here: only ever to a path of this site (never `//other.example`).
      url: samePortalPath(request.url) ?? '/',
      siteName: (await settings.operatorIdentity()).tradeName,
      nav: await menu.nav(request.currentUser, request.locale),
    };
  };
}

/** `partial`: asked by htmx for a part of a page (the page's form is gone once the error shows). */
export function errorPage(ctx: PageContext, error: ErrorCode | DomainError, requestId?: string, partial = false): Html {
  const t = translator(errorMessages, ctx.locale);
  const code = typeof error === 'string' ? error : error.code;
  const title = code === 'not_found' || code === 'unknown_host' || code === 'no_such_instance' ? t('title_404') : t('title_error');
  return layout(ctx, {
    title,
    main: html`<section class="narrow">
  <h1>${title}</h1>
  <p>${errorText(error, ctx.locale)}</p>
  ${code === 'internal' && requestId ? html`<p class="muted">${t('reference', { id: requestId })}</p>` : ''}
  ${code.startsWith('text_') ? html`<p>${t(partial ? 'back_form_partial' : 'back_form')}</p>` : ''}
  <p><a href="/">${t('back_home')}</a></p>
</section>`,
  });
}
