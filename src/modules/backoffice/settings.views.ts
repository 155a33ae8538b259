import type { PageContext } from '../../web/context.ts';
import { errorSummary, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import { backofficePage } from './backoffice.views.ts';
import { checkbox, input, textarea } from './form-controls.ts';
import { ARCHIVE_FIELDS, BANK_FIELDS, BILLING_FIELDS, IDENTITY_FIELDS, LIFECYCLE_FIELDS, type FormErrors, type FormValues, type SectionId } from './settings.forms.ts';
import { st, type SettingsMessageKey, type ST } from './settings.messages.ts';

export interface TermsRow {
  version: number;
  title: string;
  published_at: Date;
}

export interface SettingsPageData {
  values: Record<SectionId, FormValues>;
  /** the section whose form was just sent back with errors */
  errorSection: SectionId | null;
  errors: FormErrors;
  notice: { section: SectionId; text: string } | null;
  terms: readonly TermsRow[];
  /** the archives' keep delay of a final archive, told in the hosting year's section */
  finalKeepDays: number;
  /** the saved reservation of an ended instance's name (not what a refused form holds) */
  nameQuarantineDays: number;
}

const MULTILINE = new Set(['address', 'chequeAddress', 'supportTiers']);
const NUMERIC = new Set(['quoteValidityDays', 'paymentDueDays', 'maxUnpaidOrders', 'vatRatePercent', 'supportHourly', ...ARCHIVE_FIELDS, 'renewalLeadDays', 'graceDays', 'retentionDays', 'nameQuarantineDays']);
const HINTS: Partial<Record<string, SettingsMessageKey>> = {
  ownerName: 'ownerNameHint',
  siret: 'siretHint',
  vatRatePercent: 'vatRateHint',
  prefixQuote: 'prefixHint',
  prefixInvoice: 'prefixHint',
  prefixCreditNote: 'prefixHint',
  body: 'termsBodyHint',
  supportTiers: 'supportTiersHint',
  renewalLeadDays: 'renewalLeadDaysHint',
  reminderDays: 'reminderDaysHint',
  graceDays: 'graceDaysHint',
  retentionDays: 'retentionDaysHint',
  nameQuarantineDays: 'nameQuarantineDaysHint',
};
const LABELS: Partial<Record<string, SettingsMessageKey>> = { title: 'termsDocTitle', body: 'termsBody' };
const REQUIRED_EXCEPT = new Set(['phone', 'vatNumber', 'supportTiers', 'reminderDays']);

function messages(t: ST, errors: FormErrors): FieldErrors {
  return Object.fromEntries(Object.entries(errors).flatMap(([k, e]) => (e ? [[k, t(e.key, e.params)]] : [])));
}

/** One section: its heading, its notice or errors, its form posting to /backoffice/reglages/ID. */
function section(ctx: PageContext, t: ST, d: SettingsPageData, id: SectionId, title: string, fields: readonly string[], extra?: Html): Html {
  const errors = d.errorSection === id ? messages(t, d.errors) : {};
  const values = d.values[id];
  return html`<section class="panel" id="${id}">
  <h2>${title}</h2>
  ${d.notice?.section === id ? notice('success', d.notice.text) : ''}
  ${errorSummary(errors, t('errorsTitle'))}
  ${extra ?? ''}
  <form method="post" action="/backoffice/reglages/${id}">
    ${csrfField(ctx)}
    ${fields.map((f) => {
      const label = t(LABELS[f] ?? (f as SettingsMessageKey));
      const hintKey = HINTS[f];
      const common = { name: f, label, value: values[f] ?? '', error: errors[f], required: !REQUIRED_EXCEPT.has(f), ...(hintKey ? { hint: t(hintKey) } : {}) };
      if (f === 'vatFranchise') return checkbox({ name: f, label, checked: values[f] === '1', hint: t('vatFranchiseHint') });
      if (f === 'body') return textarea({ ...common, rows: 16, maxlength: 100_000 });
      if (MULTILINE.has(f)) return textarea({ ...common, rows: 3, maxlength: 500 });
      return input({ ...common, type: f === 'email' ? 'email' : 'text', maxlength: 200, ...(NUMERIC.has(f) ? { inputmode: 'decimal' as const } : {}) });
    })}
    <div class="actions"><button type="submit">${id === 'cgv' ? t('publish') : t('save')}</button></div>
  </form>
</section>`;
}

function termsList(ctx: PageContext, t: ST, terms: readonly TermsRow[]): Html {
  const current = terms.reduce((m, r) => Math.max(m, r.version), 0);
  return html`<table>
  <thead><tr><th scope="col">${t('colVersion')}</th><th scope="col">${t('colTitle')}</th><th scope="col">${t('colPublished')}</th></tr></thead>
  <tbody>
  ${terms.map(
    (r) => html`<tr data-terms="${r.version}">
    <td>${r.version}${r.version === current ? html` <span class="badge ok">${t('current')}</span>` : ''}</td>
    <td>${r.title}</td>
    <td>${formatDateTime(new Date(r.published_at), ctx.locale)}</td>
  </tr>`,
  )}
  </tbody>
</table>
<h3>${t('publishTitle')}</h3>
<p class="muted">${t('publishHint')}</p>`;
}

export function settingsPage(ctx: PageContext, d: SettingsPageData): Html {
  const t = st(ctx);
  return backofficePage(ctx, {
    section: 'settings',
    title: t('title'),
    main: html`<h1>${t('title')}</h1>
<p class="muted">${t('intro')}</p>
${section(ctx, t, d, 'identite', t('identityTitle'), IDENTITY_FIELDS)}
${section(ctx, t, d, 'tva', t('vatTitle'), ['vatFranchise', 'vatRatePercent', 'vatNumber'])}
${section(ctx, t, d, 'banque', t('bankTitle'), BANK_FIELDS)}
${section(ctx, t, d, 'facturation', t('billingTitle'), BILLING_FIELDS)}
${section(ctx, t, d, 'archives', t('archivesTitle'), ARCHIVE_FIELDS, html`<p class="muted">${t('archivesIntro')}</p>`)}
${section(ctx, t, d, 'cycle', t('lifecycleTitle'), LIFECYCLE_FIELDS, html`<p class="muted">${t('lifecycleIntro')}</p>
<p class="muted">${t('lifecycleAfter', { finalKeepDays: d.finalKeepDays, nameDays: d.nameQuarantineDays })} <a href="#archives">${t('lifecycleArchivesLink')}</a></p>`)}
${section(ctx, t, d, 'cgv', t('termsTitle'), ['title', 'body'], termsList(ctx, t, d.terms))}`,
  });
}
