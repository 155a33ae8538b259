import type { MailStatus } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html, type HtmlChild } from '../../web/html.ts';
import { translator, type Translator } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import { backofficeMessages, type BackofficeMessageKey } from './backoffice.messages.ts';

export type T = Translator<BackofficeMessageKey>;

export interface DashboardCounts {
  customers: number;
  newCustomers: number;
  mailPending: number;
  mailFailed: number;
  /** Diamant requests awaiting their quote */
  diamantRequested?: number;
}

export function tr(ctx: PageContext): T {
  return translator(backofficeMessages, ctx.locale);
}

export type Section = 'dashboard' | 'customers' | 'orders' | 'documents' | 'mail' | 'journal' | 'settings' | 'plans' | 'instances' | 'support';

const SECTIONS: { id: Section; href: string; label: BackofficeMessageKey }[] = [
  { id: 'dashboard', href: '/backoffice', label: 'navDashboard' },
  { id: 'customers', href: '/backoffice/clients', label: 'navCustomers' },
  { id: 'orders', href: '/backoffice/commandes', label: 'navOrders' },
  { id: 'instances', href: '/backoffice/instances', label: 'navInstances' },
  { id: 'documents', href: '/backoffice/documents', label: 'navDocuments' },
  { id: 'support', href: '/backoffice/demandes', label: 'navSupport' },
  { id: 'mail', href: '/backoffice/courriels', label: 'navMail' },
  { id: 'journal', href: '/backoffice/journal', label: 'navJournal' },
  { id: 'settings', href: '/backoffice/reglages', label: 'navSettings' },
  { id: 'plans', href: '/backoffice/forfaits', label: 'navPlans' },
];

/** Every back office page: the site layout, with the back office's own tabs above the content. */
export function backofficePage(ctx: PageContext, opts: { section: Section; title: string; main: HtmlChild }): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: `${opts.title} · ${t('title')}`,
    main: html`<nav class="tabs" aria-label="${t('sectionsLabel')}">
  ${SECTIONS.map((s) => html`<a href="${s.href}"${s.id === opts.section ? html` aria-current="page" class="active"` : ''}>${t(s.label)}</a>`)}
</nav>
${opts.main}`,
  });
}

const STATUS_CLASS: Record<MailStatus, string> = { pending: 'warn', sent: 'ok', outbox: 'ok', failed: 'err' };

export function mailStatusBadge(t: T, status: MailStatus): Html {
  return html`<span class="badge ${STATUS_CLASS[status]}">${t(`status_${status}`)}</span>`;
}

/** A user shown by alias, linked to the customer page when the user is a customer. */
export function userLink(id: number | null, alias: string | null, isCustomer: boolean): HtmlChild {
  if (id === null) return html`<span class="muted">—</span>`;
  const label = alias ?? `#${id}`;
  return isCustomer ? html`<a href="/backoffice/clients/${id}">${label}</a>` : label;
}

export interface PageInfo {
  page: number;
  hasNext: boolean;
  /** the number of pages, when known */
  pages?: number | undefined;
}

/** Previous / next links keeping the other query parameters (search, filter). */
export function pager(t: T, path: string, params: Record<string, string>, info: PageInfo): Html {
  if (info.page <= 1 && !info.hasNext) return html``;
  const href = (page: number) => {
    const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
    if (page > 1) query.set('page', String(page));
    const qs = query.toString();
    return qs ? `${path}?${qs}` : path;
  };
  const label = info.pages ? t('pageOf', { page: info.page, pages: info.pages }) : t('pageN', { page: info.page });
  return html`<nav class="pager" aria-label="${t('pagination')}">
  ${info.page > 1 ? html`<a href="${href(info.page - 1)}" rel="prev">${t('previous')}</a>` : ''}
  <span>${label}</span>
  ${info.hasNext ? html`<a href="${href(info.page + 1)}" rel="next">${t('next')}</a>` : ''}
</nav>`;
}

/** A search form (GET) with its label; keeps the query in the field. */
export function searchForm(t: T, opts: { action: string; q: string; label: string }): Html {
  return html`<form method="get" action="${opts.action}" role="search" class="field">
  <label for="f-q">${opts.label}</label>
  <input id="f-q" name="q" type="search" value="${opts.q}" maxlength="200">
  <div class="actions"><button type="submit" class="small">${t('search')}</button>${opts.q ? html` <a href="${opts.action}">${t('clear')}</a>` : ''}</div>
</form>`;
}

export function dashboardPage(ctx: PageContext, opts: { counts: DashboardCounts; welcome: boolean; outboxMode: boolean }): Html {
  const t = tr(ctx);
  const c = opts.counts;
  const stat = (href: string, label: string, value: number) =>
    html`<a class="tile" href="${href}"><span class="muted">${label}</span><br><strong>${value}</strong></a>`;
  return backofficePage(ctx, {
    section: 'dashboard',
    title: t('navDashboard'),
    main: html`<h1>${t('title')}</h1>
${opts.welcome ? notice('success', t('welcome')) : ''}
${opts.outboxMode ? notice('info', t('outboxMode')) : ''}
${c.mailFailed > 0 ? notice('warning', t('failedWarning', { count: c.mailFailed })) : ''}
<div class="tiles">
  ${stat('/backoffice/clients', t('statCustomers'), c.customers)}
  ${stat('/backoffice/clients', t('statNewCustomers'), c.newCustomers)}
  ${stat('/backoffice/courriels', t('statMailPending'), c.mailPending)}
  ${stat('/backoffice/courriels', t('statMailFailed'), c.mailFailed)}
  ${stat('/backoffice/diamant', t('statDiamant'), c.diamantRequested ?? 0)}
</div>
<h2>${t('navDashboard')}</h2>
<ul>
  <li><a href="/backoffice/clients">${t('navCustomers')}</a></li>
  <li><a href="/backoffice/commandes">${t('navOrders')}</a></li>
  <li><a href="/backoffice/instances">${t('navInstances')}</a></li>
  <li><a href="/backoffice/documents">${t('documentsLink')}</a></li>
  <li><a href="/backoffice/demandes">${t('supportLink')}</a></li>
  <li><a href="/backoffice/diamant">${t('diamantLink')}</a></li>
  <li><a href="/backoffice/courriels">${t('mailTitle')}</a></li>
  <li><a href="/backoffice/journal">${t('journalTitle')}</a></li>
  <li><a href="/backoffice/reglages">${t('settingsLink')}</a></li>
  <li><a href="/backoffice/forfaits">${t('navPlans')}</a></li>
</ul>`,
  });
}
