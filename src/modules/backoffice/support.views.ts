import type { SupportRequest } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { html, type Html, type HtmlChild } from '../../web/html.ts';
import { formatDateTime } from '../../web/i18n.ts';
import { cardTable } from '../../web/table.ts';
import { formatLabel, subjectLabel } from '../support/support.views.ts';
import { backofficePage, pager, tr, type PageInfo } from './backoffice.views.ts';

function account(ctx: PageContext, r: SupportRequest): HtmlChild {
  return r.user_id === null ? html`<span class="muted">${tr(ctx)('supportNoAccount')}</span>` : html`<a href="/backoffice/clients/${r.user_id}">#${r.user_id}</a>`;
}

/** "Demandes information": every request, newest first. */
export function supportRequestsPage(ctx: PageContext, d: { rows: SupportRequest[]; page: PageInfo }): Html {
  const t = tr(ctx);
  const head = [t('supportNumber'), t('supportDate'), t('supportSubject'), t('supportOrganisation'), t('supportContact'), t('supportFormat'), t('supportAccount')];
  return backofficePage(ctx, {
    section: 'support',
    title: t('supportTitle'),
    main: html`<h1>${t('supportTitle')}</h1>
${
  d.rows.length === 0
    ? html`<p>${t('supportEmpty')}</p>`
    : cardTable(
        head,
        d.rows.map((r) => [
          html`<a href="/backoffice/demandes/${r.id}">${r.id}</a>`,
          formatDateTime(r.created_at, ctx.locale),
          subjectLabel(ctx, r.subject),
          r.organisation,
          html`${r.contact}<br><a href="mailto:${r.email}">${r.email}</a>`,
          formatLabel(ctx, r.format),
          account(ctx, r),
        ]),
      )
}
${pager(t, '/backoffice/demandes', {}, d.page)}`,
  });
}

function row(label: string, value: HtmlChild): Html {
  return value === null || value === '' ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`;
}

function paragraphs(text: string): Html {
  return html`${text.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}`;
}

/** One request, all of it. */
export function supportRequestPage(ctx: PageContext, r: SupportRequest): Html {
  const t = tr(ctx);
  const title = t('supportRequestTitle', { id: r.id });
  return backofficePage(ctx, {
    section: 'support',
    title,
    main: html`<p><a href="/backoffice/demandes">${t('supportBack')}</a></p>
<h1>${title}</h1>
<dl class="details">
  ${row(t('supportDate'), formatDateTime(r.created_at, ctx.locale))}
  ${row(t('supportSubject'), subjectLabel(ctx, r.subject))}
  ${row(t('supportOrganisation'), r.organisation)}
  ${row(t('supportContact'), html`${r.contact} — <a href="mailto:${r.email}">${r.email}</a>`)}
  ${row(t('supportPhone'), r.phone)}
  ${row(t('supportInstance'), r.instance_name)}
  ${row(t('supportDifficulties'), paragraphs(r.difficulties))}
  ${row(t('supportExpectations'), paragraphs(r.expectations))}
  ${row(t('supportFormat'), formatLabel(ctx, r.format))}
  ${row(t('supportAvailability'), r.availability ? paragraphs(r.availability) : '')}
  ${row(t('supportAccount'), account(ctx, r))}
  ${row(t('supportIp'), r.ip ?? '')}
</dl>`,
  });
}
