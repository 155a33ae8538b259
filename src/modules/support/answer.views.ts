import type { BillingDocument } from '../billing/document.types.ts';
import type { QuoteDecision } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatDateTime, formatMoney, translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { MESSAGE_MAX, SIGNER_MAX } from './use-cases/answer-support-quote.ts';

const messages = defineMessages({
  fr: {
    title: 'Devis {number}',
    intro: 'Devis d’accompagnement de {amount}, valable jusqu’au {date}.',
    pdf: 'Lire le devis (PDF)',
    back: 'Vos factures',
    acceptTitle: 'Bon pour accord',
    acceptHint: 'En signant, vous acceptez ce devis ; nous établissons ensuite avec vous le planning des séances.',
    signer: 'Vos nom et prénom',
    agree: 'Bon pour accord : j’accepte ce devis',
    accept: 'Accepter le devis',
    refuseTitle: 'Refuser le devis',
    refuseHint: 'Dites-nous ce qui ne convient pas (budget, contenu, dates) : nous pouvons vous proposer un devis révisé.',
    message: 'Votre message',
    refuse: 'Refuser le devis',
    errorsTitle: 'Votre réponse n’a pas été enregistrée',
    accepted: 'Devis accepté le {at} par {name} (« Bon pour accord », depuis l’adresse {ip}).',
    refused: 'Devis refusé le {at} par {name}.',
    closed: 'Ce devis ne peut plus recevoir de réponse : {why}',
    depositTitle: 'Acompte à régler',
    depositAsked: 'Comme prévu au devis, un acompte de {percent} % est à régler : {amount}. Dès réception, nous vous adressons la facture d’acompte ; le solde est facturé à la fin de l’accompagnement, acompte déduit.',
    depositTransfer: 'Par virement : {holder}IBAN {iban}, BIC {bic}, en indiquant la référence {reference}.',
    depositCheque: 'Par chèque : à l’ordre de {payee}, à envoyer à {address}, la référence {reference} au dos.',
    depositReceived: 'Acompte reçu : facture d’acompte {number}, dans « Vos factures ».',
  },
  en: {
    title: 'Quote {number}',
    intro: 'Accompaniment quote of {amount}, valid until {date}.',
    pdf: 'Read the quote (PDF)',
    back: 'Your invoices',
    acceptTitle: 'Bon pour accord (agreed)',
    acceptHint: 'By signing, you accept this quote; we then set up the planning of the sessions with you.',
    signer: 'Your full name',
    agree: 'Bon pour accord: I accept this quote',
    accept: 'Accept the quote',
    refuseTitle: 'Refuse the quote',
    refuseHint: 'Tell us what does not suit you (budget, content, dates): we can offer a revised quote.',
    message: 'Your message',
    refuse: 'Refuse the quote',
    errorsTitle: 'Your answer was not recorded',
    accepted: 'Quote accepted on {at} by {name} (“Bon pour accord”, from address {ip}).',
    refused: 'Quote refused on {at} by {name}.',
    closed: 'This quote can no longer be answered: {why}',
    depositTitle: 'Deposit to pay',
    depositAsked: 'As stated on the quote, a deposit of {percent} % is to be paid: {amount}. On receipt we send you the deposit invoice; the balance is invoiced at the end of the accompaniment, less the deposit.',
    depositTransfer: 'By bank transfer: {holder}IBAN {iban}, BIC {bic}, with the reference {reference}.',
    depositCheque: 'By cheque: payable to {payee}, sent to {address}, with the reference {reference} on the back.',
    depositReceived: 'Deposit received: deposit invoice {number}, in “Your invoices”.',
  },
});

export function answerPage(
  ctx: PageContext,
  d: {
    quote: BillingDocument;
    decision: QuoteDecision | undefined;
    closedWhy: string | null;
    values: { signer: string; message: string };
    errors: FieldErrors;
    /** accepted with a deposit: what to pay and how, or the deposit invoice once received */
    deposit?: { percent: number; amountCents: number; reference: string; invoiceNumber: string | null; payTo: { accountHolder: string; iban: string; bic: string; chequePayee: string; chequeAddress: string } } | null;
  },
): Html {
  const t = translator(messages, ctx.locale);
  const q = d.quote;
  const form = !d.decision && !d.closedWhy;
  return layout(ctx, {
    title: t('title', { number: q.number }),
    main: html`<section class="narrow">
  <p><a href="/factures">${t('back')}</a></p>
  <h1>${t('title', { number: q.number })}</h1>
  <p>${t('intro', { amount: formatMoney(q.totals.grossCents, ctx.locale), date: q.validUntil ?? '' })}</p>
  <p><a href="/factures/${q.number}.pdf">${t('pdf')}</a></p>
  ${
    d.decision
      ? notice(d.decision.decision === 'accepted' ? 'success' : 'info', t(d.decision.decision === 'accepted' ? 'accepted' : 'refused', { at: formatDateTime(d.decision.decided_at, ctx.locale), name: d.decision.signer_name, ip: d.decision.ip ?? '—' }))
      : ''
  }
  ${d.closedWhy ? notice('warning', t('closed', { why: d.closedWhy })) : ''}
  ${
    d.deposit
      ? d.deposit.invoiceNumber
        ? notice('success', t('depositReceived', { number: d.deposit.invoiceNumber }))
        : html`<section class="panel" id="acompte">
    <h2>${t('depositTitle')}</h2>
    <p>${t('depositAsked', { percent: String(d.deposit.percent), amount: formatMoney(d.deposit.amountCents, ctx.locale) })}</p>
    <p>${t('depositTransfer', { holder: d.deposit.payTo.accountHolder ? `${d.deposit.payTo.accountHolder}, ` : '', iban: d.deposit.payTo.iban, bic: d.deposit.payTo.bic, reference: d.deposit.reference })}</p>
    <p>${t('depositCheque', { payee: d.deposit.payTo.chequePayee, address: d.deposit.payTo.chequeAddress.replace(/\n/g, ', '), reference: d.deposit.reference })}</p>
  </section>`
      : ''
  }
  ${form ? errorSummary(d.errors, t('errorsTitle')) : ''}
  ${
    form
      ? html`<h2>${t('acceptTitle')}</h2>
  <p>${t('acceptHint')}</p>
  <form method="post" action="/accompagnement/devis/${q.number}" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="decision" value="accepted">
    ${field({ name: 'signer', label: t('signer'), value: d.values.signer, required: true, autocomplete: 'name', error: d.errors.signer, maxlength: SIGNER_MAX })}
    <div class="field${d.errors.agree ? ' has-error' : ''}">
      ${d.errors.agree ? html`<p class="error" id="f-agree-error">${d.errors.agree}</p>` : ''}
      <label><input type="checkbox" id="f-agree" name="agree" value="1"${d.errors.agree ? html` aria-invalid="true" aria-describedby="f-agree-error"` : ''}> ${t('agree')}</label>
    </div>
    <button type="submit">${t('accept')}</button>
  </form>
  <h2>${t('refuseTitle')}</h2>
  <p>${t('refuseHint')}</p>
  <form method="post" action="/accompagnement/devis/${q.number}" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="decision" value="refused">
    ${field({ name: 'signer', label: t('signer'), value: d.values.signer, required: true, autocomplete: 'name', maxlength: SIGNER_MAX })}
    <div class="field${d.errors.message ? ' has-error' : ''}">
      <label for="f-message">${t('message')} <span class="req" aria-hidden="true">*</span></label>
      ${d.errors.message ? html`<p class="error" id="f-message-error">${d.errors.message}</p>` : ''}
      <textarea id="f-message" name="message" rows="4" maxlength="${MESSAGE_MAX}"${d.errors.message ? html` aria-invalid="true" aria-describedby="f-message-error"` : ''}>${d.values.message}</textarea>
    </div>
    <button type="submit" class="secondary">${t('refuse')}</button>
  </form>`
      : ''
  }
</section>`,
  });
}
