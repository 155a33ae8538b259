/**
 * The "Payer avec PayPal" button and the page behind a quote's PayPal link. Shared by the order page,
 * "Vos factures" and the payments routes, so it lives with the other shared components.
 */
import type { PageContext } from './context.ts';
import { html, type Html } from './html.ts';
import { defineMessages, formatMoney, translator } from './i18n.ts';
import { csrfField, layout } from './layout.ts';

const messages = defineMessages({
  fr: {
    title: 'Payer le devis {number} avec PayPal',
    due: 'Montant à régler : {amount}.',
    how: 'Vous allez être dirigé vers PayPal pour payer avec votre compte PayPal ou une carte bancaire, puis ramené ici. Votre instance est créée quelques minutes après.',
    pay: 'Payer avec PayPal',
    back: 'Retour à vos factures',
  },
  en: {
    title: 'Pay quote {number} with PayPal',
    due: 'Amount to pay: {amount}.',
    how: 'You will be taken to PayPal to pay with your PayPal account or a card, then brought back here. Your instance is created a few minutes later.',
    pay: 'Pay with PayPal',
    back: 'Back to your invoices',
  },
});

/** The "Payer avec PayPal" button: a POST (it creates a PayPal order), never a plain link. */
export function paypalPayForm(ctx: PageContext, number: string, small = false): Html {
  const t = translator(messages, ctx.locale);
  return html`<form method="post" action="/paiement/paypal/${number}" class="inline">${csrfField(ctx)}<button type="submit"${small ? html` class="small"` : ''}>${t('pay')}</button></form>`;
}

/** Where the PayPal link of a quote's PDF or e-mail leads: what will be paid, and the button. */
export function paypalPayPage(ctx: PageContext, s: { number: string; dueCents: number }): Html {
  const t = translator(messages, ctx.locale);
  return layout(ctx, {
    title: t('title', { number: s.number }),
    main: html`<section class="narrow">
  <h1>${t('title', { number: s.number })}</h1>
  <p>${t('due', { amount: formatMoney(s.dueCents, ctx.locale) })}</p>
  <p class="muted">${t('how')}</p>
  <div class="actions">${paypalPayForm(ctx, s.number)} <a href="/factures">${t('back')}</a></div>
</section>`,
  });
}
