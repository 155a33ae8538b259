import { html, type Html, type HtmlChild } from './html.ts';
import { defineMessages, translator, type Locale } from './i18n.ts';
import type { PageContext } from './context.ts';

const messages = defineMessages({
  fr: {
    skip: 'Aller au contenu',
    home: 'Accueil',
    faq: 'Questions fréquentes',
    terms: 'CGV',
    legal: 'Mentions légales',
    signIn: 'Se connecter',
    signUp: 'Créer un compte',
    signOut: 'Se déconnecter',
    portal: 'Mon espace',
    account: 'Votre compte',
    backoffice: 'Back office',
    language: 'English',
    languageTitle: 'Switch to English',
    poweredBy: 'Propulsé par ecrin',
    mainNav: 'Navigation principale',
  },
  en: {
    skip: 'Skip to content',
    home: 'Home',
    faq: 'FAQ',
    terms: 'Terms of sale',
    legal: 'Legal notice',
    signIn: 'Sign in',
    signUp: 'Create an account',
    signOut: 'Sign out',
    portal: 'My space',
    account: 'Your account',
    backoffice: 'Back office',
    language: 'Français',
    languageTitle: 'Passer en français',
    poweredBy: 'Powered by ecrin',
    mainNav: 'Main navigation',
  },
});

export function switchLanguageUrl(url: string, locale: Locale): string {
  const target = locale === 'fr' ? 'en' : 'fr';
  const [path, query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  params.set('lang', target);
  return `${path}?${params.toString()}`;
}

export interface LayoutOptions {
  title: string;
  main: HtmlChild;
  /** extra content for <head>, rarely needed */
  head?: Html;
}

export function layout(ctx: PageContext, opts: LayoutOptions): Html {
  const t = translator(messages, ctx.locale);
  const user = ctx.user;
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrfToken}">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'>
<title>${opts.title} — ${ctx.siteName}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/htmx.min.js" defer></script>
<script src="/static/app.js" defer></script>
${opts.head}
</head>
<body hx-headers='{"x-csrf-token":"${ctx.csrfToken}"}'>
<a class="skip" href="#main">${t('skip')}</a>
<header class="site-header">
  <a class="brand" href="/">${ctx.siteName}</a>
  <nav aria-label="${t('mainNav')}">
    <ul>
      <li><a href="/">${t('home')}</a></li>
      <li><a href="/faq">${t('faq')}</a></li>
      ${
        user
          ? html`<li><a href="/espace">${t('portal')}</a></li>
      <li><a href="/compte">${t('account')}</a></li>
      ${user.role === 'operator' ? html`<li><a href="/backoffice">${t('backoffice')}</a></li>` : ''}
      <li><form method="post" action="/deconnexion" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><button type="submit" class="link">${t('signOut')}</button></form></li>`
          : html`<li><a href="/connexion">${t('signIn')}</a></li>
      <li><a class="button small" href="/inscription">${t('signUp')}</a></li>`
      }
      <li><a href="${switchLanguageUrl(ctx.url, ctx.locale)}" lang="${ctx.locale === 'fr' ? 'en' : 'fr'}" title="${t('languageTitle')}">${t('language')}</a></li>
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1">
${opts.main}
</main>
<footer class="site-footer">
  <a href="/cgv">${t('terms')}</a> · <a href="/mentions-legales">${t('legal')}</a> · <span>${t('poweredBy')}</span>
</footer>
</body>
</html>`;
}

export function csrfField(ctx: Pick<PageContext, 'csrfToken'>): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;
}
