import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { tr } from './accounts.views.ts';

/** The page a confirmation link opens: what will change, and the button that does it (a GET changes nothing). */
export function confirmEmailPage(ctx: PageContext, o: { token: string; email: string; alias: string; target: 'person' | 'organisation' }): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('confirmTitle'),
    main: html`<section class="narrow">
  <h1>${t('confirmTitle')}</h1>
  <p>${o.target === 'person' ? t('confirmPerson', { email: o.email, alias: o.alias }) : t('confirmOrganisation', { email: o.email, alias: o.alias })}</p>
  <form method="post" action="/courriel/confirmer">
    ${csrfField(ctx)}
    <input type="hidden" name="jeton" value="${o.token}">
    <button type="submit">${t('confirmSubmit')}</button>
  </form>
</section>`,
  });
}

export function emailConfirmedPage(ctx: PageContext, o: { email?: string; target?: 'person' | 'organisation'; problem?: string }): Html {
  const t = tr(ctx);
  const title = o.problem ? t('confirmFailedTitle') : t('confirmedTitle');
  return layout(ctx, {
    title,
    main: html`<section class="narrow">
  <h1>${title}</h1>
  ${o.problem ? html`<div class="error-summary" role="alert"><p>${o.problem}</p></div>` : notice('success', o.target === 'organisation' ? t('confirmedOrganisation', { email: o.email ?? '' }) : t('confirmedPerson', { email: o.email ?? '' }))}
  <p><a href="${ctx.user ? '/compte' : '/connexion'}">${ctx.user ? t('toAccount') : t('signInSubmit')}</a></p>
</section>`,
  });
}
