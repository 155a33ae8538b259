import { frenchDate } from '../../platform/dates.ts';
import type { Instance } from '../../platform/db/schema.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatMoney, translator, type Locale } from '../../web/i18n.ts';
import type { RenewalStatus } from '../instances/renewal-status.ts';

export const lifecyclePortalMessages = defineMessages({
  fr: {
    title: 'Renouvellement de vos instances',
    issued: '{name} : l’abonnement se termine le {end}. La commande automatique de renouvellement vous attend : devis {number}, {amount} à régler, pour la période du {from} au {to} (forfait {plan}).',
    grace: '{name} : l’abonnement est échu depuis le {end}. Le devis {number} ({amount}) n’est pas réglé : l’instance sera suspendue le {suspendOn}.',
    suspended: '{name} est suspendue depuis le {suspendOn} : le devis {number} ({amount}) n’est pas réglé. Un règlement la rétablit aussitôt ; ses données sont conservées jusqu’au {dataUntil}.',
    declined: '{name} : vous avez annulé la commande automatique, l’abonnement prend fin le {end}. Les données seront conservées jusqu’au {dataUntil} ; pensez à faire une archive et à la télécharger.',
    pay: 'Régler le renouvellement de {name}',
    choose: 'Annuler la commande automatique de {name} ou choisir un autre forfait',
    open: 'Voir l’instance {name}',
  },
  en: {
    title: 'Renewal of your instances',
    issued: '{name}: the subscription ends on {end}. Its automatic renewal order is waiting: quote {number}, {amount} to pay, for the period from {from} to {to} ({plan} plan).',
    grace: '{name}: the subscription lapsed on {end}. Quote {number} ({amount}) is unpaid: the instance will be suspended on {suspendOn}.',
    suspended: '{name} has been suspended since {suspendOn}: quote {number} ({amount}) is unpaid. A payment restores it at once; its data is kept until {dataUntil}.',
    declined: '{name}: you cancelled the automatic order, the subscription ends on {end}. The data will be kept until {dataUntil}; remember to make an archive and download it.',
    pay: 'Pay the renewal of {name}',
    choose: 'Cancel the automatic order of {name} or choose another plan',
    open: 'See instance {name}',
  },
});

export interface PortalRenewal {
  instance: Instance;
  status: RenewalStatus;
  planName: string;
}

/** One instance's line of the banner, or null when its renewal asks nothing of the customer. */
function line(locale: Locale, r: PortalRenewal): Html | null {
  const t = translator(lifecyclePortalMessages, locale);
  const { instance: i, status: s } = r;
  const name = i.name;
  const amount = formatMoney(s.dueCents, locale);
  const due = s.order !== null && s.quoteNumber !== null && s.dueCents > 0;
  const pay = due ? html`<a class="button small" href="/commandes/${s.order!.id}">${t('pay', { name })}</a>` : '';
  if (s.phase === 'issued' && due) {
    const o = s.order!;
    return html`<li class="notice warning" data-renewal="${name}">
    <p>${t('issued', { name, end: frenchDate(s.periodEnd), number: s.quoteNumber!, amount, from: frenchDate(String(o.renews_from)), to: frenchDate(String(o.renews_to)), plan: r.planName })}</p>
    <p class="actions">${pay} <a href="/instances/${i.id}#renouvellement">${t('choose', { name })}</a></p>
  </li>`;
  }
  if (s.phase === 'grace' && due) {
    return html`<li class="notice warning" data-renewal="${name}">
    <p>${t('grace', { name, end: frenchDate(s.periodEnd), number: s.quoteNumber!, amount, suspendOn: frenchDate(s.suspendOn) })}</p>
    <p class="actions">${pay} <a href="/instances/${i.id}#renouvellement">${t('open', { name })}</a></p>
  </li>`;
  }
  if (s.phase === 'suspended' && due) {
    return html`<li class="notice warning" data-renewal="${name}">
    <p>${t('suspended', { name, suspendOn: frenchDate(s.suspendOn), number: s.quoteNumber!, amount, dataUntil: frenchDate(s.dataUntil) })}</p>
    <p class="actions">${pay} <a href="/instances/${i.id}#renouvellement">${t('open', { name })}</a></p>
  </li>`;
  }
  if (s.phase === 'declined') {
    return html`<li class="notice info" data-renewal="${name}">
    <p>${t('declined', { name, end: frenchDate(s.periodEnd), dataUntil: frenchDate(s.dataUntil) })}</p>
    <p class="actions"><a href="/instances/${i.id}">${t('open', { name })}</a></p>
  </li>`;
  }
  return null;
}

/**
 * "Mon espace"'s renewal banner: every instance whose renewal waits for the customer (a quote to
 * pay, the grace period, a suspension) or that ends as asked, with the way to act on it. A named
 * region holding a status list, so a screen reader announces it and can jump to it.
 */
export function portalRenewalBanner(locale: Locale, renewals: readonly PortalRenewal[]): Html | null {
  const lines = renewals.map((r) => line(locale, r)).filter((l): l is Html => l !== null);
  if (lines.length === 0) return null;
  const t = translator(lifecyclePortalMessages, locale);
  return html`<section class="renewal-banner" aria-labelledby="renewal-banner-title">
  <h2 id="renewal-banner-title">${t('title')}</h2>
  <div role="status">
    <ul class="renewal-list">
    ${lines}
    </ul>
  </div>
</section>`;
}
