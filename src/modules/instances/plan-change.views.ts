import { frenchDate } from '../../platform/dates.ts';
import type { Instance } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatMoney, translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { features } from '../../web/features.ts';
import type { PlanView } from '../settings/settings.types.ts';
import type { PlanChangeOffer } from './use-cases/request-plan-change.ts';

export const planChangeMessages = defineMessages({
  fr: {
    title: 'Changer de forfait — {name}',
    back: 'Retour à l’instance',
    current: 'Forfait actuel : {plan}, période du {start} au {end}.',
    intro: 'Vous ne payez que la différence de prix, au prorata des jours qui restent jusqu’à l’échéance. Le nouveau forfait s’applique dès réception du règlement ; l’échéance ne change pas.',
    downgrade: 'Le passage à un forfait moins cher se fait au renouvellement.',
    choose: 'Nouveau forfait',
    option: '{name} — {amount} à régler ({computation})',
    none: 'Aucun forfait plus complet n’est proposé en ligne pour cette instance.',
    terms: 'J’ai lu et j’accepte les conditions générales de vente (version {version}).',
    termsRead: 'Lire les conditions générales de vente',
    submit: 'Commander le changement de forfait',
    pending: 'Un changement de forfait attend déjà son règlement :',
    pendingLink: 'voir la commande et son devis',
    errorsTitle: 'La commande n’a pas été enregistrée :',
  },
  en: {
    title: 'Change plan — {name}',
    back: 'Back to the instance',
    current: 'Current plan: {plan}, period from {start} to {end}.',
    intro: 'You only pay the price difference, prorated to the days left until the due date. The new plan applies as soon as the payment arrives; the due date does not move.',
    downgrade: 'Moving to a cheaper plan happens at renewal.',
    choose: 'New plan',
    option: '{name} — {amount} to pay ({computation})',
    none: 'No higher plan is offered online for this instance.',
    terms: 'I have read and accept the terms of sale (version {version}).',
    termsRead: 'Read the terms of sale',
    submit: 'Order the plan change',
    pending: 'A plan change is already awaiting payment:',
    pendingLink: 'see the order and its quote',
    errorsTitle: 'The order was not recorded:',
  },
});

export interface PlanChangePageState {
  instance: Instance;
  current: PlanView | null;
  offers: PlanChangeOffer[];
  termsVersion: number | null;
  pendingOrderId: number | null;
  values: { plan: string; accept: boolean };
  errors: { plan?: string; accept?: string; form?: string };
}

/** "Changer de forfait": the dearer plans with what each costs today, the CGV, one button. */
export function planChangePage(ctx: PageContext, s: PlanChangePageState): Html {
  const t = translator(planChangeMessages, ctx.locale);
  const i = s.instance;
  const e = s.errors;
  const anyError = e.plan || e.accept || e.form;
  return layout(ctx, {
    title: t('title', { name: i.name }),
    main: html`<p><a href="/instances/${i.id}">${t('back')}</a></p>
<h1>${t('title', { name: i.name })}</h1>
${s.current && i.period_start && i.period_end ? html`<p>${t('current', { plan: s.current.name, start: frenchDate(i.period_start), end: frenchDate(i.period_end) })}</p>` : ''}
${s.pendingOrderId !== null ? html`<div class="notice warning" role="status"><p>${t('pending')} <a href="/commandes/${s.pendingOrderId}">${t('pendingLink')}</a></p></div>` : ''}
${anyError ? html`<div class="notice error" role="alert" id="errors"><p><strong>${t('errorsTitle')}</strong></p><ul>${[e.form, e.plan, e.accept].filter(Boolean).map((m) => html`<li>${m}</li>`)}</ul></div>` : ''}
<p class="muted">${t('intro')}${features().renewal ? html` ${t('downgrade')}` : ''}</p>
${
  s.offers.length === 0
    ? notice('info', t('none'))
    : html`<form method="post" action="/instances/${i.id}/forfait" class="panel">
  ${csrfField(ctx)}
  <input type="hidden" name="cgv_version" value="${s.termsVersion ?? ''}">
  <fieldset class="field${e.plan ? ' has-error' : ''}" id="f-plan"><legend>${t('choose')}</legend>
    ${e.plan ? html`<p class="error" id="f-plan-error">${e.plan}</p>` : ''}
    ${s.offers.map(
      (o, n) => html`<label class="choice"><input type="radio" name="plan" value="${o.plan.code}"${s.values.plan === o.plan.code || (s.values.plan === '' && n === 0) ? html` checked` : ''}> ${t('option', { name: o.plan.name, amount: formatMoney(o.quote.amountCents, ctx.locale), computation: o.quote.label })}</label>`,
    )}
  </fieldset>
  <div class="field${e.accept ? ' has-error' : ''}">
    ${e.accept ? html`<p class="error" id="f-accept-error">${e.accept}</p>` : ''}
    <label class="choice"><input type="checkbox" id="f-accept" name="accept" value="1"${s.values.accept ? html` checked` : ''}${e.accept ? html` aria-invalid="true" aria-describedby="f-accept-error"` : ''}> <span>${t('terms', { version: s.termsVersion ?? '' })}</span></label>
    <p><a href="/cgv" target="_blank" rel="noopener">${t('termsRead')}</a></p>
  </div>
  <button type="submit"${s.pendingOrderId !== null ? html` disabled` : ''}>${t('submit')}</button>
</form>`
}`,
  });
}
