import type { Order } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import { cardTable } from '../../web/table.ts';
import { FLAVOUR_LABELS } from '../billing/billing.service.ts';
import { DIAMANT_HOSTING_LABEL, DIAMANT_LABEL_MAX, DIAMANT_LINE_ROWS, DIAMANT_NOTE_MAX, type DiamantQuoteForm } from '../orders/diamant.ts';
import { backofficePage } from './backoffice.views.ts';
import { dt } from './diamant.messages.ts';
import { checkbox, input, textarea } from './form-controls.ts';
import { mt } from './money.messages.ts';
import { orderStatusBadge } from './documents.views.ts';

export interface DiamantRequestRow {
  id: number;
  user_id: number;
  instance_name: string;
  needs: string | null;
  requested_at: Date | string | null;
  alias: string;
  organisation_name: string;
}

function paragraphs(text: string): Html {
  return html`${text.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}`;
}

/** The Diamant requests awaiting their quote, oldest first. */
export function diamantRequestsPage(ctx: PageContext, rows: DiamantRequestRow[]): Html {
  const t = dt(ctx);
  return backofficePage(ctx, {
    section: 'orders',
    title: t('listTitle'),
    main: html`<h1>${t('listTitle')}</h1>
${
  rows.length === 0
    ? html`<p>${t('listEmpty')}</p>`
    : cardTable(
        [t('colOrder'), t('colDate'), t('colCustomer'), t('colInstance'), t('colNeeds'), ''],
        rows.map((r) => [
          String(r.id),
          r.requested_at ? formatDateTime(new Date(r.requested_at), ctx.locale) : '',
          html`<a href="/backoffice/clients/${r.user_id}">${r.organisation_name}</a> (${r.alias})`,
          r.instance_name,
          (r.needs ?? '').length > 160 ? `${(r.needs ?? '').slice(0, 160)}…` : (r.needs ?? ''),
          html`<a class="button small" href="/backoffice/diamant/${r.id}" aria-label="${t('write')} ${r.instance_name}">${t('write')}</a>`,
        ]),
      )
}`,
  });
}

export function blankDiamantForm(validityDays: number): DiamantQuoteForm {
  return {
    maxSessions: '',
    bandwidthMbps: '',
    storageGb: '',
    slaPercent: '',
    hostingLabel: DIAMANT_HOSTING_LABEL,
    hostingPrice: '',
    lines: Array.from({ length: DIAMANT_LINE_ROWS }, () => ({ label: '', quantity: '', price: '', yearly: '' })),
    validityDays: String(validityDays),
    note: '',
  };
}

/** One Diamant order: the request, and (while it awaits one) the form of its custom quote. */
export function diamantRequestPage(ctx: PageContext, d: { order: Order; customer: { id: number; name: string; email: string; organisation: string }; instanceUrl: string; quoteNumber: string | null; form: { values: DiamantQuoteForm; errors: FieldErrors } }): Html {
  const t = dt(ctx);
  const o = d.order;
  const v = d.form.values;
  const e = d.form.errors;
  const title = t('requestTitle', { id: o.id, name: o.instance_name });
  return backofficePage(ctx, {
    section: 'orders',
    title,
    main: html`<p><a href="/backoffice/diamant">${t('back')}</a></p>
<h1>${title}</h1>
${d.quoteNumber ? notice('success', t('quoted', { number: d.quoteNumber })) : ''}
<dl class="details">
  <dt>${t('customer')}</dt><dd><a href="/backoffice/clients/${d.customer.id}">${d.customer.organisation}</a> — ${d.customer.name}, <a href="mailto:${d.customer.email}">${d.customer.email}</a></dd>
  <dt>${t('colInstance')}</dt><dd>${d.instanceUrl}</dd>
  <dt>${t('flavour')}</dt><dd>${FLAVOUR_LABELS[o.flavour]}</dd>
  <dt>${t('needs')}</dt><dd>${paragraphs(o.needs ?? '')}</dd>
  <dt>${t('status')}</dt><dd>${orderStatusBadge(mt(ctx), o.status)}${d.quoteNumber ? html` <a href="/backoffice/documents/${d.quoteNumber}">${d.quoteNumber}</a>` : ''}</dd>
</dl>
${
  o.status !== 'requested'
    ? d.quoteNumber
      ? ''
      : html`<p>${t('notRequested')}</p>`
    : html`<h2 id="devis">${t('formTitle')}</h2>
${errorSummary(e, t('formErrors'))}
<form method="post" action="/backoffice/diamant/${o.id}/devis" novalidate>
  ${csrfField(ctx)}
  <fieldset class="field"><legend>${t('limits')}</legend>
    ${input({ name: 'max_sessions', label: t('maxSessions'), hint: t('maxSessionsHint'), value: v.maxSessions, error: e.max_sessions, inputmode: 'numeric', maxlength: 6 })}
    ${input({ name: 'bandwidth', label: t('bandwidth'), hint: t('bandwidthHint'), value: v.bandwidthMbps, error: e.bandwidth, inputmode: 'numeric', maxlength: 6 })}
    ${input({ name: 'storage', label: t('storage'), value: v.storageGb, error: e.storage, inputmode: 'numeric', maxlength: 6, required: true })}
    ${input({ name: 'sla', label: t('sla'), hint: t('slaHint'), value: v.slaPercent, error: e.sla, inputmode: 'decimal', maxlength: 6 })}
  </fieldset>
  <fieldset class="field"><legend>${t('hosting')}</legend>
    ${input({ name: 'hosting_label', label: t('hostingLabel'), value: v.hostingLabel, error: e.hosting_label, maxlength: DIAMANT_LABEL_MAX })}
    ${input({ name: 'hosting_price', label: t('hostingPrice'), value: v.hostingPrice, error: e.hosting_price, inputmode: 'decimal', maxlength: 12, required: true })}
  </fieldset>
  <fieldset class="field"><legend>${t('lines')}</legend>
  ${v.lines.map(
    (row, i) => html`<div class="row">
    ${input({ name: `line_label_${i}`, label: t('lineLabel', { n: i + 1 }), value: row.label, error: e[`line_label_${i}`], maxlength: DIAMANT_LABEL_MAX })}
    ${input({ name: `line_quantity_${i}`, label: t('lineQuantity', { n: i + 1 }), value: row.quantity, error: e[`line_quantity_${i}`], inputmode: 'numeric', maxlength: 4 })}
    ${input({ name: `line_price_${i}`, label: t('linePrice', { n: i + 1 }), value: row.price, error: e[`line_price_${i}`], inputmode: 'decimal', maxlength: 12 })}
    ${checkbox({ name: `line_yearly_${i}`, label: t('lineYearly', { n: i + 1 }), checked: row.yearly === '1' })}
  </div>`,
  )}
  </fieldset>
  ${input({ name: 'validity', label: t('validity'), value: v.validityDays, error: e.validity, inputmode: 'numeric', maxlength: 3 })}
  ${textarea({ name: 'note', label: t('note'), value: v.note, error: e.note, maxlength: DIAMANT_NOTE_MAX, rows: 3 })}
  <button type="submit">${t('submit')}</button>
</form>`
}`,
  });
}
