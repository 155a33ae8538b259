import type { PaymentMethod } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, textArea, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { NEEDS_MAX } from './diamant.ts';
import { ot } from './orders.views.ts';

export interface DiamantFormValues {
  instance_name: string;
  flavour: string;
  payment_method: string;
  needs: string;
}

/**
 * "Demander un devis Diamant": the instance's name, the application, the needs in words, the admin
 * password and the payment method foreseen. The billing address and the CGV come next, on the
 * order's page, as for any order.
 */
export function diamantFormPage(ctx: PageContext, o: { instanceUrl: (name: string) => string; methods: readonly PaymentMethod[]; values: DiamantFormValues; errors: FieldErrors }): Html {
  const t = ot(ctx);
  const v = o.values;
  const e = o.errors;
  const radio = (name: string, value: string, label: string, checked: boolean) =>
    html`<label class="choice"><input type="radio" name="${name}" value="${value}"${checked ? html` checked` : ''}> ${label}</label>`;
  const fieldset = (name: string, legend: string, body: Html) =>
    html`<fieldset class="field${e[name] ? ' has-error' : ''}" id="f-${name}"><legend>${legend}</legend>${e[name] ? html`<p class="error">${e[name]}</p>` : ''}${body}</fieldset>`;
  return layout(ctx, {
    title: t('diamantTitle'),
    main: html`<section class="narrow">
<h1>${t('diamantTitle')}</h1>
<p>${t('diamantIntro')}</p>
${errorSummary(e, t('errorsTitle'))}
<form method="post" action="/instances/diamant" novalidate>
  ${csrfField(ctx)}
  ${field({ name: 'instance_name', label: t('instanceName'), hint: t('instanceNameHint', { address: o.instanceUrl(ctx.locale === 'fr' ? 'nom' : 'name') }), value: v.instance_name, required: true, error: e.instance_name, maxlength: 40, autocomplete: 'off' })}
  ${fieldset('flavour', t('flavour'), html`${radio('flavour', 'diacamma.asso', t('flavour_asso'), v.flavour !== 'diacamma.syndic')}${radio('flavour', 'diacamma.syndic', t('flavour_syndic'), v.flavour === 'diacamma.syndic')}`)}
  ${textArea({ name: 'needs', label: t('diamantNeeds'), hint: t('diamantNeedsHint'), value: v.needs, error: e.needs, required: true, maxlength: NEEDS_MAX, rows: 6 })}
  ${field({ name: 'password', label: t('adminPassword'), type: 'password', hint: t('adminPasswordHint'), required: true, autocomplete: 'new-password', error: e.password })}
  ${field({ name: 'password_confirm', label: t('adminConfirm'), type: 'password', required: true, autocomplete: 'new-password' })}
  ${fieldset('payment_method', t('paymentMethod'), html`${o.methods.map((m) => radio('payment_method', m, t(`pm_${m}`), v.payment_method === m))}`)}
  <button type="submit">${t('saveDraft')}</button>
</form>
</section>`,
  });
}
