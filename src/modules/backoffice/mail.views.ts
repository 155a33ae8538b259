import type { MailMessage } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import type { MailService } from '../notifications/mail.service.ts';
import { backofficePage, mailStatusBadge, pager, searchForm, tr, type PageInfo, type T } from './backoffice.views.ts';
import { asCards } from '../../web/table.ts';

export type MailRow = Awaited<ReturnType<MailService['list']>>[number];

/** The mail list: one line per message, the subject linking to the whole message. */
export function mailTable(ctx: PageContext, t: T, rows: readonly MailRow[]): Html {
  return asCards(html`<table>
  <thead><tr><th scope="col">${t('id')}</th><th scope="col">${t('date')}</th><th scope="col">${t('recipients')}</th><th scope="col">${t('subject')}</th><th scope="col">${t('template')}</th><th scope="col">${t('status')}</th></tr></thead>
  <tbody>
  ${rows.map(
    (m) => html`<tr>
    <td>${m.id}</td>
    <td>${formatDateTime(m.created_at, ctx.locale)}</td>
    <td>${m.recipients.join(', ')}</td>
    <td><a href="/backoffice/courriels/${m.id}">${m.subject}</a></td>
    <td><code>${m.template}</code></td>
    <td>${mailStatusBadge(t, m.status)}${m.status === 'failed' && m.last_error ? html`<br><span class="muted">${m.last_error}</span>` : ''}</td>
  </tr>`,
  )}
  </tbody>
</table>`);
}

export function mailListPage(ctx: PageContext, opts: { rows: readonly MailRow[]; q: string; page: PageInfo; outboxMode: boolean }): Html {
  const t = tr(ctx);
  const empty = opts.q ? t('noMailMatch', { q: opts.q }) : t('noMail');
  return backofficePage(ctx, {
    section: 'mail',
    title: t('mailTitle'),
    main: html`<h1>${t('mailTitle')}</h1>
${opts.outboxMode ? notice('info', t('outboxMode')) : ''}
${searchForm(t, { action: '/backoffice/courriels', q: opts.q, label: t('searchMailLabel') })}
${opts.rows.length === 0 ? html`<p class="muted">${empty}</p>` : mailTable(ctx, t, opts.rows)}
${pager(t, '/backoffice/courriels', { q: opts.q }, opts.page)}`,
  });
}

function row(label: string, value: Html | string | number | null): Html {
  return html`<dt>${label}</dt><dd>${value === null || value === '' ? html`<span class="muted">—</span>` : value}</dd>`;
}

export function mailMessagePage(
  ctx: PageContext,
  m: MailMessage,
  opts: { retried?: boolean | undefined; userIsCustomer?: boolean; canReveal?: boolean; revealed?: boolean; revealRefused?: boolean } = {},
): Html {
  const t = tr(ctx);
  return backofficePage(ctx, {
    section: 'mail',
    title: t('mailMessageTitle', { id: m.id }),
    main: html`<p><a href="/backoffice/courriels">${t('backToMail')}</a></p>
<h1>${m.subject}</h1>
${opts.retried === true ? notice('success', t('retried')) : ''}
${opts.retried === false ? notice('warning', t('retryRefused')) : ''}
${opts.revealed ? notice('warning', t('linkRevealed')) : ''}
${opts.revealRefused ? notice('warning', t('linkRevealRefused')) : ''}
${m.holds_link && !opts.revealed ? html`<p class="muted">${m.link_masked_at ? t('linkMaskedSent') : t('linkMasked')}</p>` : ''}
${
  opts.canReveal && !opts.revealed
    ? html`<form method="post" action="/backoffice/courriels/${m.id}/lien">
  ${csrfField(ctx)}
  <p class="muted">${t('revealHint')}</p>
  <button type="submit" class="secondary">${t('reveal')}</button>
</form>`
    : ''
}
<dl class="details">
  ${row(t('id'), m.id)}
  ${row(t('date'), formatDateTime(m.created_at, ctx.locale))}
  ${row(t('recipients'), m.recipients.join(', '))}
  ${row(t('subject'), m.subject)}
  ${row(t('template'), html`<code>${m.template}</code>`)}
  ${row(t('status'), mailStatusBadge(t, m.status))}
  ${row(t('attempts'), m.attempts)}
  ${row(t('sentAt'), m.sent_at ? formatDateTime(m.sent_at, ctx.locale) : null)}
  ${row(t('lastError'), m.last_error)}
  ${row(t('customer'), m.user_id === null ? null : opts.userIsCustomer ? html`<a href="/backoffice/clients/${m.user_id}">#${m.user_id}</a>` : `#${m.user_id}`)}
</dl>
${
  m.status === 'failed'
    ? html`<form method="post" action="/backoffice/courriels/${m.id}/renvoyer">
  ${csrfField(ctx)}
  <p class="muted">${t('retryHint')}</p>
  <button type="submit">${t('retry')}</button>
</form>`
    : ''
}
<h2>${t('textPart')}</h2>
<pre class="mail">${m.text_body}</pre>
<h2>${t('htmlPart')}</h2>
<iframe sandbox="" srcdoc="${m.html_body}" title="${t('htmlFrameTitle')}" width="100%" height="480" referrerpolicy="no-referrer"></iframe>
<p><a href="/backoffice/courriels/${m.id}/html" target="_blank" rel="noopener noreferrer">${t('htmlOpen')}</a></p>`,
  });
}
