import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatMoney, translator, type Translator } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import { cardTable } from '../../web/table.ts';
import { frenchDate } from '../../platform/dates.ts';
import type { BillingSettings, OperatorIdentity } from '../settings/settings.types.ts';
import { billingMessages } from './billing.messages.ts';
import { paypalPayForm } from '../../web/paypal-form.ts';
import type { DocumentState } from './document-state.ts';

type K = keyof typeof billingMessages.fr;
export type BT = Translator<K>;
export const bt = (ctx: PageContext): BT => translator(billingMessages, ctx.locale);

export interface DocumentListItem {
  kind: 'quote' | 'invoice' | 'credit_note';
  number: string;
  issue_date: string;
  gross_cents: number;
  state: DocumentState;
  related_number: string | null;
  order_id: number | null;
  /** an accompaniment's deposit or final invoice */
  invoice_type?: 'deposit' | 'final' | null;
  /** an invoice issued unpaid: what it asks (its balance) */
  amount_due_cents?: number | string | null;
}

export function stateBadge(t: BT, state: DocumentState): Html {
  const cls = state === 'paid' || state === 'issued' || state === 'accepted' ? 'ok' : state === 'to_pay' || state === 'to_accept' ? 'warn' : 'err';
  return html`<span class="badge ${cls}">${t(`state_${state}`)}</span>`;
}

export function invoicesPage(ctx: PageContext, s: { docs: DocumentListItem[]; identity: OperatorIdentity; billing: BillingSettings; notices: { kind: 'success' | 'info' | 'warning'; text: string }[]; paypalEnabled: boolean }): Html {
  const t = bt(ctx);
  return layout(ctx, {
    title: t('title'),
    main: html`<h1>${t('title')}</h1>
${s.notices.map((n) => notice(n.kind, n.text))}
<p class="muted">${t('intro')}</p>
${
  s.docs.length === 0
    ? html`<p class="notice info">${t('empty')}</p>`
    : cardTable(
        [t('colDocument'), t('colDate'), t('colAmount'), t('colState'), t('colActions')],
        s.docs.map((d) => [
          html`${t(d.invoice_type === 'deposit' ? 'kind_deposit' : `kind_${d.kind}`)} <strong>${d.number}</strong>${d.related_number ? html`<br><span class="muted">→ ${d.related_number}</span>` : ''}`,
          frenchDate(d.issue_date),
          d.amount_due_cents != null && Number(d.amount_due_cents) !== d.gross_cents
            ? html`${formatMoney(d.gross_cents, ctx.locale)}<br><span class="muted">${t('balanceDue', { amount: formatMoney(Number(d.amount_due_cents), ctx.locale) })}</span>`
            : formatMoney(d.gross_cents, ctx.locale),
          stateBadge(t, d.state),
          html`<a href="/factures/${d.number}.pdf">${t('print')}</a>${d.kind === 'quote' && d.order_id === null ? html` <a href="/accompagnement/devis/${d.number}">${t(d.state === 'to_accept' ? 'answerQuote' : 'seeAnswer')}</a>` : ''}${d.kind === 'quote' && d.state === 'to_pay' && s.paypalEnabled ? html` ${paypalPayForm(ctx, d.number, true)}` : ''}`,
        ]),
      )
}
<section class="panel">
  <h2>${t('termsTitle')}</h2>
  <p>${t(s.paypalEnabled ? 'terms1' : 'terms1NoPaypal')}</p>
  <p>${t('terms2', { holder: s.identity.accountHolder, iban: s.identity.iban, bic: s.identity.bic })}</p>
  <p>${t('terms3', { payee: s.identity.chequePayee, address: s.identity.chequeAddress.replace(/\n/g, ', ') })}</p>
  <p>${t('terms4', { penalty: s.billing.latePenaltyText })}</p>
</section>`,
  });
}
