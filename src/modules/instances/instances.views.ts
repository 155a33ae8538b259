import { frenchDate } from '../../platform/dates.ts';
import type { Instance } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatBytes, formatDateTime, translator, type Translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { cardTable } from '../../web/table.ts';
import type { PlanView } from '../settings/settings.types.ts';
import { instanceMessages } from './instances.messages.ts';
import { features } from '../../web/features.ts';
import type { RenewalStatus } from './renewal-status.ts';
import { renewalBanner, renewalPanel } from './renewal.views.ts';

type K = keyof typeof instanceMessages.fr;
export type IT = Translator<K>;
export const it_ = (ctx: PageContext): IT => translator(instanceMessages, ctx.locale);

export interface ActionRow {
  id: number;
  kind: string;
  state: string;
  last_error: string | null;
  created_at: Date | string;
  instance_name?: string;
}

export function instanceBadge(t: IT, state: Instance['state']): Html {
  const cls = state === 'active' ? 'ok' : state === 'creating' || state === 'maintenance' ? 'warn' : 'err';
  return html`<span class="badge ${cls}">${t(`state_${state}`)}</span>`;
}

/** The actions table; it asks htmx to refresh itself while an action is not finished. */
export function actionsTable(ctx: PageContext, actions: ActionRow[], refreshUrl: string, withInstance: boolean): Html {
  const t = it_(ctx);
  const pending = actions.some((a) => a.state === 'scheduled' || a.state === 'running');
  const badge = (s: string) => html`<span class="badge ${s === 'done' ? 'ok' : s === 'failed' ? 'err' : 'warn'}">${t(`astate_${s}` as K)}</span>`;
  return html`<div id="actions"${pending ? html` hx-get="${refreshUrl}" hx-trigger="every 2s" hx-swap="outerHTML"` : ''}>
${
  actions.length === 0
    ? html`<p class="muted">${t('noActions')}</p>`
    : cardTable(
        [t('colWhen'), ...(withInstance ? [t('colInstance')] : []), t('colAction'), t('colState')],
        actions.map((a) => [
          formatDateTime(new Date(a.created_at), ctx.locale),
          ...(withInstance ? [a.instance_name ?? ''] : []),
          t(`kind_${a.kind}` as K),
          html`${badge(a.state)}${a.state === 'failed' && a.last_error ? html`<br><span class="muted">${a.last_error}</span>` : ''}`,
        ]),
      )
}
</div>`;
}

export interface UsageDay {
  day: string;
  bytes_in: number;
  bytes_out: number;
  peak_sessions: number;
}

export interface InstancePageState {
  /** a dearer plan is sold online and today lies within the period: "Changer de forfait" is offered */
  canChangePlan?: boolean;
  availability: { percent: number | null; probes: number };
  usage: UsageDay[];
  sessionsNow: number;
  instance: Instance;
  /** its server is being restarted (it stopped answering or exited) */
  restarting: boolean;
  url: string;
  plan: PlanView | null;
  diskBytes: number | null;
  actions: ActionRow[];
  notice?: string | undefined;
  passwordErrors?: FieldErrors | undefined;
  /** the renewal (when the feature is on): its state, the plans it may renew with */
  renewal?: { status: RenewalStatus | null; plans: PlanView[]; retentionDays: number };
  renewalError?: string | undefined;
}

export function instancePage(ctx: PageContext, s: InstancePageState): Html {
  const t = it_(ctx);
  const i = s.instance;
  const p = s.plan;
  const nf = new Intl.NumberFormat(ctx.locale === 'fr' ? 'fr-FR' : 'en-GB');
  const used = s.diskBytes ?? 0;
  const total = p?.storageBytes ?? null;
  const percent = total ? Math.min(100, Math.round((used / total) * 100)) : null;
  return layout(ctx, {
    title: t('pageTitle', { name: i.name }),
    main: html`<h1>${t('pageTitle', { name: i.name })}</h1>
<nav class="tabs" aria-label="${t('actionsTitle')}"><a href="/instances">${t('instancesTab')}</a><a href="/instances/actions">${t('actionsTitle')}</a></nav>
${s.renewal ? renewalBanner(ctx, s.renewal.status) : ''}
${s.notice ? notice('success', s.notice) : ''}
${s.renewalError ? html`<div class="notice warning" role="alert" id="renewal-error">${s.renewalError}</div>` : ''}
<section class="panel">
  <dl class="details">
    <dt>${t('state')}</dt><dd>${instanceBadge(t, i.state)}${i.state === 'active' && s.restarting ? html` <span class="badge warn">${t('restarting')}</span>` : ''}${i.state === 'failed' && i.failure_reason ? html` <span class="muted">${t('failure')} : ${i.failure_reason}</span>` : ''}</dd>
    <dt>${t('address')}</dt><dd>${i.state === 'active' ? html`<a href="${s.url}" rel="noopener">${s.url}</a>` : s.url}</dd>
    <dt>${t('plan')}</dt><dd>${p?.name ?? i.plan_code}${i.state === 'active' && features().upgrade && s.canChangePlan ? html` · <a href="/instances/${i.id}/forfait">${t('changePlan')}</a>` : ''}</dd>
    <dt>${t('order')}</dt><dd><a href="/commandes/${i.order_id}">${t('seeOrder')}</a></dd>
    <dt>${t('flavour')}</dt><dd>${i.flavour === 'diacamma.syndic' ? 'Diacamma Syndic' : 'Diacamma Asso'}</dd>
    <dt>${t('bandwidth')}</dt><dd>${p?.bandwidthMbps ? `${nf.format(p.bandwidthMbps)} Mbps` : '—'}</dd>
    <dt>${t('sessions')}</dt><dd>${p?.maxSessions ? t('sessionsMax', { n: p.maxSessions }) : t('unlimited')}</dd>
    <dt>${t('storage')}</dt><dd>${total ? html`${t('storageUse', { used: formatBytes(used, ctx.locale), total: formatBytes(total, ctx.locale) })}
      <br><progress max="100" value="${percent ?? 0}" aria-label="${t('storage')}">${percent ?? 0} %</progress>` : formatBytes(used, ctx.locale)}</dd>
    ${i.period_start && i.period_end ? html`<dt>${t('period')}</dt><dd>${t('periodText', { start: frenchDate(i.period_start), end: frenchDate(i.period_end) })}</dd>
    ${s.renewal ? '' : html`<dt>${t('renewal')}</dt><dd>${t('renewalText', { date: frenchDate(i.period_end) })}</dd>`}` : ''}
    <dt>${t('availability')}</dt><dd>${s.availability.percent === null ? t('noProbe') : t('availabilityText', { value: nf.format(Math.floor(s.availability.percent * 100) / 100), sla: p?.slaPercent ? nf.format(p.slaPercent) : '—' })}${i.down_since ? html` <span class="badge err">${t('down')}</span>` : ''}</dd>
    <dt>${t('sessionsNow')}</dt><dd>${t('sessionsText', { now: s.sessionsNow, peak: Math.max(0, ...s.usage.map((u) => u.peak_sessions)) })}</dd>
  </dl>
</section>
${s.renewal ? renewalPanel(ctx, i, s.renewal.status, s.renewal.plans, s.renewal.retentionDays) : ''}
<section class="panel" aria-labelledby="traffic-title">
  <h2 id="traffic-title">${t('trafficTitle')}</h2>
  ${trafficChart(ctx, s.usage)}
</section>
<section class="panel" aria-labelledby="archives-title">
  <h2 id="archives-title">${t('archivesTitle')}</h2>
  <p class="muted">${t('archivesIntro')}</p>
  <p><a href="/instances/${i.id}/archives">${t('archivesLink')}</a></p>
</section>
${i.state === 'creating' ? '' : html`<section class="panel" aria-labelledby="end-title">
  <h2 id="end-title">${t('endTitle')}</h2>
  <p class="muted">${t('endIntro')}</p>
  <p><a class="button secondary" href="/instances/${i.id}/fin">${t('endLink')}</a></p>
</section>`}
<section class="panel" aria-labelledby="actions-title">
  <h2 id="actions-title">${t('actionsTitle')}</h2>
  ${actionsTable(ctx, s.actions, `/instances/${i.id}/actions`, false)}
</section>
${i.state === 'active' ? passwordForm(ctx, i.id, s.passwordErrors ?? {}) : ''}`,
  });
}

/** Daily traffic of the last 30 days as bars (inline SVG: no script, no style attribute). */
function trafficChart(ctx: PageContext, usage: UsageDay[]): Html {
  const t = it_(ctx);
  if (usage.length === 0) return html`<p class="muted">${t('noTraffic')}</p>`;
  const totals = usage.map((u) => ({ day: u.day, bytes: Number(u.bytes_in) + Number(u.bytes_out) }));
  const max = Math.max(1, ...totals.map((x) => x.bytes));
  const w = 600;
  const h = 120;
  const bar = w / 30;
  return html`<svg viewBox="0 0 ${w} ${h + 20}" width="100%" role="img" aria-label="${t('trafficTitle')}">
  ${totals.map((x, i) => {
    const bh = Math.max(1, Math.round((x.bytes / max) * h));
    return html`<rect x="${Math.round(i * bar + 2)}" y="${h - bh}" width="${Math.round(bar - 4)}" height="${bh}" fill="#0b5cad"><title>${frenchDate(x.day)} : ${formatBytes(x.bytes, ctx.locale)}</title></rect>`;
  })}
  <text x="0" y="${h + 16}" font-size="12" fill="#5b6470">${frenchDate(totals[0]!.day)}</text>
  <text x="${w}" y="${h + 16}" font-size="12" fill="#5b6470" text-anchor="end">${t('max', { value: formatBytes(max, ctx.locale) })}</text>
</svg>`;
}

function passwordForm(ctx: PageContext, id: number, errors: FieldErrors): Html {
  const t = it_(ctx);
  return html`<section class="panel" id="mot-de-passe">
  <h2>${t('passwordTitle')}</h2>
  <p class="muted">${t('passwordIntro')}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="/instances/${id}/mot-de-passe" novalidate>
    ${csrfField(ctx)}
    <input type="hidden" name="username" value="admin" autocomplete="username">
    ${field({ name: 'password', label: t('newPassword'), type: 'password', required: true, autocomplete: 'new-password', error: errors.password })}
    ${field({ name: 'password_confirm', label: t('confirm'), type: 'password', required: true, autocomplete: 'new-password' })}
    <button type="submit">${t('passwordSubmit')}</button>
  </form>
</section>`;
}

export function actionsPage(ctx: PageContext, actions: ActionRow[]): Html {
  const t = it_(ctx);
  return layout(ctx, {
    title: t('actionsTitle'),
    main: html`<h1>${t('actionsTitle')}</h1>
<nav class="tabs"><a href="/instances">${t('instancesTab')}</a><a href="/instances/actions" aria-current="page" class="active">${t('actionsTitle')}</a></nav>
${actionsTable(ctx, actions, '/instances/actions/tableau', true)}`,
  });
}
