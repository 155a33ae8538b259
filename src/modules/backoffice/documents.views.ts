import { frenchDate } from '../../platform/dates.ts';
import type { OrderStatus } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime, formatMoney } from '../../web/i18n.ts';
import type { DocumentState } from '../billing/document-state.ts';
import type { DocumentKind } from '../billing/document.types.ts';
import { backofficePage, pager, searchForm, tr, type PageInfo } from './backoffice.views.ts';
import { mt, type MT } from './money.messages.ts';
import { asCards } from '../../web/table.ts';

export const ORDER_STATUSES: readonly OrderStatus[] = ['draft', 'requested', 'validated', 'paid', 'expired', 'cancelled'];
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['quote', 'invoice', 'credit_note'];

const STATE_CLASS: Record<DocumentState, string> = { to_pay: 'warn', to_accept: 'warn', accepted: 'ok', refused: 'err', paid: 'ok', issued: 'ok', expired: 'err', cancelled: 'err' };
const ORDER_CLASS: Record<OrderStatus, string> = { draft: '', requested: 'warn', validated: 'warn', paid: 'ok', expired: 'err', cancelled: 'err', ended: '' };

export function documentStateBadge(t: MT, state: DocumentState): Html {
  return html`<span class="badge ${STATE_CLASS[state]}">${t(`state_${state}`)}</span>`;
}

export function orderStatusBadge(t: MT, status: OrderStatus): Html {
  return html`<span class="badge ${ORDER_CLASS[status]}">${t(`order_${status}`)}</span>`;
}

export function documentLink(number: string): Html {
  return html`<a href="/backoffice/documents/${number}">${number}</a>`;
}

export interface OrderListRow {
  id: number;
  status: OrderStatus;
  instance_name: string;
  plan_code: string;
  created_at: Date;
  validated_at: Date | null;
  paid_at: Date | null;
  alias: string;
  organisation_name: string;
  userId: number | null;
  quoteNumber: string | null;
  planName: string;
}

/** A GET filter: one select and its button, keeping the current choice. */
function filterForm(opts: { action: string; name: string; label: string; all: string; value: string; options: { value: string; label: string }[]; clear: string; submit: string }): Html {
  return html`<form method="get" action="${opts.action}" class="field">
  <label for="f-${opts.name}">${opts.label}</label>
  <select id="f-${opts.name}" name="${opts.name}">
    <option value="">${opts.all}</option>
    ${opts.options.map((o) => html`<option value="${o.value}"${o.value === opts.value ? html` selected` : ''}>${o.label}</option>`)}
  </select>
  <div class="actions"><button type="submit" class="small">${opts.submit}</button>${opts.value ? html` <a href="${opts.action}">${opts.clear}</a>` : ''}</div>
</form>`;
}

export function ordersPage(ctx: PageContext, opts: { rows: readonly OrderListRow[]; status: string; total: number; page: PageInfo }): Html {
  const t = mt(ctx);
  const b = tr(ctx);
  const date = (d: Date | null) => (d ? formatDateTime(new Date(d), ctx.locale) : html`<span class="muted">—</span>`);
  return backofficePage(ctx, {
    section: 'orders',
    title: t('ordersTitle'),
    main: html`<h1>${t('ordersTitle')}</h1>
${filterForm({ action: '/backoffice/commandes', name: 'statut', label: b('status'), all: t('allStatuses'), value: opts.status, options: ORDER_STATUSES.map((s) => ({ value: s, label: t(`order_${s}`) })), clear: b('clear'), submit: b('filter') })}
${
  opts.rows.length === 0
    ? html`<p class="muted">${t('noOrders')}</p>`
    : asCards(html`<p class="muted">${b('resultCount', { count: opts.total })}</p>
<table>
  <thead><tr><th scope="col">${t('colOrder')}</th><th scope="col">${b('customer')}</th><th scope="col">${t('colInstance')}</th><th scope="col">${t('colPlan')}</th><th scope="col">${b('status')}</th><th scope="col">${t('colCreated')}</th><th scope="col">${t('colValidated')}</th><th scope="col">${t('colPaid')}</th><th scope="col">${t('colQuote')}</th></tr></thead>
  <tbody>
  ${opts.rows.map(
    (r) => html`<tr data-order="${r.id}">
    <td>${r.id}</td>
    <td>${r.userId === null ? r.alias : html`<a href="/backoffice/clients/${r.userId}">${r.alias}</a>`}<br><span class="muted">${r.organisation_name}</span></td>
    <td>${r.instance_name}</td>
    <td>${r.planName}</td>
    <td>${orderStatusBadge(t, r.status)}</td>
    <td>${date(r.created_at)}</td>
    <td>${date(r.validated_at)}</td>
    <td>${date(r.paid_at)}</td>
    <td>${r.quoteNumber ? documentLink(r.quoteNumber) : html`<span class="muted">—</span>`}</td>
  </tr>`,
  )}
  </tbody>
</table>`)
}
${pager(b, '/backoffice/commandes', { statut: opts.status }, opts.page)}`,
  });
}

export interface DocumentListRow {
  kind: DocumentKind;
  number: string;
  issue_date: string;
  valid_until: string | null;
  due_date: string | null;
  gross_cents: number;
  user_id: number | null;
  user_alias: string | null;
  related_number: string | null;
  invoice_number: string | null;
  paid_cents: number;
  state: DocumentState;
}

export function documentsPage(ctx: PageContext, opts: { rows: readonly DocumentListRow[]; kind: string; q: string; total: number; page: PageInfo }): Html {
  const t = mt(ctx);
  const b = tr(ctx);
  const empty = opts.q ? t('noDocumentMatch', { q: opts.q }) : t('noDocuments');
  return backofficePage(ctx, {
    section: 'documents',
    title: t('documentsTitle'),
    main: html`<h1>${t('documentsTitle')}</h1>
${filterForm({ action: '/backoffice/documents', name: 'type', label: t('colKind'), all: t('allKinds'), value: opts.kind, options: DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`kind_${k}`) })), clear: b('clear'), submit: b('filter') })}
${searchForm(b, { action: '/backoffice/documents', q: opts.q, label: t('searchDocumentsLabel') })}
${
  opts.rows.length === 0
    ? html`<p class="muted">${empty}</p>`
    : asCards(html`<p class="muted">${b('resultCount', { count: opts.total })}</p>
<table>
  <thead><tr><th scope="col">${t('colNumber')}</th><th scope="col">${t('colKind')}</th><th scope="col">${t('colCustomer')}</th><th scope="col">${t('colIssued')}</th><th scope="col">${t('colDue')}</th><th scope="col">${t('colAmount')}</th><th scope="col">${t('colState')}</th><th scope="col">${t('colRelated')}</th><th scope="col">${t('colPdf')}</th></tr></thead>
  <tbody>
  ${opts.rows.map((d) => {
    const limit = d.valid_until ?? d.due_date;
    const partial = d.kind === 'quote' && d.state !== 'paid' && d.paid_cents > 0;
    return html`<tr data-document="${d.number}">
    <td>${documentLink(d.number)}</td>
    <td>${t(`kind_${d.kind}`)}</td>
    <td>${d.user_id === null ? html`<span class="muted">—</span>` : html`<a href="/backoffice/clients/${d.user_id}">${d.user_alias ?? `#${d.user_id}`}</a>`}</td>
    <td>${frenchDate(d.issue_date)}</td>
    <td>${limit ? frenchDate(limit) : html`<span class="muted">—</span>`}</td>
    <td>${formatMoney(d.gross_cents, ctx.locale)}${partial ? html`<br><span class="muted">${t('receivedSoFar', { amount: formatMoney(d.paid_cents, ctx.locale) })}</span>` : ''}</td>
    <td>${documentStateBadge(t, d.state)}</td>
    <td>${d.related_number ? documentLink(d.related_number) : ''}${d.invoice_number ? documentLink(d.invoice_number) : ''}</td>
    <td><a href="/factures/${d.number}.pdf">${t('pdf')}</a></td>
  </tr>`;
  })}
  </tbody>
</table>`)
}
${pager(b, '/backoffice/documents', { type: opts.kind, q: opts.q }, opts.page)}`,
  });
}
