import type { SupportFormat, SupportRequest, SupportSubject } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, selectField, textArea, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { translator, type Translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { FORMAT_LABELS, SUBJECT_LABELS } from './support.labels.ts';
import { supportMessages, type SupportMessageKey } from './support.messages.ts';
import { SUPPORT_FORMATS, SUPPORT_LIMITS, SUPPORT_SUBJECTS, type SupportRequestInput } from './support.service.ts';

type T = Translator<SupportMessageKey>;

export function tr(ctx: PageContext): T {
  return translator(supportMessages, ctx.locale);
}

function radios(o: { name: string; legend: string; options: readonly { value: string; label: string }[]; value: string; error?: string | undefined }): Html {
  const id = `f-${o.name}`;
  return html`<fieldset class="field${o.error ? ' has-error' : ''}" id="${id}"${o.error ? html` aria-describedby="${id}-error"` : ''}>
  <legend>${o.legend} <span class="req" aria-hidden="true">*</span></legend>
  ${o.error ? html`<p class="error" id="${id}-error">${o.error}</p>` : ''}
  ${o.options.map((opt) => html`<label><input type="radio" name="${o.name}" value="${opt.value}"${opt.value === o.value ? html` checked` : ''}> ${opt.label}</label><br>`)}
</fieldset>`;
}

export interface SupportFormData {
  values: SupportRequestInput;
  errors: FieldErrors;
  stamp: string;
  /** the signed-in customer's instances, to choose from */
  instances: string[] | null;
  signedIn: boolean;
}

/** "Demande information": the public form (prefilled for a signed-in customer). */
export function supportFormPage(ctx: PageContext, d: SupportFormData): Html {
  const t = tr(ctx);
  const v = d.values;
  const subjects = SUPPORT_SUBJECTS.map((s) => ({ value: s, label: SUBJECT_LABELS[ctx.locale][s] }));
  const formats = SUPPORT_FORMATS.map((f) => ({ value: f, label: FORMAT_LABELS[ctx.locale][f] }));
  const opt = t('optional');
  return layout(ctx, {
    title: t('title'),
    main: html`<section class="narrow">
  <h1>${t('title')}</h1>
  <p>${t('intro')}</p>
  ${d.signedIn ? html`<p>${t('introSignedIn')}</p>` : ''}
  ${errorSummary(d.errors, t('errorsTitle'))}
  <form method="post" action="/demande-information" id="f-form" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="stamp" value="${d.stamp}">
    ${selectField({ name: 'subject', label: t('subject'), options: subjects, value: v.subject || 'support', error: d.errors.subject, required: true })}
    ${field({ name: 'organisation', label: t('organisation'), value: v.organisation, required: true, autocomplete: 'organization', error: d.errors.organisation, maxlength: SUPPORT_LIMITS.organisation })}
    ${field({ name: 'contact', label: t('contact'), value: v.contact, required: true, autocomplete: 'name', error: d.errors.contact, maxlength: SUPPORT_LIMITS.contact })}
    ${field({ name: 'email', label: t('email'), type: 'email', value: v.email, required: true, autocomplete: 'email', error: d.errors.email, maxlength: SUPPORT_LIMITS.email })}
    ${field({ name: 'phone', label: `${t('phone')} ${opt}`, type: 'tel', value: v.phone, autocomplete: 'tel', error: d.errors.phone, maxlength: SUPPORT_LIMITS.phone })}
    ${
      d.instances && d.instances.length > 0
        ? selectField({ name: 'instance_name', label: `${t('instance')} ${opt}`, options: [{ value: '', label: t('instanceNone') }, ...d.instances.map((n) => ({ value: n, label: n }))], value: v.instance_name, error: d.errors.instance_name })
        : field({ name: 'instance_name', label: `${t('instance')} ${opt}`, hint: t('instanceHint'), value: v.instance_name, error: d.errors.instance_name, maxlength: SUPPORT_LIMITS.instance_name })
    }
    ${textArea({ name: 'difficulties', label: t('difficulties'), hint: t('difficultiesHint'), value: v.difficulties, error: d.errors.difficulties, required: true, maxlength: SUPPORT_LIMITS.difficulties, rows: 5 })}
    ${textArea({ name: 'expectations', label: t('expectations'), hint: t('expectationsHint'), value: v.expectations, error: d.errors.expectations, required: true, maxlength: SUPPORT_LIMITS.expectations, rows: 5 })}
    ${radios({ name: 'format', legend: t('format'), options: formats, value: v.format, error: d.errors.format })}
    ${textArea({ name: 'availability', label: `${t('availability')} ${opt}`, hint: t('availabilityHint'), value: v.availability, error: d.errors.availability, maxlength: SUPPORT_LIMITS.availability, rows: 3 })}
    <div class="hp" aria-hidden="true">
      <label for="f-site_web">${t('honeypot')}</label>
      <input id="f-site_web" name="site_web" type="text" tabindex="-1" autocomplete="off" value="">
    </div>
    <button type="submit">${t('submit')}</button>
  </form>
</section>`,
  });
}

export function supportSentPage(ctx: PageContext, email: string): Html {
  const t = tr(ctx);
  return layout(ctx, {
    title: t('sentTitle'),
    main: html`<section class="narrow">
  <h1>${t('sentTitle')}</h1>
  ${notice('success', t('sent', { email }))}
  <p><a href="${ctx.user?.role === 'customer' ? '/espace' : '/'}">${t('backHome')}</a></p>
</section>`,
  });
}

export function subjectLabel(ctx: PageContext, s: SupportSubject): string {
  return SUBJECT_LABELS[ctx.locale][s];
}

export function formatLabel(ctx: PageContext, f: SupportFormat): string {
  return FORMAT_LABELS[ctx.locale][f];
}

export type { SupportRequest };
