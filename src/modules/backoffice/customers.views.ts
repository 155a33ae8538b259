import type { Organisation, User } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime, translator } from '../../web/i18n.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { accountMessages } from '../accounts/accounts.messages.ts';
import { formatRegistration } from '../accounts/accounts.validation.ts';
import { backofficePage, pager, searchForm, tr, type PageInfo, type T } from './backoffice.views.ts';
import { auditTable, type AuditRow } from './journal.views.ts';
import { mailTable, type MailRow } from './mail.views.ts';
import { asCards } from '../../web/table.ts';

export type CustomerRow = Awaited<ReturnType<AccountsService['searchCustomers']>>[number];

export function customersPage(ctx: PageContext, opts: { rows: readonly CustomerRow[]; q: string; total: number; page: PageInfo }): Html {
  const t = tr(ctx);
  const empty = opts.q ? t('noCustomerMatch', { q: opts.q }) : t('noCustomers');
  return backofficePage(ctx, {
    section: 'customers',
    title: t('navCustomers'),
    main: html`<h1>${t('navCustomers')}</h1>
${searchForm(t, { action: '/backoffice/clients', q: opts.q, label: t('searchCustomersLabel') })}
${
  opts.rows.length === 0
    ? html`<p class="muted">${empty}</p>`
    : asCards(html`<p class="muted">${t('resultCount', { count: opts.total })}</p>
<table>
  <thead><tr><th scope="col">${t('alias')}</th><th scope="col">${t('name')}</th><th scope="col">${t('email')}</th><th scope="col">${t('organisation')}</th><th scope="col">${t('city')}</th><th scope="col">${t('createdAt')}</th></tr></thead>
  <tbody>
  ${opts.rows.map(
    (r) => html`<tr>
    <td><a href="/backoffice/clients/${r.id}">${r.alias}</a></td>
    <td>${r.name}</td>
    <td>${r.email}${r.email_verified_at ? '' : html`<br><span class="badge warn">${t('linkNotUsed')}</span>`}</td>
    <td>${r.organisation_name ?? ''}</td>
    <td>${r.organisation_city ?? ''}</td>
    <td>${formatDateTime(r.created_at, ctx.locale)}</td>
  </tr>`,
  )}
  </tbody>
</table>`)
}
${pager(t, '/backoffice/clients', { q: opts.q }, opts.page)}`,
  });
}

function detail(t: T, label: string, value: Html | string | null | undefined): Html {
  return html`<dt>${label}</dt><dd>${value ? value : html`<span class="muted">${t('notSet')}</span>`}</dd>`;
}

function countryName(code: string, locale: string): string {
  try {
    return `${new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code} (${code})`;
  } catch {
    return code;
  }
}

function legalFormLabel(ctx: PageContext, value: string): string {
  const key = `legal_${value}`;
  const labels = accountMessages[ctx.locale] as Record<string, string>;
  return Object.hasOwn(labels, key) ? translator(accountMessages, ctx.locale)(key as never) : value;
}

function organisationDetails(ctx: PageContext, t: T, o: Organisation): Html {
  return html`<dl class="details">
  ${detail(t, t('orgName'), o.name)}
  ${detail(t, t('legalForm'), o.legal_form ? legalFormLabel(ctx, o.legal_form) : null)}
  ${detail(t, t('registration'), o.registration_number ? formatRegistration(o.registration_number) : null)}
  ${detail(t, t('address'), o.address)}
  ${detail(t, t('postcode'), o.postcode)}
  ${detail(t, t('city'), o.city)}
  ${detail(t, t('country'), countryName(o.country, ctx.locale))}
  ${detail(t, t('orgEmail'), o.email)}
  ${detail(t, t('phone'), o.phone)}
  ${detail(t, t('createdAt'), formatDateTime(o.created_at, ctx.locale))}
  ${detail(t, t('updatedAt'), formatDateTime(o.updated_at, ctx.locale))}
</dl>`;
}

export function customerPage(
  ctx: PageContext,
  opts: { user: User; organisation: Organisation | null; audit: readonly AuditRow[]; auditCustomers: ReadonlySet<number>; mails: readonly MailRow[] },
): Html {
  const t = tr(ctx);
  const u = opts.user;
  return backofficePage(ctx, {
    section: 'customers',
    title: t('customerTitle', { alias: u.alias }),
    main: html`<p><a href="/backoffice/clients">${t('backToCustomers')}</a></p>
<h1>${t('customerTitle', { alias: u.alias })}</h1>
<h2>${t('person')}</h2>
<dl class="details">
  ${detail(t, t('alias'), u.alias)}
  ${detail(t, t('name'), u.name)}
  ${detail(t, t('email'), html`<a href="mailto:${u.email}">${u.email}</a>`)}
  ${detail(t, t('language'), u.locale === 'fr' ? 'Français' : 'English')}
  ${detail(t, t('createdAt'), formatDateTime(u.created_at, ctx.locale))}
  ${detail(t, t('emailVerified'), u.email_verified_at ? formatDateTime(u.email_verified_at, ctx.locale) : html`<span class="badge warn">${t('linkNotUsed')}</span>`)}
</dl>
<h2>${t('organisation')}</h2>
${opts.organisation ? organisationDetails(ctx, t, opts.organisation) : html`<p class="muted">${t('noOrganisation')}</p>`}
<h2>${t('latestAudit')}</h2>
${opts.audit.length === 0 ? html`<p class="muted">${t('noAudit')}</p>` : auditTable(ctx, t, opts.audit, opts.auditCustomers, { showSubject: false })}
<h2>${t('latestMail')}</h2>
${opts.mails.length === 0 ? html`<p class="muted">${t('noMail')}</p>` : mailTable(ctx, t, opts.mails)}`,
  });
}
