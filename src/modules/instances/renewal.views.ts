import { frenchDate } from '../../platform/dates.ts';
import type { Instance } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { confirmAttr } from '../../web/confirm.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatMoney, translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import type { PlanView } from '../settings/settings.types.ts';
import type { RenewalStatus } from './renewal-status.ts';

export const renewalMessages = defineMessages({
  fr: {
    title: 'Renouvellement',
    upcoming: 'La commande automatique de renouvellement vous sera adressée le {date}, avant l’échéance du {end}.',
    issued: 'Commande automatique de renouvellement : devis {number}, {amount} à régler avant le {end}, pour la période du {from} au {to} (forfait {plan}).',
    seeOrder: 'Voir la commande et payer',
    cancel: 'Annuler la commande automatique',
    cancelConfirm: 'Annuler la commande automatique de renouvellement de {name} ? L’instance s’arrêtera à l’échéance du {end} ; ses données seront conservées {days} jours.',
    otherPlan: 'Forfait du renouvellement',
    otherPlanHint: 'Vous pouvez renouveler avec un autre forfait : le devis est refait au prix du forfait choisi.',
    otherPlanSubmit: 'Renouveler avec ce forfait',
    option: '{name} — {price} par an',
    grace: 'Votre abonnement est échu depuis le {end} : payez le devis {number} ({amount}) avant le {suspendOn} pour éviter la suspension.',
    suspended: 'Votre instance est suspendue depuis le {suspendOn} : payez le devis {number} ({amount}) pour la rétablir aussitôt. Ses données sont conservées jusqu’au {dataUntil}.',
    declined: 'Vous avez annulé la commande automatique : l’abonnement prend fin le {end}. Les données seront conservées jusqu’au {dataUntil} ; pensez à faire une archive et à la télécharger.',
    paid: 'Le renouvellement est réglé : l’abonnement continue jusqu’au {to}.',
    cancelled: 'La commande automatique est annulée : l’instance s’arrêtera à l’échéance.',
    planChanged: 'Le devis de renouvellement est refait au forfait {plan} : {number}.',
    // the front door's page of a suspended instance
    pageTitle: '{name} est suspendue',
    pageUnpaid: 'L’abonnement de cette instance est échu et le devis de renouvellement {number} n’est pas réglé : {amount}. Ses données sont conservées jusqu’au {dataUntil}.',
    pageHow: 'Le titulaire peut la rétablir aussitôt en réglant ce devis depuis le portail (PayPal quand il est proposé, virement en indiquant la référence {number}, ou chèque) :',
    pagePay: 'Payer le devis {number}',
    pageEnded: 'L’abonnement de cette instance a pris fin. Ses données sont conservées jusqu’au {dataUntil} : son titulaire peut en télécharger une archive depuis le portail.',
    pagePortal: 'Ouvrir le portail',
  },
  en: {
    title: 'Renewal',
    upcoming: 'The automatic renewal order will be sent to you on {date}, before the term ends on {end}.',
    issued: 'Automatic renewal order: quote {number}, {amount} to pay before {end}, for the period from {from} to {to} ({plan} plan).',
    seeOrder: 'See the order and pay',
    cancel: 'Annuler la commande automatique (cancel the automatic order)',
    cancelConfirm: 'Cancel the automatic renewal order of {name}? The instance will stop when its term ends on {end}; its data will be kept {days} days.',
    otherPlan: 'Renewal plan',
    otherPlanHint: 'You can renew with another plan: the quote is made again at the chosen plan’s price.',
    otherPlanSubmit: 'Renew with this plan',
    option: '{name} — {price} per year',
    grace: 'Your subscription lapsed on {end}: pay quote {number} ({amount}) before {suspendOn} to avoid suspension.',
    suspended: 'Your instance has been suspended since {suspendOn}: pay quote {number} ({amount}) to restore it at once. Its data is kept until {dataUntil}.',
    declined: 'You cancelled the automatic order: the subscription ends on {end}. The data will be kept until {dataUntil}; remember to make an archive and download it.',
    paid: 'The renewal is paid: the subscription goes on until {to}.',
    cancelled: 'The automatic order is cancelled: the instance will stop at the end of its term.',
    planChanged: 'The renewal quote was made again for the {plan} plan: {number}.',
    pageTitle: '{name} is suspended',
    pageUnpaid: 'This instance’s subscription lapsed and its renewal quote {number} is unpaid: {amount}. Its data is kept until {dataUntil}.',
    pageHow: 'Its holder can restore it at once by paying this quote from the portal (PayPal when offered, a bank transfer with the reference {number}, or a cheque):',
    pagePay: 'Pay quote {number}',
    pageEnded: 'This instance’s subscription has ended. Its data is kept until {dataUntil}: its holder can download an archive from the portal.',
    pagePortal: 'Open the portal',
  },
});

const rt = (ctx: PageContext) => translator(renewalMessages, ctx.locale);

/** The banner at the top of the instance page while the subscription has lapsed (grace, suspended, ended). */
export function renewalBanner(ctx: PageContext, s: RenewalStatus | null): Html {
  if (!s) return html``;
  const t = rt(ctx);
  const amount = formatMoney(s.dueCents, ctx.locale);
  if (s.phase === 'grace' && s.quoteNumber) return notice('warning', t('grace', { end: frenchDate(s.periodEnd), number: s.quoteNumber, amount, suspendOn: frenchDate(s.suspendOn) }));
  if (s.phase === 'suspended' && s.quoteNumber) return notice('warning', t('suspended', { suspendOn: frenchDate(s.suspendOn), number: s.quoteNumber, amount, dataUntil: frenchDate(s.dataUntil) }));
  if (s.phase === 'declined') return notice('info', t('declined', { end: frenchDate(s.periodEnd), dataUntil: frenchDate(s.dataUntil) }));
  return html``;
}

/** The instance page's "Renouvellement" panel: the renewal order, "Annuler la commande automatique", another plan. */
export function renewalPanel(ctx: PageContext, i: Instance, s: RenewalStatus | null, plans: PlanView[], retentionDays: number): Html {
  if (!s) return html``;
  const t = rt(ctx);
  const o = s.order;
  const open = o && (o.status === 'validated' || o.status === 'expired') && s.phase !== 'suspended';
  const others = plans.filter((p) => !p.customQuote && p.priceCents !== null && p.code !== o?.plan_code);
  const planName = (code: string) => plans.find((p) => p.code === code)?.name ?? code;
  return html`<section class="panel" id="renouvellement" aria-labelledby="renewal-title">
  <h2 id="renewal-title">${t('title')}</h2>
  ${s.phase === 'upcoming' ? html`<p>${t('upcoming', { date: frenchDate(s.issueOn), end: frenchDate(s.periodEnd) })}</p>` : ''}
  ${o && s.quoteNumber && s.phase !== 'paid' && s.phase !== 'declined' ? html`<p>${t('issued', { number: s.quoteNumber, amount: formatMoney(s.dueCents, ctx.locale), end: frenchDate(s.periodEnd), from: frenchDate(String(o.renews_from)), to: frenchDate(String(o.renews_to)), plan: planName(o.plan_code) })}</p>
  <p><a class="button small" href="/commandes/${o.id}">${t('seeOrder')}</a></p>` : ''}
  ${s.phase === 'paid' && o ? html`<p>${t('paid', { to: frenchDate(String(o.renews_to)) })}</p>` : ''}
  ${open && s.phase === 'issued' ? html`<form method="post" action="/instances/${i.id}/renouvellement/annuler" class="inline"${confirmAttr(t('cancelConfirm', { name: i.name, end: frenchDate(s.periodEnd), days: retentionDays }))}>${csrfField(ctx)}<button type="submit" class="secondary">${t('cancel')}</button></form>` : ''}
  ${open && others.length > 0 ? html`<form method="post" action="/instances/${i.id}/renouvellement/forfait">
    ${csrfField(ctx)}
    <p class="muted">${t('otherPlanHint')}</p>
    <label for="renewal-plan">${t('otherPlan')}</label>
    <select id="renewal-plan" name="plan">${others.map((p) => html`<option value="${p.code}">${t('option', { name: p.name, price: formatMoney(p.priceCents ?? 0, ctx.locale) })}</option>`)}</select>
    <button type="submit" class="secondary">${t('otherPlanSubmit')}</button>
  </form>` : ''}
</section>`;
}

/** The front door's page for a suspended instance: the unpaid quote, its amount, how to pay (or, ended as asked, how to get the data). */
export function suspendedInstancePage(ctx: PageContext, name: string, s: RenewalStatus | null, portalUrl: string): Html {
  const t = rt(ctx);
  const title = t('pageTitle', { name });
  const unpaid = s && s.phase !== 'declined' && s.quoteNumber && s.order;
  return layout(ctx, {
    title,
    main: html`<section class="narrow">
  <h1>${title}</h1>
  ${unpaid
    ? html`<p>${t('pageUnpaid', { number: s.quoteNumber!, amount: formatMoney(s.dueCents, ctx.locale), dataUntil: frenchDate(s.dataUntil) })}</p>
  <p>${t('pageHow', { number: s.quoteNumber! })}</p>
  <p><a class="button" href="${portalUrl}/commandes/${s.order!.id}">${t('pagePay', { number: s.quoteNumber! })}</a></p>`
    : html`<p>${t('pageEnded', { dataUntil: frenchDate(s?.dataUntil ?? s?.periodEnd ?? '') })}</p>
  <p><a href="${portalUrl}/">${t('pagePortal')}</a></p>`}
</section>`,
  });
}
