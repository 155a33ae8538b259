import type { PageContext } from '../../web/context.ts';
import { field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, translator } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import { backofficePage } from './backoffice.views.ts';
import type { PlanView } from '../settings/settings.types.ts';

const m = defineMessages({
  fr: {
    title: 'Forfaits',
    intro: 'Les forfaits proposés sur le site et à la commande. Une modification vaut pour les devis émis ensuite : les documents déjà émis ne changent pas.',
    name: 'Nom',
    price: 'Prix annuel (€)',
    priceHint: 'Vide pour une offre sur devis.',
    bandwidth: 'Bande passante (Mbps)',
    sla: 'Disponibilité garantie (%)',
    sessions: 'Connexions simultanées au maximum',
    sessionsHint: 'Vide : sans limitation.',
    storage: 'Stockage (Go)',
    customHint: 'Vide : personnalisé.',
    save: 'Enregistrer le forfait',
    saved: 'Forfait enregistré. Il s’applique aux prochains devis.',
    onQuote: 'Sur devis',
    err_required: 'Ce champ est obligatoire.',
    err_integer: 'Indiquez un nombre entier positif.',
    err_price: 'Indiquez un montant en euros, par exemple 44,99.',
    err_price_required: 'Un forfait commandable en ligne a un prix.',
    err_sla: 'Indiquez un pourcentage entre 50 et 100, par exemple 99,5.',
    back: 'Retour au back office',
  },
  en: {
    title: 'Plans',
    intro: 'The plans offered on the site and at order time. A change applies to quotes issued afterwards: documents already issued do not change.',
    name: 'Name',
    price: 'Yearly price (€)',
    priceHint: 'Empty for an offer on quote.',
    bandwidth: 'Bandwidth (Mbps)',
    sla: 'Guaranteed availability (%)',
    sessions: 'Simultaneous connections at most',
    sessionsHint: 'Empty: unlimited.',
    storage: 'Storage (GB)',
    customHint: 'Empty: custom.',
    save: 'Save the plan',
    saved: 'Plan saved. It applies to the next quotes.',
    onQuote: 'On quote',
    err_required: 'This field is required.',
    err_integer: 'Give a positive whole number.',
    err_price: 'Give an amount in euros, e.g. 44.99.',
    err_price_required: 'A plan ordered online has a price.',
    err_sla: 'Give a percentage between 50 and 100, e.g. 99.5.',
    back: 'Back to the back office',
  },
});

export const pt = (ctx: PageContext) => translator(m, ctx.locale);

export interface PlanFormValues {
  name: string;
  price: string;
  bandwidth: string;
  sla: string;
  sessions: string;
  storage: string;
}

function valuesOf(p: PlanView): PlanFormValues {
  const cents = p.priceCents;
  return {
    name: p.name,
    price: cents === null ? '' : `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`,
    bandwidth: p.bandwidthMbps === null ? '' : String(p.bandwidthMbps),
    sla: p.slaPercent === null ? '' : String(p.slaPercent).replace('.', ','),
    sessions: p.maxSessions === null ? '' : String(p.maxSessions),
    storage: p.storageBytes === null ? '' : String(Math.round(p.storageBytes / 1024 ** 3)),
  };
}

export function plansPage(ctx: PageContext, s: { plans: PlanView[]; editing: { code: string; values: PlanFormValues; errors: FieldErrors } | null; saved: string | null }): Html {
  const t = pt(ctx);
  return backofficePage(ctx, {
    section: 'plans',
    title: t('title'),
    main: html`<h1>${t('title')}</h1>
<p class="muted">${t('intro')}</p>
${s.plans.map((p) => {
  const editing = s.editing?.code === p.code ? s.editing : null;
  const v = editing?.values ?? valuesOf(p);
  const e = editing?.errors ?? {};
  return html`<section class="panel" id="forfait-${p.code}">
  <h2>${p.name}</h2>
  ${s.saved === p.code ? notice('success', t('saved')) : ''}
  <form method="post" action="/backoffice/forfaits/${p.code}" novalidate>
    ${csrfField(ctx)}
    ${field({ name: 'name', label: t('name'), value: v.name, required: true, error: e.name, maxlength: 40 })}
    ${field({ name: 'price', label: t('price'), value: v.price, ...(p.customQuote ? { hint: t('priceHint') } : {}), error: e.price, maxlength: 14 })}
    ${field({ name: 'bandwidth', label: t('bandwidth'), value: v.bandwidth, hint: t('customHint'), error: e.bandwidth, maxlength: 9 })}
    ${field({ name: 'sla', label: t('sla'), value: v.sla, hint: t('customHint'), error: e.sla, maxlength: 7 })}
    ${field({ name: 'sessions', label: t('sessions'), value: v.sessions, hint: t('sessionsHint'), error: e.sessions, maxlength: 9 })}
    ${field({ name: 'storage', label: t('storage'), value: v.storage, hint: t('customHint'), error: e.storage, maxlength: 9 })}
    <button type="submit">${t('save')}</button>
  </form>
</section>`;
})}`,
  });
}
