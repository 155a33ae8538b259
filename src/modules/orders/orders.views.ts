import { frenchDate } from '../../platform/dates.ts';
import type { Instance, Order, PaymentMethod } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime, formatMoney, translator, type Translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { cardTable } from '../../web/table.ts';
import { confirmAttr } from '../../web/confirm.ts';
import type { BillingDocument } from '../billing/document.types.ts';
import type { PlanView } from '../settings/settings.types.ts';
import { orderMessages } from './orders.messages.ts';
import { paypalPayForm } from '../../web/paypal-form.ts';
import { validationForm, type BillingAddressValues } from './order-validation.views.ts';

type K = keyof typeof orderMessages.fr;
export type OT = Translator<K>;
export const ot = (ctx: PageContext): OT => translator(orderMessages, ctx.locale);

export function orderStateBadge(t: OT, status: Order['status']): Html {
  const cls = status === 'paid' ? 'ok' : status === 'validated' || status === 'draft' || status === 'requested' ? 'warn' : 'err';
  return html`<span class="badge ${cls}">${t(`state_${status}` as K)}</span>`;
}

function tabs(t: OT, active: 'instances' | 'actions'): Html {
  return html`<nav class="tabs" aria-label="${t('instancesTitle')}">
  <a href="/instances"${active === 'instances' ? html` aria-current="page" class="active"` : ''}>${t('instancesTitle')}</a>
  <a href="/instances/actions"${active === 'actions' ? html` aria-current="page" class="active"` : ''}>${t('actionsTab')}</a>
  <a href="/archives-finales">${t('finalArchivesTab')}</a>
</nav>`;
}

export interface LiveInstanceRow {
  id: number;
  name: string;
  plan: string;
  state: string;
  /** the state in words, from the instances module's messages */
  stateLabel: string;
  url: string;
}

export function instancesPage(ctx: PageContext, orders: Order[], plans: PlanView[], instanceUrl: (name: string) => string, live: LiveInstanceRow[] = []): Html {
  const t = ot(ctx);
  const planName = (code: string) => plans.find((p) => p.code === code)?.name ?? code;
  return layout(ctx, {
    title: t('instancesTitle'),
    main: html`<h1>${t('instancesTitle')}</h1>
${tabs(t, 'instances')}
<p><a class="button" href="/instances/nouvelle">${t('newOrder')}</a></p>
${
  live.length > 0
    ? cardTable(
        [t('colInstance'), t('colPlan'), t('colState'), t('colActions')],
        live.map((i) => [
          html`<strong>${i.name}</strong><br>${i.state === 'active' ? html`<a href="${i.url}" rel="noopener">${i.url}</a>` : html`<span class="muted">${i.url}</span>`}`,
          planName(i.plan),
          html`<span class="badge ${i.state === 'active' ? 'ok' : i.state === 'creating' ? 'warn' : 'err'}">${i.stateLabel}</span>`,
          html`<a class="button small secondary" href="/instances/${i.id}" aria-label="${t('edit')} ${i.name}">${t('edit')}</a>`,
        ]),
      )
    : ''
}
${
  orders.length === 0 && live.length > 0
    ? ''
    : orders.length === 0
    ? html`<p class="notice info">${t('empty')}</p>`
    : html`<h2>${t('ordersTitle')}</h2>${cardTable(
        [t('colInstance'), t('colPlan'), t('colState'), t('colActions')],
        orders.map((o) => [
          html`<strong>${o.instance_name}</strong><br><span class="muted">${instanceUrl(o.instance_name)}</span>`,
          planName(o.plan_code),
          orderStateBadge(t, o.status),
          html`<a class="button small secondary" href="/commandes/${o.id}" aria-label="${t('seeOrder')} ${o.instance_name}">${t('seeOrder')}</a>`,
        ]),
      )}`
}`,
  });
}

export interface OrderFormValues {
  instance_name: string;
  plan: string;
  flavour: string;
  payment_method: string;
}

export function orderFormPage(ctx: PageContext, opts: { plans: PlanView[]; instanceUrl: (name: string) => string; methods: readonly PaymentMethod[]; values: OrderFormValues; errors: FieldErrors; orderId: number | null }): Html {
  const t = ot(ctx);
  const v = opts.values;
  const e = opts.errors;
  const action = opts.orderId === null ? '/instances/nouvelle' : `/commandes/${opts.orderId}/modifier`;
  const radio = (name: string, value: string, label: string, checked: boolean) =>
    html`<label class="choice"><input type="radio" name="${name}" value="${value}"${checked ? html` checked` : ''}> ${label}</label>`;
  const fieldset = (name: string, legend: string, body: Html) =>
    html`<fieldset class="field${e[name] ? ' has-error' : ''}" id="f-${name}"><legend>${legend}</legend>${e[name] ? html`<p class="error">${e[name]}</p>` : ''}${body}</fieldset>`;
  return layout(ctx, {
    title: opts.orderId === null ? t('formTitle') : t('editTitle'),
    main: html`<section class="narrow">
<h1>${opts.orderId === null ? t('formTitle') : t('editTitle')}</h1>
${errorSummary(e, t('errorsTitle'))}
<form method="post" action="${action}" novalidate>
  ${csrfField(ctx)}
  ${field({ name: 'instance_name', label: t('instanceName'), hint: t('instanceNameHint', { address: opts.instanceUrl(ctx.locale === 'fr' ? 'nom' : 'name') }), value: v.instance_name, required: true, error: e.instance_name, maxlength: 40, autocomplete: 'off' })}
  ${fieldset('plan', t('plan'), html`${opts.plans.filter((p) => !p.customQuote && p.priceCents !== null).map((p) => radio('plan', p.code, t('planOption', { name: p.name, price: formatMoney(p.priceCents!, ctx.locale) }), v.plan === p.code))}
    <p class="hint">${t('diamantNote')} <a href="/instances/diamant">${t('diamantLink')}</a>.</p>`)}
  ${fieldset('flavour', t('flavour'), html`${radio('flavour', 'diacamma.asso', t('flavour_asso'), v.flavour !== 'diacamma.syndic')}${radio('flavour', 'diacamma.syndic', t('flavour_syndic'), v.flavour === 'diacamma.syndic')}`)}
  ${field({ name: 'password', label: t('adminPassword'), type: 'password', hint: t('adminPasswordHint'), required: true, autocomplete: 'new-password', error: e.password })}
  ${field({ name: 'password_confirm', label: t('adminConfirm'), type: 'password', required: true, autocomplete: 'new-password' })}
  ${fieldset('payment_method', t('paymentMethod'), html`${opts.methods.map((m) => radio('payment_method', m, t(`pm_${m}`), v.payment_method === m))}`)}
  <button type="submit">${t('saveDraft')}</button>
</form>
</section>`,
  });
}

export interface OrderPageState {
  order: Order;
  plan: PlanView | null;
  instanceUrl: (name: string) => string;
  termsVersion: number | null;
  quote: { id: number; content: BillingDocument; state: string } | null;
  invoice: { number: string } | null;
  /** the instance made from the paid order, once it exists */
  instance: { id: number; state: Instance['state']; stateLabel: string; url: string } | null;
  paidCents: number;
  /** a plan change: the plan it leaves */
  fromPlanName?: string | null;
  /** what remains to pay (the payments module's balance) */
  dueCents: number;
  paypalEnabled: boolean;
  notices: string[];
  errors: FieldErrors;
  /** the validation step: the buyer's name and the address fields, as typed or as stored */
  organisationName: string;
  billing: BillingAddressValues;
}

export function paymentBlock(ctx: PageContext, q: BillingDocument, paidCents: number, due: number, paypalEnabled: boolean, planChange = false, renewal = false): Html {
  const t = ot(ctx);
  return html`<section class="panel" aria-labelledby="pay-title">
  <h2 id="pay-title">${t('payTitle')}</h2>
  <p>${t(renewal ? 'payIntroRenewal' : planChange ? 'payIntroPlanChange' : 'payIntro')}</p>
  ${paidCents > 0 ? notice('info', t('paidPartly', { paid: formatMoney(paidCents, ctx.locale), due: formatMoney(due, ctx.locale) })) : ''}
  ${paypalEnabled ? html`<p>${paypalPayForm(ctx, q.number)} <span class="muted">${t('payPaypalHint')}</span></p>` : ''}
  <h3>${t('payTransfer')}</h3>
  <p>${t('payTransferText', { holder: q.seller.accountHolder ?? q.seller.legalName, iban: q.seller.iban, bic: q.seller.bic, reference: q.paymentReference })}</p>
  <h3>${t('payCheque')}</h3>
  <p>${t('payChequeText', { payee: q.seller.chequePayee, address: q.seller.chequeAddress.replace(/\n/g, ', '), reference: q.paymentReference })}</p>
</section>`;
}

export function orderPage(ctx: PageContext, s: OrderPageState): Html {
  const t = ot(ctx);
  const o = s.order;
  const q = s.quote?.content ?? null;
  const upgrade = o.kind === 'upgrade';
  const renewal = o.kind === 'renewal';
  const title = upgrade ? t('planChangeTitle', { name: o.instance_name }) : renewal ? t('renewalTitle', { name: o.instance_name }) : t('orderTitle', { name: o.instance_name });
  return layout(ctx, {
    title,
    main: html`<h1>${title}</h1>
${s.notices.map((n) => notice('success', n))}
${errorSummary(s.errors, t('cannotValidate'))}
<section class="panel">
  <h2>${t('summary')}</h2>
  <dl class="details">
    <dt>${t('address')}</dt><dd>${s.instanceUrl(o.instance_name)}</dd>
    <dt>${t('plan')}</dt><dd>${upgrade ? t('planChangePlans', { from: s.fromPlanName ?? o.from_plan_code ?? '', to: s.plan?.name ?? o.plan_code }) : (s.plan?.name ?? o.plan_code)}</dd>
    <dt>${t('flavour')}</dt><dd>${o.flavour === 'diacamma.syndic' ? t('flavour_syndic') : t('flavour_asso')}</dd>
    ${renewal && o.renews_from && o.renews_to ? html`<dt>${t('renewalPeriod')}</dt><dd>${t('renewalPeriodText', { from: frenchDate(o.renews_from), to: frenchDate(o.renews_to) })}</dd>` : ''}
    ${o.needs ? html`<dt>${t('diamantNeeds')}</dt><dd>${o.needs.split(/\r?\n/).map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</dd>` : ''}
    <dt>${t('price')}</dt><dd>${q ? formatMoney(q.totals.grossCents, ctx.locale) : s.plan?.priceCents != null ? t('perYear', { price: formatMoney(s.plan.priceCents, ctx.locale) }) : s.plan?.customQuote ? t('diamantOnQuote') : ''}</dd>
    <dt>${t('paymentMethod')}</dt><dd>${t(`pm_${o.payment_method}` as K)}</dd>
    <dt>${t('status')}</dt><dd>${orderStateBadge(t, o.status)}</dd>
  </dl>
</section>
${o.status === 'draft' ? draftActions(ctx, s) : ''}
${o.status === 'requested' ? notice('info', t('diamantAwaiting', { date: o.requested_at ? formatDateTime(new Date(o.requested_at), ctx.locale) : '' })) : ''}
${q && s.quote ? html`<section class="panel"><h2>${t('quote')}</h2>
  <p>${t('quoteValid', { number: q.number, amount: formatMoney(q.totals.grossCents, ctx.locale), date: frenchDate(q.validUntil ?? q.issueDate) })}</p>
  <p><a href="/factures/${q.number}.pdf">${t('downloadQuote')}</a></p></section>` : ''}
${o.status === 'validated' && q && s.quote?.state === 'to_pay' ? paymentBlock(ctx, q, s.paidCents, s.dueCents, s.paypalEnabled, upgrade, renewal) : ''}
${o.status === 'paid' && s.invoice ? notice('success', t(upgrade ? 'paidPlanChange' : renewal ? 'paidRenewal' : s.instance?.state === 'active' ? 'paidLive' : 'paid', { date: o.paid_at ? formatDateTime(new Date(o.paid_at), ctx.locale) : '', number: s.invoice.number })) : ''}
${s.instance ? html`<section class="panel" aria-labelledby="instance-title"><h2 id="instance-title">${t('instanceTitle')}</h2>
  <p><span class="badge ${s.instance.state === 'active' ? 'ok' : s.instance.state === 'creating' ? 'warn' : 'err'}">${s.instance.stateLabel}</span> <a href="/instances/${s.instance.id}">${t('openInstance', { name: o.instance_name })}</a></p></section>` : ''}
${o.status === 'expired' || s.quote?.state === 'expired' ? notice('warning', t('expired')) : ''}
${o.status === 'draft' || o.status === 'requested' || o.status === 'validated' ? html`<form method="post" action="/commandes/${o.id}/annuler" class="inline"${confirmAttr(t(renewal ? 'cancelRenewalConfirm' : 'cancelConfirm', { name: o.instance_name }))}>${csrfField(ctx)}<button type="submit" class="secondary">${t(renewal ? 'cancelRenewal' : 'cancel')}</button></form>` : ''}`,
  });
}

function draftActions(ctx: PageContext, s: OrderPageState): Html {
  const t = ot(ctx);
  const o = s.order;
  const diamant = s.plan?.customQuote === true;
  // (a Diamant draft is not edited: it is cancelled and asked again)
  return html`${diamant ? '' : html`<p><a class="button small secondary" href="/commandes/${o.id}/modifier">${t('modify')}</a></p>`}
${validationForm(ctx, { order: o, organisationName: s.organisationName, termsVersion: s.termsVersion, values: s.billing, errors: s.errors, diamant })}`;
}
