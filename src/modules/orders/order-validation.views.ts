import type { Order, Organisation } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { field, selectField, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { csrfField } from '../../web/layout.ts';
import { countryName } from '../accounts/account-page.views.ts';
import { tr } from '../accounts/accounts.views.ts';
import { COUNTRIES, formatRegistration, LEGAL_FORMS } from '../accounts/accounts.validation.ts';
import { ot } from './orders.views.ts';

/** The fields of the validation step, as typed (or as the organisation has them). */
export interface BillingAddressValues {
  legal_form: string;
  registration_number: string;
  address: string;
  postcode: string;
  city: string;
  country: string;
  accept: string;
}

export function billingValuesOf(o: Organisation | null): BillingAddressValues {
  return {
    legal_form: o?.legal_form ?? '',
    registration_number: o?.registration_number ? formatRegistration(o.registration_number) : '',
    address: o?.address ?? '',
    postcode: o?.postcode ?? '',
    city: o?.city ?? '',
    country: o?.country ?? 'FR',
    accept: '',
  };
}

/**
 * "Valider la commande" as one step: the buyer's postal address and SIREN (prefilled from "Personne
 * morale", saved back to it), the CGV box, the button. Without published CGV the button is disabled
 * and says why.
 */
export function validationForm(ctx: PageContext, s: { order: Order; organisationName: string; termsVersion: number | null; values: BillingAddressValues; errors: FieldErrors; /** a Diamant draft: the step sends the request for a quote */ diamant?: boolean }): Html {
  const t = ot(ctx);
  const at = tr(ctx);
  const v = s.values;
  const e = s.errors;
  const noTerms = s.termsVersion === null;
  return html`<section class="panel" aria-labelledby="validate-title">
  <h2 id="validate-title">${s.diamant ? t('diamantSend') : t('validate')}</h2>
  <p class="muted">${s.diamant ? t('diamantSendHint') : t('validateHint')}</p>
  <form method="post" action="/commandes/${s.order.id}/${s.diamant ? 'demander' : 'valider'}" novalidate>
    ${csrfField(ctx)}
    ${noTerms ? '' : html`<input type="hidden" name="cgv_version" value="${s.termsVersion}">`}
    <fieldset class="field">
      <legend>${t('billingTitle', { name: s.organisationName })}</legend>
      <p class="hint">${t('billingHint')}</p>
      ${selectField({ name: 'legal_form', label: at('legalForm'), value: v.legal_form, error: e.legal_form, required: true, options: [{ value: '', label: at('choose') }, ...LEGAL_FORMS.map((f) => ({ value: f, label: at(`legal_${f}`) }))] })}
      ${field({ name: 'registration_number', label: at('registration'), hint: t('registrationHint'), value: v.registration_number, error: e.registration_number, maxlength: 20 })}
      ${field({ name: 'address', label: at('address'), value: v.address, required: true, autocomplete: 'street-address', error: e.address, maxlength: 300 })}
      <div class="field-row">
        ${field({ name: 'postcode', label: at('postcode'), value: v.postcode, required: true, autocomplete: 'postal-code', error: e.postcode, maxlength: 12 })}
        ${field({ name: 'city', label: at('city'), value: v.city, required: true, autocomplete: 'address-level2', error: e.city, maxlength: 120 })}
      </div>
      ${selectField({ name: 'country', label: at('country'), value: v.country, error: e.country, autocomplete: 'country', options: COUNTRIES.map((c) => ({ value: c, label: countryName(c, ctx.locale) })) })}
    </fieldset>
    <div class="field${e.terms ? ' has-error' : ''}">
      ${e.terms ? html`<p class="error" id="f-terms-error">${e.terms}</p>` : ''}
      <label class="choice"><input type="checkbox" id="f-terms" name="accept" value="1"${v.accept === '1' ? html` checked` : ''}${noTerms ? html` disabled` : ''}${e.terms ? html` aria-invalid="true" aria-describedby="f-terms-error"` : ''}> <span>${t('termsCheck', { version: s.termsVersion ?? '' })}</span></label>
      <p><a href="/cgv" target="_blank" rel="noopener">${t('termsRead')}</a></p>
    </div>
    <button type="submit"${noTerms ? html` disabled aria-describedby="validate-why"` : ''}>${s.diamant ? t('diamantSend') : t('validate')}</button>
    ${noTerms ? html`<p class="why" id="validate-why">${t('noTerms')}</p>` : ''}
  </form>
</section>`;
}
