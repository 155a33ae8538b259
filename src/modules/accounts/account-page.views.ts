import type { Organisation, User } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { COUNTRIES, formatRegistration, LEGAL_FORMS } from './accounts.validation.ts';
import { tr, type T } from './accounts.views.ts';

export type AccountTab = 'personne' | 'personne-morale';

export interface AccountPageState {
  tab: AccountTab;
  user: User;
  organisation: Organisation | null;
  notice?: string | undefined;
  /** which panel is in edit mode, with the submitted values and errors when re-shown */
  editing?: { panel: 'person' | 'organisation'; values?: Record<string, string>; errors?: FieldErrors } | undefined;
  passwordErrors?: FieldErrors | undefined;
}

export function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function detail(label: string, value: string | null | undefined, t: T): Html {
  return html`<dt>${label}</dt><dd>${value ? value : html`<span class="muted">${t('notSet')}</span>`}</dd>`;
}

/** A change of e-mail address needs the current password (the server asks only then). */
function currentPasswordField(t: T, errors: FieldErrors): Html {
  return field({ name: 'current_password', label: t('currentPasswordForEmail'), type: 'password', hint: t('currentPasswordForEmailHint'), autocomplete: 'current-password', error: errors.current_password });
}

export function personPanel(ctx: PageContext, s: AccountPageState): Html {
  const t = tr(ctx);
  const u = s.user;
  if (s.editing?.panel === 'person') {
    const v = s.editing.values ?? { name: u.name, email: u.email, locale: u.locale };
    const errors = s.editing.errors ?? {};
    return html`<div id="panel-person" class="panel">
  <h2>${t('editPerson')}</h2>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/compte/personne" novalidate hx-post="/compte/personne" hx-target="#panel-person" hx-swap="outerHTML">
    ${csrfField(ctx)}
    ${field({ name: 'name', label: t('name'), value: v.name, required: true, autocomplete: 'name', error: errors.name, maxlength: 120 })}
    ${field({ name: 'email', label: t('email'), type: 'email', value: v.email, required: true, autocomplete: 'email', error: errors.email, maxlength: 254 })}
    ${currentPasswordField(t, errors)}
    <div class="field"><label for="f-locale">${t('language')}</label>
      <select id="f-locale" name="locale">
        <option value="fr"${v.locale === 'fr' ? html` selected` : ''}>Français</option>
        <option value="en"${v.locale === 'en' ? html` selected` : ''}>English</option>
      </select></div>
    <div class="actions"><button type="submit">${t('save')}</button> <a href="/compte?onglet=personne" hx-get="/compte/personne" hx-target="#panel-person" hx-swap="outerHTML">${t('cancel')}</a></div>
  </form>
</div>`;
  }
  return html`<div id="panel-person" class="panel">
  ${s.notice ? notice('success', s.notice) : ''}
  <div class="panel-head"><h2>${t('tabPerson')}</h2>
    <a class="button small secondary" href="/compte/personne/modifier" hx-get="/compte/personne/modifier" hx-target="#panel-person" hx-swap="outerHTML" aria-label="${t('editPerson')}" title="${t('editPerson')}">✎ ${t('edit')}</a></div>
  <dl class="details">
    ${detail(t('alias'), u.alias, t)}
    ${detail(t('name'), u.name, t)}
    ${detail(t('email'), u.email, t)}
    ${detail(t('language'), u.locale === 'fr' ? 'Français' : 'English', t)}
  </dl>
</div>`;
}

export function organisationPanel(ctx: PageContext, s: AccountPageState): Html {
  const t = tr(ctx);
  const o = s.organisation;
  if (!o) return html``;
  if (s.editing?.panel === 'organisation') {
    const v = s.editing.values ?? {
      name: o.name,
      legal_form: o.legal_form ?? '',
      registration_number: o.registration_number ? formatRegistration(o.registration_number) : '',
      address: o.address ?? '',
      postcode: o.postcode ?? '',
      city: o.city ?? '',
      country: o.country,
      email: o.email ?? '',
      phone: o.phone ?? '',
    };
    const errors = s.editing.errors ?? {};
    return html`<div id="panel-organisation" class="panel">
  <h2>${t('editOrganisation')}</h2>
  <p class="muted">${t('onInvoices')}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/compte/personne-morale" novalidate hx-post="/compte/personne-morale" hx-target="#panel-organisation" hx-swap="outerHTML">
    ${csrfField(ctx)}
    ${field({ name: 'name', label: t('orgName'), value: v.name, required: true, autocomplete: 'organization', error: errors.name, maxlength: 200 })}
    <div class="field${errors.legal_form ? ' has-error' : ''}"><label for="f-legal_form">${t('legalForm')}</label>
      ${errors.legal_form ? html`<p class="error" id="f-legal_form-error">${errors.legal_form}</p>` : ''}
      <select id="f-legal_form" name="legal_form">
        <option value="">${t('choose')}</option>
        ${LEGAL_FORMS.map((f) => html`<option value="${f}"${v.legal_form === f ? html` selected` : ''}>${t(`legal_${f}`)}</option>`)}
      </select></div>
    ${field({ name: 'registration_number', label: t('registration'), value: v.registration_number, error: errors.registration_number, maxlength: 20 })}
    ${field({ name: 'address', label: t('address'), value: v.address, autocomplete: 'street-address', error: errors.address, maxlength: 300 })}
    ${field({ name: 'postcode', label: t('postcode'), value: v.postcode, autocomplete: 'postal-code', error: errors.postcode, maxlength: 12 })}
    ${field({ name: 'city', label: t('city'), value: v.city, autocomplete: 'address-level2', error: errors.city, maxlength: 120 })}
    <div class="field${errors.country ? ' has-error' : ''}"><label for="f-country">${t('country')}</label>
      ${errors.country ? html`<p class="error" id="f-country-error">${errors.country}</p>` : ''}
      <select id="f-country" name="country" autocomplete="country">
        ${COUNTRIES.map((c) => html`<option value="${c}"${v.country === c ? html` selected` : ''}>${countryName(c, ctx.locale)}</option>`)}
      </select></div>
    ${field({ name: 'email', label: t('orgEmail'), type: 'email', value: v.email, hint: t('orgEmailHint'), error: errors.email, maxlength: 254 })}
    ${currentPasswordField(t, errors)}
    ${field({ name: 'phone', label: t('phone'), type: 'tel', value: v.phone, autocomplete: 'tel', error: errors.phone, maxlength: 30 })}
    <div class="actions"><button type="submit">${t('save')}</button> <a href="/compte?onglet=personne-morale" hx-get="/compte/personne-morale" hx-target="#panel-organisation" hx-swap="outerHTML">${t('cancel')}</a></div>
  </form>
</div>`;
  }
  return html`<div id="panel-organisation" class="panel">
  ${s.notice ? notice('success', s.notice) : ''}
  <div class="panel-head"><h2>${t('tabOrganisation')}</h2>
    <a class="button small secondary" href="/compte/personne-morale/modifier" hx-get="/compte/personne-morale/modifier" hx-target="#panel-organisation" hx-swap="outerHTML" aria-label="${t('editOrganisation')}" title="${t('editOrganisation')}">✎ ${t('edit')}</a></div>
  <p class="muted">${t('onInvoices')}</p>
  <dl class="details">
    ${detail(t('orgName'), o.name, t)}
    ${detail(t('legalForm'), o.legal_form ? t(`legal_${o.legal_form}` as never) : null, t)}
    ${detail(t('registration'), o.registration_number ? formatRegistration(o.registration_number) : null, t)}
    ${detail(t('address'), o.address, t)}
    ${detail(t('postcode'), o.postcode, t)}
    ${detail(t('city'), o.city, t)}
    ${detail(t('country'), countryName(o.country, ctx.locale), t)}
    ${detail(t('orgEmail'), o.email, t)}
    ${detail(t('phone'), o.phone, t)}
  </dl>
</div>`;
}

function passwordPanel(ctx: PageContext, s: AccountPageState): Html {
  const t = tr(ctx);
  const errors = s.passwordErrors ?? {};
  return html`<div id="panel-password" class="panel">
  <h2>${t('changePassword')}</h2>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/compte/mot-de-passe" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="username" value="${s.user.alias}" autocomplete="username">
    ${field({ name: 'current', label: t('currentPassword'), type: 'password', required: true, autocomplete: 'current-password', error: errors.current })}
    ${field({ name: 'password', label: t('newPassword'), type: 'password', hint: t('passwordHint'), required: true, autocomplete: 'new-password', error: errors.password })}
    ${field({ name: 'password_confirm', label: t('confirm'), type: 'password', required: true, autocomplete: 'new-password' })}
    <button type="submit">${t('changePasswordSubmit')}</button>
  </form>
</div>`;
}

export function accountPage(ctx: PageContext, s: AccountPageState): Html {
  const t = tr(ctx);
  const tabs: { id: AccountTab; label: string }[] = [{ id: 'personne', label: t('tabPerson') }];
  if (s.organisation) tabs.push({ id: 'personne-morale', label: t('tabOrganisation') });
  return layout(ctx, {
    title: t('accountTitle'),
    main: html`<h1>${t('accountTitle')}</h1>
<nav class="tabs" aria-label="${t('accountTitle')}">
  ${tabs.map((tab) => html`<a href="/compte?onglet=${tab.id}"${s.tab === tab.id ? html` aria-current="page" class="active"` : ''}>${tab.label}</a>`)}
</nav>
<section class="tab-panel">
${s.tab === 'personne-morale' && s.organisation ? organisationPanel(ctx, s) : html`${personPanel(ctx, s)}${passwordPanel(ctx, s)}`}
</section>
${ctx.user?.role === 'customer' ? html`<p><a href="/compte/donnees">${t('dataLink')}</a></p>` : ''}`,
  });
}
