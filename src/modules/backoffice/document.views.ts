import { frenchDate } from '../../platform/dates.ts';
import type { DocumentRow, Order } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html, type HtmlChild } from '../../web/html.ts';
import { formatDateTime, formatMoney, type Locale } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import { confirmAttr } from '../../web/confirm.ts';
import type { DocumentState } from '../billing/document-state.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import { balanceOf, type PaymentsService } from '../payments/payments.service.ts';
import type { PaymentWarning } from '../payments/use-cases/record-payment.ts';
import { backofficePage } from './backoffice.views.ts';
import { documentLink, documentStateBadge, orderStatusBadge } from './documents.views.ts';
import { checkbox, input, select, textarea } from './form-controls.ts';
import { mt, type MT } from './money.messages.ts';
import { asCards } from '../../web/table.ts';

export type PaymentRow = Awaited<ReturnType<PaymentsService['listForQuote']>>[number];

export interface PaymentFormValues {
  method: string;
  amount: string;
  received_on: string;
  reference: string;
  bank: string;
  confirm: boolean;
}

export interface CreditFormValues {
  amount: string;
  reason: string;
}

export interface DocumentPageData {
  doc: DocumentRow;
  content: BillingDocument;
  state: DocumentState;
  customer: { id: number; alias: string } | null;
  order: Order | null;
  /** quote: the invoice that settles it; credit note / invoice: the document it refers to */
  invoiceNumber: string | null;
  relatedNumber: string | null;
  /** quotes, and an accompaniment's final invoice */
  payments: readonly PaymentRow[];
  paidCents: number;
  /**
   * An accompaniment's quote (its deposit) or final invoice (its balance): what it asks in all, and
   * whether it takes a payment now; null for hosting documents (a quote asks its total).
   */
  support?: { expectedCents: number; takesPayments: boolean } | null;
  replacedBy: string | null;
  canReissue: boolean;
  canCancel: boolean;
  /** invoices */
  creditNotes: readonly DocumentRow[];
  today: string;
  /** quotes: the first day a payment for it can have been received */
  earliestReceipt: string;
  notices: { kind: 'success' | 'info' | 'warning'; text: string }[];
  payment: { values: PaymentFormValues; errors: FieldErrors; warnings?: PaymentWarning[] };
  credit: { values: CreditFormValues; errors: FieldErrors };
}

function row(label: string, value: HtmlChild): Html {
  return html`<dt>${label}</dt><dd>${value === null || value === undefined || value === '' ? html`<span class="muted">—</span>` : value}</dd>`;
}

function money(cents: number, locale: Locale): string {
  return formatMoney(cents, locale);
}

function linesTable(t: MT, c: BillingDocument, locale: Locale): Html {
  return html`<table>
  <thead><tr><th scope="col">${t('colLabel')}</th><th scope="col">${t('colQty')}</th><th scope="col">${t('colUnit')}</th><th scope="col">${t('colVat')}</th><th scope="col">${t('colNet')}</th></tr></thead>
  <tbody>
  ${c.lines.map(
    (l) => html`<tr>
    <td>${l.label}${l.detail ? html`<br><span class="muted">${l.detail}</span>` : ''}${l.periodStart && l.periodEnd ? html`<br><span class="muted">${frenchDate(l.periodStart)} → ${frenchDate(l.periodEnd)}</span>` : ''}</td>
    <td>${l.quantity}</td>
    <td>${money(l.unitPriceCents, locale)}</td>
    <td>${String(l.vatRatePercent).replace('.', locale === 'fr' ? ',' : '.')} %</td>
    <td>${money(l.netCents, locale)}</td>
  </tr>`,
  )}
  </tbody>
</table>
<dl class="details">
  ${row(t('totalNet'), money(c.totals.netCents, locale))}
  ${row(t('totalVat'), c.vatFranchise ? t('vatFranchise') : money(c.totals.vatCents, locale))}
  ${row(t('totalGross'), html`<strong>${money(c.totals.grossCents, locale)}</strong>`)}
</dl>`;
}

function paymentState(t: MT, d: DocumentPageData, p: PaymentRow, locale: Locale): Html {
  if (p.cancelled_at) return html`<span class="badge err">${t('paymentCancelled', { date: formatDateTime(new Date(p.cancelled_at), locale), by: p.cancelled_by_alias ?? '—', reason: p.cancel_reason ?? '' })}</span>`;
  if (p.quote_id !== d.doc.id) return html`<span class="badge warn">${t('carriedTo', { number: p.quote_number ?? '' })}</span> ${documentLink(p.quote_number ?? '')}`;
  return html`<span class="badge ok">${t('paymentInForce')}</span>${p.carried_from_number ? html`<br><span class="muted">${t('carriedFrom', { number: p.carried_from_number })}</span>` : ''}`;
}

function cancelPaymentForm(ctx: PageContext, t: MT, d: DocumentPageData, p: PaymentRow): Html {
  if (p.cancelled_at || p.quote_id !== d.doc.id) return html``;
  const when = frenchDate(String(p.received_on));
  return html`<details class="cancel-payment"><summary>${t('cancelPayment')}</summary>
  <form method="post" action="/backoffice/documents/${d.doc.number}/reglements/${p.id}/annuler"${confirmAttr(t('cancelPaymentConfirm', { amount: money(Number(p.amount_cents), ctx.locale), date: when }))}>
    ${csrfField(ctx)}
    <p class="muted">${t('cancelPaymentHint')}</p>
    ${input({ name: 'reason', label: t('cancelPaymentReason'), maxlength: 200, idPrefix: `p${p.id}`, required: true })}
    <button type="submit" class="danger">${t('cancelPayment')}</button>
  </form>
</details>`;
}

function warningsBlock(t: MT, warnings: readonly PaymentWarning[], locale: Locale): Html {
  if (warnings.length === 0) return html``;
  return html`<div class="notice warning" role="alert" id="payment-warnings"><p><strong>${t('warningsTitle')}</strong></p><ul>
  ${warnings.map((w) => html`<li>${w.code === 'amount_differs' ? t('warnAmountDiffers', { due: money(w.dueCents, locale) }) : t('warnSameReference', { amount: money(w.amountCents, locale), date: frenchDate(w.receivedOn) })}</li>`)}
</ul></div>`;
}

function paymentsSection(ctx: PageContext, t: MT, d: DocumentPageData): Html {
  const locale = ctx.locale;
  const { dueCents: due, overpaidCents: over } = balanceOf(d.support ? d.support.expectedCents : d.doc.gross_cents, d.paidCents);
  const carried = d.payments.filter((p) => p.quote_id === d.doc.id && p.carried_from_quote_id !== null && !p.cancelled_at).reduce((sum, p) => sum + Number(p.amount_cents), 0);
  const v = d.payment.values;
  const warnings = d.payment.warnings ?? [];
  const showForm = d.support ? d.support.takesPayments : d.state === 'to_pay' || d.state === 'paid';
  return html`<h2>${t('paymentsTitle')}</h2>
${carried > 0 ? notice('info', t('carriedNotice', { amount: money(carried, locale) })) : ''}
${
  d.payments.length === 0
    ? html`<p class="muted">${t('noPayments')}</p>`
    : asCards(html`<table>
  <thead><tr><th scope="col">${t('colDate')}</th><th scope="col">${t('colMethod')}</th><th scope="col">${t('colAmount')}</th><th scope="col">${t('colReference')}</th><th scope="col">${t('colBank')}</th><th scope="col">${t('colRecordedBy')}</th><th scope="col">${t('colState')}</th></tr></thead>
  <tbody>
  ${d.payments.map(
    (p) => html`<tr data-payment="${p.id}"${p.cancelled_at || p.quote_id !== d.doc.id ? html` class="muted"` : ''}>
    <td>${frenchDate(String(p.received_on))}</td>
    <td>${t(`method_${p.method}`)}</td>
    <td>${p.cancelled_at ? html`<s>${money(Number(p.amount_cents), locale)}</s>` : money(Number(p.amount_cents), locale)}</td>
    <td>${p.reference}</td>
    <td>${p.bank ?? ''}</td>
    <td>${p.recorded_by_alias ?? html`<span class="muted">${t('automatic')}</span>`}<br><span class="muted">${formatDateTime(new Date(p.created_at), locale)}</span></td>
    <td>${paymentState(t, d, p, locale)}${cancelPaymentForm(ctx, t, d, p)}</td>
  </tr>`,
  )}
  </tbody>
</table>`)
}
<dl class="details" id="paid-summary">
  ${row(t('totalPaid'), money(d.paidCents, locale))}
  ${row(t('remaining'), money(due, locale))}
</dl>
${over > 0 ? notice('warning', t('overpaid', { amount: money(over, locale) })) : ''}
${
  showForm
    ? html`<section class="panel" id="reglement">
  <h3>${t('recordPayment')}</h3>
  ${d.state === 'paid' && !d.support ? html`<p class="muted">${t('recordAnother')}</p>` : ''}
  ${errorSummary(d.payment.errors, t('errorsTitle'))}
  ${warningsBlock(t, warnings, locale)}
  <form method="post" action="/backoffice/documents/${d.doc.number}/reglements">
    ${csrfField(ctx)}
    ${select({ name: 'method', label: t('method'), value: v.method, error: d.payment.errors.method, options: [{ value: 'transfer', label: t('method_transfer') }, { value: 'cheque', label: t('method_cheque') }], required: true })}
    ${input({ name: 'amount', label: t('amount'), value: v.amount, error: d.payment.errors.amount, hint: t('amountHint'), inputmode: 'decimal', maxlength: 20, required: true })}
    ${input({ name: 'received_on', label: t('receivedOn'), type: 'date', value: v.received_on, error: d.payment.errors.received_on, max: d.today, min: d.earliestReceipt, required: true })}
    ${input({ name: 'reference', label: t('referenceOrCheque'), value: v.reference, error: d.payment.errors.reference, hint: t('referenceHint'), maxlength: 140 })}
    ${input({ name: 'bank', label: t('bank'), value: v.bank, error: d.payment.errors.bank, maxlength: 100 })}
    ${warnings.length > 0 ? checkbox({ name: 'confirm_warnings', label: t('confirmWarnings'), checked: false }) : ''}
    <div class="actions"><button type="submit">${t('record')}</button></div>
  </form>
</section>`
    : ''
}
${quoteActions(ctx, t, d)}`;
}

function quoteActions(ctx: PageContext, t: MT, d: DocumentPageData): Html {
  if (!d.canReissue && !d.canCancel && !d.replacedBy) return html``;
  return html`<h2>${t('quoteActions')}</h2>
${d.replacedBy ? html`<p>${t('notLatest', { number: d.replacedBy })} ${documentLink(d.replacedBy)}</p>` : ''}
${
  d.canReissue
    ? html`<form method="post" action="/backoffice/documents/${d.doc.number}/reediter" class="panel">
  ${csrfField(ctx)}
  <p class="muted">${t('reissueHint')}</p>
  <button type="submit">${t('reissue')}</button>
</form>`
    : ''
}
${
  d.canCancel
    ? html`<form method="post" action="/backoffice/documents/${d.doc.number}/annuler" class="panel"${confirmAttr(t('cancelQuoteConfirm', { number: d.doc.number }))}>
  ${csrfField(ctx)}
  <p class="muted">${t('cancelHint')}</p>
  ${d.paidCents > 0 ? notice('warning', t('paidWarning', { amount: money(d.paidCents, ctx.locale) })) : ''}
  ${input({ name: 'reason', label: t('cancelReason'), maxlength: 200, idPrefix: 'c' })}
  <button type="submit" class="danger">${t('cancelQuote')}</button>
</form>`
    : ''
}`;
}

function creditNotesSection(ctx: PageContext, t: MT, d: DocumentPageData): Html {
  const locale = ctx.locale;
  const credited = d.creditNotes.reduce((s, n) => s + n.gross_cents, 0);
  const left = d.doc.gross_cents - credited;
  return html`<h2>${t('creditNotesTitle')}</h2>
${
  d.creditNotes.length === 0
    ? html`<p class="muted">${t('noCreditNotes')}</p>`
    : asCards(html`<table>
  <thead><tr><th scope="col">${t('colNumber')}</th><th scope="col">${t('colIssued')}</th><th scope="col">${t('colAmount')}</th><th scope="col">${t('creditReason')}</th><th scope="col">${t('colPdf')}</th></tr></thead>
  <tbody>
  ${d.creditNotes.map(
    (n) => html`<tr data-credit-note="${n.number}">
    <td>${documentLink(n.number)}</td>
    <td>${frenchDate(n.issue_date)}</td>
    <td>${money(n.gross_cents, locale)}</td>
    <td>${(n.content as BillingDocument).note ?? ''}</td>
    <td><a href="/factures/${n.number}.pdf">${t('pdf')}</a></td>
  </tr>`,
  )}
  </tbody>
</table>`)
}
<p id="credit-remaining">${t('creditRemaining', { amount: money(left, locale) })}</p>
${
  left > 0
    ? html`<section class="panel" id="avoir">
  <h3>${t('issueCreditNote')}</h3>
  ${errorSummary(d.credit.errors, t('errorsTitle'))}
  <form method="post" action="/backoffice/documents/${d.doc.number}/avoirs">
    ${csrfField(ctx)}
    ${input({ name: 'amount', label: t('creditAmount'), value: d.credit.values.amount, error: d.credit.errors.amount, hint: t('amountHint'), inputmode: 'decimal', maxlength: 20, required: true })}
    ${textarea({ name: 'reason', label: t('creditReason'), value: d.credit.values.reason, error: d.credit.errors.reason, maxlength: 500, required: true })}
    <div class="actions"><button type="submit">${t('issue')}</button></div>
  </form>
</section>`
    : html`<p class="muted">${t('credit_nothing_left')}</p>`
}`;
}

export function documentPage(ctx: PageContext, d: DocumentPageData): Html {
  const t = mt(ctx);
  const c = d.content;
  const title = t('documentTitle', { kind: t(`kind_${d.doc.kind}`), number: d.doc.number });
  const limit = d.doc.kind === 'quote' ? c.validUntil : c.dueDate;
  return backofficePage(ctx, {
    section: 'documents',
    title,
    main: html`<p><a href="/backoffice/documents">${t('backToDocuments')}</a></p>
<h1>${title} ${documentStateBadge(t, d.state)}</h1>
${d.notices.map((n) => notice(n.kind, n.text))}
<dl class="details">
  ${row(t('buyer'), html`${c.buyer.name}${d.customer ? html` — <a href="/backoffice/clients/${d.customer.id}">${d.customer.alias}</a>` : ''}`)}
  ${row(t('issueDate'), frenchDate(c.issueDate))}
  ${row(d.doc.kind === 'quote' ? t('validUntil') : t('dueDate'), limit ? frenchDate(limit) : null)}
  ${c.servicePeriod ? row(t('servicePeriod'), `${frenchDate(c.servicePeriod.start)} → ${frenchDate(c.servicePeriod.end)}`) : ''}
  ${row(t('paymentReference'), c.paymentReference)}
  ${d.order ? row(t('order'), html`#${d.order.id} · ${d.order.instance_name} · ${orderStatusBadge(t, d.order.status)}`) : ''}
  ${d.invoiceNumber ? row(t('invoiceOfQuote'), documentLink(d.invoiceNumber)) : ''}
  ${d.relatedNumber ? row(d.doc.kind === 'invoice' ? t('settles') : t('corrects'), documentLink(d.relatedNumber)) : ''}
  ${row(t('colState'), documentStateBadge(t, d.state))}
  ${row(t('pdf'), html`<a href="/factures/${d.doc.number}.pdf">${d.doc.number}.pdf</a>`)}
</dl>
<h2>${t('lines')}</h2>
${linesTable(t, c, ctx.locale)}
${c.note ? html`<p><strong>${t('note')}</strong> ${c.note}</p>` : ''}
${d.doc.kind === 'quote' || d.support ? paymentsSection(ctx, t, d) : ''}
${d.doc.kind === 'invoice' ? creditNotesSection(ctx, t, d) : ''}`,
  });
}
