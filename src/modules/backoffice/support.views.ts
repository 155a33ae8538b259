import type { SupportRequest } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { html, type Html, type HtmlChild } from '../../web/html.ts';
import { errorSummary, notice, type FieldErrors } from '../../web/forms.ts';
import { formatDateTime, formatMoney } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import { confirmAttr } from '../../web/confirm.ts';
import type { BillingSettings } from '../settings/settings.types.ts';
import { EXTRA_CATEGORIES, EXTRA_LABELS } from '../support/support.pricing.ts';
import { NOTE_MAX, QUOTE_ROWS, type SupportQuoteForm } from '../support/support.service.ts';
import { input, select, textarea } from './form-controls.ts';
import { cardTable } from '../../web/table.ts';
import { formatLabel, subjectLabel } from '../support/support.views.ts';
import { backofficePage, pager, tr, type PageInfo } from './backoffice.views.ts';
import { st } from './sessions.messages.ts';
import { hoursLine } from './sessions.views.ts';

function account(ctx: PageContext, r: SupportRequest): HtmlChild {
  return r.user_id === null ? html`<span class="muted">${tr(ctx)('supportNoAccount')}</span>` : html`<a href="/backoffice/clients/${r.user_id}">#${r.user_id}</a>`;
}

/** "Demandes information": every request, newest first. */
export function supportRequestsPage(ctx: PageContext, d: { rows: SupportRequest[]; page: PageInfo; feedUrl: string; feedRevoked: boolean }): Html {
  const t = tr(ctx);
  const s = st(ctx);
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
${pager(t, '/backoffice/demandes', {}, d.page)}
<h2 id="agenda">${s('feedHeading')}</h2>
${d.feedRevoked ? notice('success', s('feedRevoked')) : ''}
<p class="hint">${s('feedHint')}</p>
<div class="field"><label for="f-feed">${s('feedLabel')}</label>
<input id="f-feed" type="text" readonly value="${d.feedUrl}"></div>
<form method="post" action="/backoffice/agenda/revoquer"${confirmAttr(s('feedRevokeConfirm'))}>
  ${csrfField(ctx)}
  <button type="submit" class="danger">${s('feedRevoke')}</button>
</form>`,
  });
}

function row(label: string, value: HtmlChild): Html {
  return value === null || value === '' ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`;
}

function paragraphs(text: string): Html {
  return html`${text.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}`;
}

export interface SupportQuoteRow {
  number: string;
  hours: string;
  gross_cents: number;
  valid_until: string | null;
  replaced_by_number: string | null;
  state: string;
}

export interface SupportQuoteFormData {
  values: SupportQuoteForm;
  errors: FieldErrors;
  billing: BillingSettings;
}

export function blankQuoteForm(billing: BillingSettings): SupportQuoteForm {
  const rows = <T,>(f: () => T) => Array.from({ length: QUOTE_ROWS }, f);
  return {
    sessions: rows(() => ({ label: '', hours: '' })),
    extras: rows(() => ({ category: 'travel', label: '', amount: '' })),
    note: '',
    validityDays: String(billing.quoteValidityDays),
    invoicing: 'completion',
    depositPercent: '30',
  };
}

function quoteForm(ctx: PageContext, requestId: number, d: SupportQuoteFormData, revise: boolean): Html {
  const t = tr(ctx);
  const v = d.values;
  const tiers = d.billing.supportTiers.length ? d.billing.supportTiers.map((x) => `−${x.percent} % à partir de ${x.fromHours} h`).join(', ') : t('supportQuoteNoTier');
  const categories = EXTRA_CATEGORIES.map((c) => ({ value: c, label: EXTRA_LABELS[c] }));
  return html`<h2 id="devis">${revise ? t('supportQuoteRevise') : t('supportQuoteNew')}</h2>
<p class="muted">${t('supportQuoteRate', { rate: formatMoney(d.billing.supportHourlyCents, ctx.locale), tiers })}</p>
${errorSummary(d.errors, t('supportQuoteErrors'))}
<form method="post" action="/backoffice/demandes/${requestId}/devis" novalidate>
  ${csrfField(ctx)}
  <fieldset class="field"><legend>${t('supportSessions')}</legend>
  ${v.sessions.map(
    (row, i) => html`<div class="row">
    ${input({ name: `session_label_${i}`, label: t('supportSessionLabel', { n: i + 1 }), value: row.label, error: d.errors[`session_label_${i}`], maxlength: 200 })}
    ${input({ name: `session_hours_${i}`, label: t('supportSessionHours', { n: i + 1 }), value: row.hours, error: d.errors[`session_hours_${i}`], inputmode: 'decimal', maxlength: 10 })}
  </div>`,
  )}
  </fieldset>
  <fieldset class="field"><legend>${t('supportExtras')}</legend>
  ${v.extras.map(
    (row, i) => html`<div class="row">
    ${select({ name: `extra_category_${i}`, label: t('supportExtraCategory', { n: i + 1 }), value: row.category, error: d.errors[`extra_category_${i}`], options: categories })}
    ${input({ name: `extra_label_${i}`, label: t('supportExtraLabel', { n: i + 1 }), value: row.label, error: d.errors[`extra_label_${i}`], maxlength: 200 })}
    ${input({ name: `extra_amount_${i}`, label: t('supportExtraAmount', { n: i + 1 }), value: row.amount, error: d.errors[`extra_amount_${i}`], inputmode: 'decimal', maxlength: 12 })}
  </div>`,
  )}
  </fieldset>
  ${textarea({ name: 'note', label: t('supportNote'), value: v.note, error: d.errors.note, maxlength: NOTE_MAX, rows: 3 })}
  ${input({ name: 'validity', label: t('supportValidity'), value: v.validityDays, error: d.errors.validity, inputmode: 'numeric', maxlength: 3 })}
  ${select({ name: 'invoicing', label: t('supportInvoicing'), value: v.invoicing, error: d.errors.invoicing, options: [{ value: 'completion', label: t('supportInvoicingCompletion') }, { value: 'deposit', label: t('supportInvoicingDeposit') }] })}
  ${input({ name: 'deposit', label: t('supportDeposit'), value: v.depositPercent, error: d.errors.deposit, inputmode: 'numeric', maxlength: 3 })}
  <button type="submit">${t('supportQuoteSubmit')}</button>
</form>`;
}

function quotesTable(ctx: PageContext, quotes: SupportQuoteRow[]): Html {
  const t = tr(ctx);
  if (quotes.length === 0) return html`<p>${t('supportQuoteNone')}</p>`;
  return cardTable(
    [t('supportQuoteNumber'), t('supportQuoteHours'), t('supportQuoteAmount'), t('supportQuoteValid'), t('supportQuoteStatus')],
    quotes.map((q) => [
      html`<a href="/backoffice/documents/${q.number}">${q.number}</a>`,
      q.hours.replace(/\.?0+$/, '').replace('.', ','),
      formatMoney(q.gross_cents, ctx.locale),
      q.valid_until ?? '',
      q.replaced_by_number ? t('supportQuoteReplaced', { number: q.replaced_by_number }) : q.state,
    ]),
  );
}

/** One request, all of it; its quotes and the form of the next one. */
export function supportRequestPage(ctx: PageContext, r: SupportRequest, q: { quotes: SupportQuoteRow[]; form: SupportQuoteFormData; notice?: string; planning?: { quoted: number; done: number; planned: number } | null }): Html {
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
</dl>
${q.notice ? notice('success', q.notice) : ''}
<h2>${t('supportQuotes')}</h2>
${quotesTable(ctx, q.quotes)}
${q.planning ? html`<h2>${st(ctx)('sessionsHeading')}</h2>
${hoursLine(ctx, q.planning)}
<p><a href="/backoffice/demandes/${r.id}/seances">${st(ctx)('planningLink')}</a></p>` : ''}
${r.user_id === null ? html`<p>${t('supportNoAccountHint')}</p>` : quoteForm(ctx, r.id, q.form, q.quotes.some((x) => x.replaced_by_number === null))}`,
  });
}
