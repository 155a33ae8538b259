import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { translator, type Locale, type Translator } from '../../web/i18n.ts';
import { fieldErrorTexts } from '../../errors/app-error.ts';
import { csrfField, layout } from '../../web/layout.ts';
import type { PortalTile } from '../../web/portal-menu.ts';
import { accountMessages, type AccountMessageKey } from './accounts.messages.ts';
import type { FieldErrorCodes } from './accounts.validation.ts';

export type T = Translator<AccountMessageKey>;

export function tr(ctx: PageContext): T {
  return translator(accountMessages, ctx.locale);
}

/** Field error codes → sentences (from the error catalogue) in the page's language. */
export function fieldErrors(locale: Locale, codes: FieldErrorCodes): FieldErrors {
  return fieldErrorTexts(codes, locale);
}


/** The hidden field that carries a same-site return path through a form. */
function returnField(returnTo: string | null | undefined): Html {
  return returnTo ? html`<input type="hidden" name="retour" value="${returnTo}">` : html``;
}

export function signUpPage(ctx: PageContext, values: Record<string, string> = {}, errors: FieldErrors = {}, returnTo: string | null = null): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('signUpTitle'),
    main: html`<section class="narrow">
  <h1>${t('signUpTitle')}</h1>
  <p>${t('signUpIntro')}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/inscription" novalidate>
    ${csrfField(ctx)}
    ${returnField(returnTo)}
    ${field({ name: 'alias', label: t('alias'), hint: t('aliasHint'), value: values.alias, required: true, autocomplete: 'username', error: errors.alias, maxlength: 40 })}
    ${field({ name: 'name', label: t('name'), value: values.name, required: true, autocomplete: 'name', error: errors.name, maxlength: 120 })}
    ${field({ name: 'email', label: t('email'), type: 'email', value: values.email, required: true, autocomplete: 'email', error: errors.email, maxlength: 254 })}
    ${field({ name: 'organisation', label: t('organisation'), value: values.organisation, required: true, autocomplete: 'organization', error: errors.organisation, maxlength: 200 })}
    <button type="submit">${t('signUpSubmit')}</button>
  </form>
  <p>${t('haveAccount')} <a href="/connexion${returnTo ? `?retour=${encodeURIComponent(returnTo)}` : ''}">${t('signInSubmit')}</a></p>
</section>`,
  });
}

export function signUpDonePage(ctx: PageContext, email: string): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('signUpDoneTitle'),
    main: html`<section class="narrow">
  <h1>${t('signUpDoneTitle')}</h1>
  ${notice('success', t('signUpDone', { email }))}
</section>`,
  });
}

export function signInPage(
  ctx: PageContext,
  opts: { identifier?: string; returnTo?: string | null; problem?: string } = {},
): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('signInTitle'),
    main: html`<section class="narrow">
  <h1>${t('signInTitle')}</h1>
  ${opts.problem ? html`<div class="error-summary" role="alert"><p>${opts.problem}</p></div>` : ''}
  <form method="post" action="/connexion">
    ${csrfField(ctx)}
    ${returnField(opts.returnTo)}
    ${field({ name: 'identifier', label: t('identifier'), value: opts.identifier, required: true, autocomplete: 'username', autofocus: !opts.identifier, maxlength: 254 })}
    ${field({ name: 'password', label: t('password'), type: 'password', required: true, autocomplete: 'current-password', autofocus: !!opts.identifier })}
    <button type="submit">${t('signInSubmit')}</button>
  </form>
  <p><a href="/mot-de-passe-oublie">${t('forgot')}</a></p>
  <p>${t('noAccount')} <a href="/inscription${opts.returnTo ? `?retour=${encodeURIComponent(opts.returnTo)}` : ''}">${t('signUpTitle')}</a></p>
</section>`,
  });
}

export function forgotPage(ctx: PageContext, opts: { email?: string; done?: boolean; error?: string } = {}): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('forgotTitle'),
    main: html`<section class="narrow">
  <h1>${t('forgotTitle')}</h1>
  ${opts.done ? notice('success', t('forgotDone', { email: opts.email ?? '' })) : html`<p>${t('forgotIntro')}</p>`}
  ${forgotForm(ctx, t, opts.email, opts.error)}
</section>`,
  });
}

function forgotForm(ctx: PageContext, t: T, email?: string, error?: string): Html {
  return html`<form method="post" action="/mot-de-passe-oublie" novalidate>
    ${csrfField(ctx)}
    ${field({ name: 'email', label: t('email'), type: 'email', value: email, required: true, autocomplete: 'email', error, maxlength: 254 })}
    <button type="submit">${t('forgotSubmit')}</button>
  </form>`;
}

export function setPasswordPage(
  ctx: PageContext,
  opts: { token: string; alias: string; email: string; returnTo?: string | null; errors?: FieldErrors },
): Html {
  const t = tr(ctx);
  const errors = opts.errors ?? {};
  return layout(ctx, {
    title: t('setTitle'),
    main: html`<section class="narrow">
  <h1>${t('setTitle')}</h1>
  <p>${t('setIntro', { alias: opts.alias })}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/mot-de-passe/definir" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="jeton" value="${opts.token}">
    ${returnField(opts.returnTo)}
    <input type="hidden" name="username" value="${opts.alias}" autocomplete="username">
    ${field({ name: 'password', label: t('newPassword'), type: 'password', hint: t('passwordHint'), required: true, autocomplete: 'new-password', error: errors.password, autofocus: true })}
    ${field({ name: 'password_confirm', label: t('confirm'), type: 'password', required: true, autocomplete: 'new-password' })}
    <button type="submit">${t('setSubmit')}</button>
  </form>
</section>`,
  });
}

export function badLinkPage(ctx: PageContext, reason: 'unknown' | 'expired' | 'used'): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('linkBadTitle'),
    main: html`<section class="narrow">
  <h1>${t('linkBadTitle')}</h1>
  <p>${t(`link_${reason}`)}</p>
  <p>${t('linkAgain')}</p>
  ${forgotForm(ctx, t)}
</section>`,
  });
}

export function operatorSetupPage(ctx: PageContext, token: string, values: Record<string, string> = {}, errors: FieldErrors = {}): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('setupTitle'),
    main: html`<section class="narrow">
  <h1>${t('setupTitle')}</h1>
  <p>${t('setupIntro')}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/installation" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="jeton" value="${token}">
    ${field({ name: 'alias', label: t('alias'), hint: t('aliasHint'), value: values.alias, required: true, autocomplete: 'username', error: errors.alias, maxlength: 40 })}
    ${field({ name: 'name', label: t('name'), value: values.name, required: true, autocomplete: 'name', error: errors.name, maxlength: 120 })}
    ${field({ name: 'email', label: t('email'), type: 'email', value: values.email, required: true, autocomplete: 'email', error: errors.email, maxlength: 254 })}
    ${field({ name: 'password', label: t('password'), type: 'password', hint: t('passwordHint'), required: true, autocomplete: 'new-password', error: errors.password })}
    ${field({ name: 'password_confirm', label: t('confirm'), type: 'password', required: true, autocomplete: 'new-password' })}
    <button type="submit">${t('setupSubmit')}</button>
  </form>
</section>`,
  });
}

export function portalHomePage(ctx: PageContext, tiles: PortalTile[], notices: string[], banners: readonly Html[] = []): Html {
  const t = tr(ctx);
  const user = ctx.user!;
  return layout(ctx, {
    title: t('portalTitle'),
    main: html`<section>
  ${notices.map((n) => notice('success', n))}
  <h1>${t('portalHello', { name: user.name })}</h1>
  ${banners}
  <ul class="tiles portal-tiles" aria-label="${t('portalTitle')}">
    ${tiles.map(
      (tile) => html`<li class="tile" id="${tile.id}">
      <a class="tile-link" href="${tile.href}">${tile.label}</a>
      <p class="tile-hint">${tile.hint}</p>
      ${tile.waiting.length > 0 ? html`<ul class="tile-waiting">${tile.waiting.map((w) => html`<li><span class="badge warn">${w}</span></li>`)}</ul>` : ''}
    </li>`,
    )}
  </ul>
</section>`,
  });
}
