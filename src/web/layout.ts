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
    portalNav: 'Mon espace',
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
    portalNav: 'My space',
  },
});

export function switchLanguageUrl(url: string, locale: Locale): string {
  const target = locale === 'fr' ? 'en' : 'fr';
  const [path, query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  params.set('lang', target);
  return `${path}?${params.toString()}`;
}

/**
 * ` aria-current="page"` on the link of the page being shown: its href is the longest of `all` that
 * the current path starts with (so "/instances/nouvelle" is not also "/instances").
 */
function current(url: string, href: string, all: string[]): Html {
  const path = url.split('?', 1)[0]!;
  const matches = (h: string) => (h === '/' ? path === '/' : path === h || path.startsWith(`${h}/`));
  const best = all.filter(matches).sort((a, b) => b.length - a.length)[0];
  return best === href ? html` aria-current="page"` : html``;
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
  // An operator's own space is the back office.
  const spaceHref = user?.role === 'operator' ? '/backoffice' : '/espace';
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
  <div class="site-bar">
  <a class="brand" href="/">${ctx.siteName}</a>
  <nav aria-label="${t('mainNav')}">
    <ul>
      <li><a href="/"${current(ctx.url, '/', ['/'])}>${t('home')}</a></li>
      <li><a href="/faq"${current(ctx.url, '/faq', ['/faq'])}>${t('faq')}</a></li>
      ${
        user
          ? html`<li><a href="${spaceHref}"${current(ctx.url, spaceHref, [spaceHref])}>${t('portal')}</a></li>
      ${user.role === 'operator' ? html`<li><a href="/compte"${current(ctx.url, '/compte', ['/compte'])}>${t('account')}</a></li>` : ''}
      <li><form method="post" action="/deconnexion" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><button type="submit" class="link">${t('signOut')}</button></form></li>`
          : html`<li><a href="/connexion"${current(ctx.url, '/connexion', ['/connexion'])}>${t('signIn')}</a></li>
      <li><a class="button small" href="/inscription">${t('signUp')}</a></li>`
      }
      <li><a href="${switchLanguageUrl(ctx.url, ctx.locale)}" lang="${ctx.locale === 'fr' ? 'en' : 'fr'}" title="${t('languageTitle')}">${t('language')}</a></li>
    </ul>
  </nav>
  </div>
  ${
    ctx.nav.length > 0
      ? html`<nav class="portal-nav" aria-label="${t('portalNav')}">
    <ul>${ctx.nav.map((l) => html`<li><a href="${l.href}"${current(ctx.url, l.href, ctx.nav.map((n) => n.href))}>${l.label}</a></li>`)}</ul>
  </nav>`
      : ''
  }
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
