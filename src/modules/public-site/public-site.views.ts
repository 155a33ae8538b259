import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatBytes, formatMoney, translator, type Locale } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import type { PlanView } from '../settings/settings.types.ts';

export const homeMessages = defineMessages({
  fr: {
    title: 'Hébergement Diacamma',
    lead: 'Votre Diacamma en ligne, complet, à votre adresse : {address}',
    leadHttps: 'Votre Diacamma en ligne, complet, sécurisé en HTTPS, à votre adresse : {address}',
    plansTitle: 'Nos forfaits',
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
    orderPlan: 'Commander le forfait {name}',
    quote: 'Demander un devis',
    full: 'Chaque forfait est un Diacamma complet, sans restriction fonctionnelle : seuls le réseau et le stockage diffèrent.',
    plansMore: 'Quel forfait choisir ? Que signifie « connexions simultanées » ?',
    howTitle: 'Comment ça marche',
    how1: 'Créez votre compte sur le portail : un courriel vous permet de choisir vous-même votre mot de passe.',
    how2: "Commandez votre hébergement : choisissez le forfait et le nom de votre instance.",
    how3: 'Recevez le devis par courriel.',
    how4: 'Réglez-le par virement, par chèque ou par PayPal.',
    how4NoPaypal: 'Réglez-le par virement ou par chèque.',
    how5: "Quelques minutes après l'enregistrement du paiement, votre Diacamma est en ligne à l'adresse {address}.",
    howMore: 'Toutes les étapes en détail',
    supportTitle: 'Accompagnement : support et formation',
    supportText:
      "L'hébergement ne comprend pas d'aide à l'utilisation de Diacamma. Pour bien démarrer ou aller plus loin, nous proposons un accompagnement sur mesure : configuration, reprise de vos données, formation de vos utilisateurs, aide ponctuelle.",
    formatSite: 'Sur place, par demi-journées ou journées entières',
    formatPresentation: 'À distance, par une présentation en ligne',
    formatRemote: 'À distance, par prise en main de votre ordinateur',
    supportQuote: "Chaque accompagnement fait l'objet d'un devis, adapté à vos besoins et à votre budget.",
    supportMore: "En savoir plus sur l'accompagnement",
    supportRequest: 'Demande information',
  },
  en: {
    title: 'Diacamma hosting',
    lead: 'Your Diacamma online, complete, at your own address: {address}',
    leadHttps: 'Your Diacamma online, complete, secured with HTTPS, at your own address: {address}',
    plansTitle: 'Our plans',
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
    orderPlan: 'Order the {name} plan',
    quote: 'Ask for a quote',
    full: 'Every plan is a complete Diacamma with no functional restriction: only network and storage differ.',
    plansMore: 'Which plan should I choose? What do “simultaneous connections” mean?',
    howTitle: 'How it works',
    how1: 'Create your account on the portal: an e-mail lets you choose your own password.',
    how2: 'Order your hosting: choose the plan and the name of your instance.',
    how3: 'Receive the quote by e-mail.',
    how4: 'Pay it by bank transfer, by cheque or with PayPal.',
    how4NoPaypal: 'Pay it by bank transfer or by cheque.',
    how5: 'A few minutes after the payment is recorded, your Diacamma is online at {address}.',
    howMore: 'Every step in detail',
    supportTitle: 'Accompaniment: support and training',
    supportText:
      'Hosting includes no help with using Diacamma. To get started or go further, we offer tailored accompaniment: configuration, taking over your data, training your users, occasional help.',
    formatSite: 'On site, by half days or full days',
    formatPresentation: 'Remotely, through an online presentation',
    formatRemote: 'Remotely, by taking control of your computer',
    supportQuote: 'Every accompaniment comes with a quote, fitted to your needs and your budget.',
    supportMore: 'More about accompaniment',
    supportRequest: 'Information request',
  },
});

/** A plan's figures, formatted for the page's language; shared by the home page and the FAQ. */
export interface PlanFacts {
  price: string;
  bandwidth: string;
  sla: string;
  sessions: string;
  storage: string;
}

export function planFacts(locale: Locale, p: PlanView): PlanFacts {
  const t = translator(homeMessages, locale);
  const nf = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB');
  return {
    price: p.priceCents === null ? t('onQuote') : t('perYear', { price: formatMoney(p.priceCents, locale) }),
    bandwidth: p.bandwidthMbps === null ? t('custom') : `${nf.format(p.bandwidthMbps)} Mbps`,
    sla: p.slaPercent === null ? t('custom') : `${nf.format(p.slaPercent)} %`,
    sessions: p.customQuote ? t('custom') : p.maxSessions === null ? t('unlimited') : t('sessionsMax', { n: p.maxSessions }),
    storage: p.storageBytes === null ? t('custom') : formatBytes(p.storageBytes, locale),
  };
}

/** Column / row labels matching `PlanFacts`. */
export function planLabels(locale: Locale): Record<keyof PlanFacts, string> {
  const t = translator(homeMessages, locale);
  return { price: '', bandwidth: t('bandwidth'), sla: t('sla'), sessions: t('sessions'), storage: t('storage') };
}

/**
 * "Commander" on a plan: the order form with that plan chosen; a visitor goes through the sign-up
 * first, which brings them back to it.
 */
export function orderHref(ctx: PageContext, p: PlanView): string {
  const form = `/instances/nouvelle?forfait=${encodeURIComponent(p.code)}`;
  return ctx.user ? form : `/inscription?retour=${encodeURIComponent(form)}`;
}

export function planCard(ctx: PageContext, p: PlanView): Html {
  const t = translator(homeMessages, ctx.locale);
  const f = planFacts(ctx.locale, p);
  return html`<article class="plan" id="forfait-${p.code}">
  <h3>${p.name}</h3>
  <p class="price">${f.price}</p>
  <dl>
    <dt>${t('bandwidth')}</dt><dd>${f.bandwidth}</dd>
    <dt>${t('sla')}</dt><dd>${f.sla}</dd>
    <dt>${t('sessions')}</dt><dd>${f.sessions}</dd>
    <dt>${t('storage')}</dt><dd>${f.storage}</dd>
  </dl>
  ${p.customQuote ? html`<a class="button" href="/faq#${p.code}">${t('quote')}</a>` : html`<a class="button" href="${orderHref(ctx, p)}" aria-label="${t('orderPlan', { name: p.name })}">${t('order')}</a>`}
</article>`;
}

/** `instanceUrl` gives the address the front door serves an instance at (scheme, port when not default). */
export function homePage(ctx: PageContext, plans: PlanView[], o: { instanceUrl: (name: string) => string; paypal: boolean; supportForm?: boolean }): Html {
  const t = translator(homeMessages, ctx.locale);
  const instanceUrl = o.instanceUrl;
  return layout(ctx, {
    title: t('title'),
    main: html`<section class="hero">
  <h1>${t('title')}</h1>
  <p class="lead">${t(instanceUrl('x').startsWith('https:') ? 'leadHttps' : 'lead', { address: instanceUrl(ctx.locale === 'fr' ? 'votre-nom' : 'your-name') })}</p>
</section>
<section aria-labelledby="forfaits">
  <h2 id="forfaits" class="center">${t('plansTitle')}</h2>
  <div class="plans">
    ${plans.map((p) => planCard(ctx, p))}
  </div>
  <p class="muted center">${t('full')}</p>
  <p class="center"><a href="/faq#choisir">${t('plansMore')}</a></p>
</section>
<section aria-labelledby="comment-ca-marche">
  <h2 id="comment-ca-marche">${t('howTitle')}</h2>
  <ol>
    <li>${t('how1')}</li>
    <li>${t('how2')}</li>
    <li>${t('how3')}</li>
    <li>${t(o.paypal ? 'how4' : 'how4NoPaypal')}</li>
    <li>${t('how5', { address: instanceUrl(ctx.locale === 'fr' ? 'nom-choisi' : 'chosen-name') })}</li>
  </ol>
  <p><a href="/faq#commander">${t('howMore')}</a></p>
</section>
<section aria-labelledby="accompagnement">
  <h2 id="accompagnement">${t('supportTitle')}</h2>
  <p>${t('supportText')}</p>
  <div class="tiles">
    <div class="tile">${t('formatSite')}</div>
    <div class="tile">${t('formatPresentation')}</div>
    <div class="tile">${t('formatRemote')}</div>
  </div>
  <p>${t('supportQuote')}</p>
  ${o.supportForm ? html`<p><a class="button" href="/demande-information">${t('supportRequest')}</a></p>` : ''}
  <p><a href="/faq#accompagnement">${t('supportMore')}</a></p>
</section>`,
  });
}
