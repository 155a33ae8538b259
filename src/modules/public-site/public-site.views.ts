import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatBytes, formatMoney, translator } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import type { PlanView } from '../settings/settings.types.ts';

const m = defineMessages({
  fr: {
    title: 'Hébergement Diacamma',
    lead: 'Votre Diacamma en ligne, complet, sécurisé en HTTPS, à votre adresse : https://votre-nom.{domain}',
    perYear: '{price} / an',
    onQuote: 'Sur devis',
    bandwidth: 'Bande passante',
    sla: 'Disponibilité (SLA)',
    sessions: 'Connexions simultanées',
    sessionsMax: '{n} au maximum',
    unlimited: 'Sans limitation',
    storage: 'Stockage',
    custom: 'Personnalisé',
    order: 'Commander',
    quote: 'Demander un devis',
    full: 'Chaque forfait est un Diacamma complet, sans restriction fonctionnelle : seuls le réseau et le stockage diffèrent.',
  },
  en: {
    title: 'Diacamma hosting',
    lead: 'Your Diacamma online, complete, secured with HTTPS, at your own address: https://your-name.{domain}',
    perYear: '{price} / year',
    onQuote: 'On quote',
    bandwidth: 'Bandwidth',
    sla: 'Availability (SLA)',
    sessions: 'Simultaneous connections',
    sessionsMax: '{n} at most',
    unlimited: 'Unlimited',
    storage: 'Storage',
    custom: 'Custom',
    order: 'Order',
    quote: 'Ask for a quote',
    full: 'Every plan is a complete Diacamma with no functional restriction: only network and storage differ.',
  },
});

export function planCard(ctx: PageContext, p: PlanView): Html {
  const t = translator(m, ctx.locale);
  const nf = new Intl.NumberFormat(ctx.locale === 'fr' ? 'fr-FR' : 'en-GB');
  return html`<article class="plan" id="forfait-${p.code}">
  <h3>${p.name}</h3>
  <p class="price">${p.priceCents === null ? t('onQuote') : t('perYear', { price: formatMoney(p.priceCents, ctx.locale) })}</p>
  <dl>
    <dt>${t('bandwidth')}</dt><dd>${p.bandwidthMbps === null ? t('custom') : `${nf.format(p.bandwidthMbps)} Mbps`}</dd>
    <dt>${t('sla')}</dt><dd>${p.slaPercent === null ? t('custom') : `${nf.format(p.slaPercent)} %`}</dd>
    <dt>${t('sessions')}</dt><dd>${p.customQuote ? t('custom') : p.maxSessions === null ? t('unlimited') : t('sessionsMax', { n: p.maxSessions })}</dd>
    <dt>${t('storage')}</dt><dd>${p.storageBytes === null ? t('custom') : formatBytes(p.storageBytes, ctx.locale)}</dd>
  </dl>
  <a class="button" href="${p.customQuote ? '/faq#diamant' : '/inscription'}">${p.customQuote ? t('quote') : t('order')}</a>
</article>`;
}

export function homePage(ctx: PageContext, plans: PlanView[], domain = 'sleto.fr'): Html {
  const t = translator(m, ctx.locale);
  return layout(ctx, {
    title: t('title'),
    main: html`<section class="hero">
  <h1>${t('title')}</h1>
  <p class="lead">${t('lead', { domain })}</p>
</section>
<section class="plans" aria-label="${t('title')}">
  ${plans.map((p) => planCard(ctx, p))}
</section>
<p class="muted center">${t('full')}</p>`,
  });
}
