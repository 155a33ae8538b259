import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime, type Locale } from '../../web/i18n.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS, isAuditAction } from './backoffice.messages.ts';
import { backofficePage, pager, tr, userLink, type PageInfo, type T } from './backoffice.views.ts';
import { asCards } from '../../web/table.ts';

export type AuditRow = Awaited<ReturnType<AuditService['list']>>[number];

export function actionLabel(action: string, locale: Locale): string {
  return isAuditAction(action) ? AUDIT_ACTION_LABELS[action][locale] : action;
}

function compactDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  const text = typeof details === 'string' ? details : JSON.stringify(details);
  return text === '{}' ? '' : text;
}

/** Audit entries as a table; `customers` holds the user ids that get a link to their customer page. */
export function auditTable(ctx: PageContext, t: T, rows: readonly AuditRow[], customers: ReadonlySet<number>, opts: { showSubject?: boolean } = {}): Html {
  const showSubject = opts.showSubject ?? true;
  return asCards(html`<table>
  <thead><tr><th scope="col">${t('date')}</th><th scope="col">${t('action')}</th><th scope="col">${t('actor')}</th>${showSubject ? html`<th scope="col">${t('subjectUser')}</th>` : ''}<th scope="col">${t('ip')}</th><th scope="col">${t('details')}</th></tr></thead>
  <tbody>
  ${rows.map(
    (r) => html`<tr>
    <td>${formatDateTime(r.at, ctx.locale)}</td>
    <td>${actionLabel(r.action, ctx.locale)}<br><code class="muted">${r.action}</code></td>
    <td>${userLink(r.actor_user_id, r.actor_alias, r.actor_user_id !== null && customers.has(r.actor_user_id))}</td>
    ${showSubject ? html`<td>${userLink(r.subject_user_id, r.subject_alias, r.subject_user_id !== null && customers.has(r.subject_user_id))}</td>` : ''}
    <td>${r.ip ?? ''}</td>
    <td><code>${compactDetails(r.details)}</code></td>
  </tr>`,
  )}
  </tbody>
</table>`);
}

export function journalPage(
  ctx: PageContext,
  opts: { rows: readonly AuditRow[]; customers: ReadonlySet<number>; action: string; page: PageInfo },
): Html {
  const t = tr(ctx);
  return backofficePage(ctx, {
    section: 'journal',
    title: t('journalTitle'),
    main: html`<h1>${t('journalTitle')}</h1>
<form method="get" action="/backoffice/journal" class="field">
  <label for="f-action">${t('action')}</label>
  <select id="f-action" name="action">
    <option value="">${t('allActions')}</option>
    ${AUDIT_ACTIONS.map((a) => html`<option value="${a}"${opts.action === a ? html` selected` : ''}>${AUDIT_ACTION_LABELS[a][ctx.locale]} (${a})</option>`)}
  </select>
  <div class="actions"><button type="submit" class="small">${t('filter')}</button>${opts.action ? html` <a href="/backoffice/journal">${t('clear')}</a>` : ''}</div>
</form>
${opts.rows.length === 0 ? html`<p class="muted">${t('noJournal')}</p>` : auditTable(ctx, t, opts.rows, opts.customers)}
${pager(t, '/backoffice/journal', { action: opts.action }, opts.page)}`,
  });
}
