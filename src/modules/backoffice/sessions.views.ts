import type { SupportSession } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { errorSummary, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatDateTime, formatMoney } from '../../web/i18n.ts';
import { frenchDate } from '../../platform/dates.ts';
import { csrfField } from '../../web/layout.ts';
import { cardTable } from '../../web/table.ts';
import { confirmAttr } from '../../web/confirm.ts';
import { durationText, sessionWhen } from '../support/session-time.ts';
import { DETAILS_MAX, TOPIC_MAX, type SessionForm } from '../support/support-sessions.service.ts';
import { formatLabel } from '../support/support.views.ts';
import { backofficePage } from './backoffice.views.ts';
import { checkbox, input, select, textarea } from './form-controls.ts';
import { st } from './sessions.messages.ts';

export function hoursText(h: number): string {
  return `${String(Math.round(h * 100) / 100).replace('.', ',')} h`;
}

/** The invoicing of an accepted quote, as the planning page shows it. */
export interface InvoicingData {
  mode: 'deposit' | 'completion';
  percent: number;
  depositCents: number;
  /** the deposit invoice, once the deposit is received */
  deposit: { number: string; date: string; grossCents: number } | null;
  /** what the quote has received (the deposit, before its invoice) */
  receivedCents: number;
  final: { number: string; date: string; dueCents: number; dueDate: string | null; paid: boolean } | null;
  /** the quote's extra costs, each with the real amount typed (prefilled with the quoted one) */
  extras: { label: string; quotedCents: number }[];
  values: string[];
  errors: FieldErrors;
  /** sessions still planned: invoicing waits for them */
  pending: number;
  /** amounts excluding tax (the operator is subject to VAT) */
  vat: boolean;
  /** a refusal or a confirmation to show in the section */
  message?: { kind: 'success' | 'warning'; text: string } | undefined;
}

/** "120,50" for a form prefilled with an amount in cents. */
export function eurosInput(cents: number): string {
  return (cents / 100).toFixed(2).replace('.', ',');
}

function invoicingSection(ctx: PageContext, base: string, quoteNumber: string, v: InvoicingData): Html {
  const t = st(ctx);
  const money = (c: number) => formatMoney(c, ctx.locale);
  const action = `${base.replace(/\/seances$/, '')}/facturer`;
  return html`<h2 id="facturation">${t('invoicingHeading')}</h2>
${v.message ? notice(v.message.kind, v.message.text) : ''}
<p>${v.mode === 'deposit' ? t('invoicingDeposit', { percent: String(v.percent), amount: money(v.depositCents) }) : t('invoicingCompletion')}</p>
${v.mode === 'deposit' ? html`<p>${v.deposit ? t('depositInvoiced', { number: v.deposit.number, date: frenchDate(v.deposit.date), amount: money(v.deposit.grossCents) }) : t('depositWaiting', { received: money(v.receivedCents), number: quoteNumber })}${v.deposit ? html` <a href="/backoffice/documents/${v.deposit.number}">${t('openDocument', { number: v.deposit.number })}</a>` : html` <a href="/backoffice/documents/${quoteNumber}">${quoteNumber}</a>`}</p>` : ''}
${
  v.final
    ? html`<p>${t('finalIssued', { number: v.final.number, date: frenchDate(v.final.date), due: money(v.final.dueCents), state: v.final.paid ? t('finalPaid') : t('finalToPay', { date: v.final.dueDate ? frenchDate(v.final.dueDate) : '—' }) })}</p>
<p><a href="/backoffice/documents/${v.final.number}">${t('openDocument', { number: v.final.number })}</a></p>`
    : html`<p class="muted">${t('invoiceHint')}</p>
${v.pending > 0 ? html`<p class="notice info">${t('pendingSessions', { count: String(v.pending) })}</p>` : ''}
${errorSummary(v.errors, t('errors'))}
<form method="post" action="${action}#facturation" novalidate${confirmAttr(t('invoiceConfirm'))}>
  ${csrfField(ctx)}
  ${v.extras.map((e, i) => input({ name: `real_${i}`, label: t('realAmount', { label: e.label, quoted: money(e.quotedCents) }), hint: t('realHint', { ht: v.vat ? ' hors taxes' : '' }), value: v.values[i] ?? eurosInput(e.quotedCents), error: v.errors[`real_${i}`], inputmode: 'decimal', maxlength: 12 }))}
  <button type="submit">${t('invoiceSubmit')}</button>
</form>`
}`;
}

export interface PlanningData {
  requestId: number;
  quote: { number: string; hours: number } | null;
  invoicing?: InvoicingData | null;
  /** a refusal to show when there is no accepted quote (e.g. invoicing a refused one) */
  warning?: string | undefined;
  sessions: SupportSession[];
  hoursDone: number;
  hoursPlanned: number;
  form: { values: SessionForm; errors: FieldErrors; overlaps: SupportSession[] };
  notice?: string | undefined;
}

function stateText(ctx: PageContext, s: SupportSession): string {
  const t = st(ctx);
  return s.state === 'done' ? t('state_done', { hours: hoursText(Number(s.hours_done)) }) : t(`state_${s.state}`);
}

function when(ctx: PageContext, s: Pick<SupportSession, 'starts_at' | 'tz'>): string {
  return sessionWhen(new Date(s.starts_at), ctx.locale, s.tz);
}

/** The hours line, shown to the operator (here and on the request page). */
export function hoursLine(ctx: PageContext, d: { quoted: number; done: number; planned: number }): Html {
  return html`<p class="hours-line">${st(ctx)('hoursLine', { quoted: hoursText(d.quoted), done: hoursText(d.done), planned: hoursText(d.planned) })}</p>`;
}

function overlapsBlock(ctx: PageContext, overlaps: SupportSession[]): Html {
  const t = st(ctx);
  if (overlaps.length === 0) return html``;
  return html`<div class="notice warning" role="alert" id="session-overlaps"><p><strong>${t('overlapTitle')}</strong></p><ul>
  ${overlaps.map((o) => html`<li>${t('overlapItem', { when: when(ctx, o), duration: durationText(o.duration_minutes), topic: o.topic || formatLabel(ctx, o.format) })}</li>`)}
</ul></div>`;
}

/** The fields of a session, for planning one and for moving one. */
function sessionFields(ctx: PageContext, v: SessionForm, errors: FieldErrors, idPrefix: string): Html {
  const t = st(ctx);
  const p = { idPrefix };
  return html`${input({ ...p, name: 'topic', label: t('topic'), value: v.topic, error: errors.topic, maxlength: TOPIC_MAX })}
  <div class="row">
    ${input({ ...p, name: 'date', type: 'date', label: t('date'), value: v.date, error: errors.date, required: true })}
    ${input({ ...p, name: 'time', type: 'time', label: t('time'), value: v.time, error: errors.time, required: true })}
  </div>
  ${select({ ...p, name: 'format', label: t('format'), value: v.format, error: errors.format, options: (['remote_presentation', 'remote_control', 'on_site'] as const).map((f) => ({ value: f, label: formatLabel(ctx, f) })) })}
  ${select({ ...p, name: 'duration', label: t('duration'), value: v.duration, error: errors.duration, options: (['60', '120', '240', '420'] as const).map((m) => ({ value: m, label: t(`d${m}`) })) })}
  ${textarea({ ...p, name: 'details', label: t('details'), value: v.details, error: errors.details, maxlength: DETAILS_MAX, rows: 2 })}
  ${textarea({ ...p, name: 'participants', label: t('participants'), hint: t('participantsHint'), value: v.participants, error: errors.participants, rows: 2, maxlength: 5000 })}`;
}

/** The planning of a request's accepted quote: its sessions, the hours, and the form of the next one. */
export function planningPage(ctx: PageContext, d: PlanningData): Html {
  const t = st(ctx);
  const title = t('planningTitle', { id: d.requestId });
  const base = `/backoffice/demandes/${d.requestId}/seances`;
  const f = d.form;
  return backofficePage(ctx, {
    section: 'support',
    title,
    main: html`<p><a href="/backoffice/demandes/${d.requestId}">${t('backToRequest', { id: d.requestId })}</a></p>
<h1>${title}</h1>
${d.notice ? notice('success', d.notice) : ''}
${
  d.quote === null
    ? html`${d.warning ? notice('warning', d.warning) : ''}<p>${t('notAccepted')}</p>`
    : html`<p>${t('quoteLine', { number: d.quote.number })}</p>
${hoursLine(ctx, { quoted: d.quote.hours, done: d.hoursDone, planned: d.hoursPlanned })}
<h2>${t('sessionsHeading')}</h2>
${
  d.sessions.length === 0
    ? html`<p>${t('none')}</p>`
    : cardTable(
        [t('colWhen'), t('colDuration'), t('colFormat'), t('colDetails'), t('colParticipants'), t('colState')],
        d.sessions.map((s) => [
          html`<a href="${base}/${s.id}" aria-label="${t('open', { when: when(ctx, s) })}">${when(ctx, s)}</a>`,
          durationText(s.duration_minutes),
          formatLabel(ctx, s.format),
          html`${s.details}`,
          html`${s.participants.join(', ')}`,
          stateText(ctx, s),
        ]),
      )
}
${d.invoicing ? invoicingSection(ctx, base, d.quote.number, d.invoicing) : ''}
${
  d.invoicing?.final
    ? ''
    : html`<h2 id="planifier">${t('planHeading')}</h2>
${errorSummary(f.errors, t('errors'))}
${overlapsBlock(ctx, f.overlaps)}
<form method="post" action="${base}#planifier" novalidate>
  ${csrfField(ctx)}
  ${sessionFields(ctx, f.values, f.errors, 'f')}
  ${f.overlaps.length > 0 ? checkbox({ name: 'confirm_warnings', label: t('confirmOverlap'), checked: false }) : ''}
  <button type="submit">${t('planSubmit')}</button>
</form>`
}`
}`,
  });
}

export interface SessionPageData {
  requestId: number;
  session: SupportSession;
  move: { values: SessionForm; errors: FieldErrors; overlaps: SupportSession[] };
  hours: { value: string; error?: string | undefined };
  notice?: string | undefined;
}

/** One session: what the participants were sent, and the operator's changes (move, done, cancel). */
export function sessionPage(ctx: PageContext, d: SessionPageData): Html {
  const t = st(ctx);
  const s = d.session;
  const base = `/backoffice/demandes/${d.requestId}/seances/${s.id}`;
  const title = t('sessionTitle', { when: when(ctx, s) });
  return backofficePage(ctx, {
    section: 'support',
    title,
    main: html`<p><a href="/backoffice/demandes/${d.requestId}/seances">${t('backToPlanning')}</a></p>
<h1>${title}</h1>
${d.notice ? notice('success', d.notice) : ''}
<dl class="details">
  <dt>${t('colState')}</dt><dd>${stateText(ctx, s)}</dd>
  <dt>${t('colDuration')}</dt><dd>${durationText(s.duration_minutes)}</dd>
  <dt>${t('colFormat')}</dt><dd>${formatLabel(ctx, s.format)}</dd>
  <dt>${t('colDetails')}</dt><dd>${s.details}</dd>
  <dt>${t('colParticipants')}</dt><dd>${s.participants.join(', ')}</dd>
  ${s.topic ? html`<dt>${t('topic')}</dt><dd>${s.topic}</dd>` : ''}
  <dt>${t('uid')}</dt><dd><code>${s.uid}</code></dd>
  <dt>${t('sequence')}</dt><dd>${s.sequence}</dd>
  <dt>${t('reminder')}</dt><dd>${s.reminder_sent_at ? t('reminderSent', { at: formatDateTime(new Date(s.reminder_sent_at), ctx.locale) }) : t('reminderPending')}</dd>
</dl>
${
  s.state !== 'planned'
    ? html`<p>${t('closed', { state: stateText(ctx, s) })}</p>`
    : html`<h2 id="deplacer">${t('moveHeading')}</h2>
${errorSummary(d.move.errors, t('errors'))}
${overlapsBlock(ctx, d.move.overlaps)}
<form method="post" action="${base}#deplacer" novalidate>
  ${csrfField(ctx)}
  ${sessionFields(ctx, d.move.values, d.move.errors, 'f')}
  ${d.move.overlaps.length > 0 ? checkbox({ name: 'confirm_warnings', label: t('confirmOverlap'), checked: false }) : ''}
  <button type="submit">${t('moveSubmit')}</button>
</form>
<h2 id="realisee">${t('doneHeading')}</h2>
<form method="post" action="${base}/realisee#realisee" novalidate>
  ${csrfField(ctx)}
  ${input({ name: 'hours', label: t('hoursDone'), value: d.hours.value, error: d.hours.error, inputmode: 'decimal', maxlength: 6 })}
  <button type="submit">${t('doneSubmit')}</button>
</form>
<h2>${t('cancelHeading')}</h2>
<form method="post" action="${base}/annuler"${confirmAttr(t('cancelConfirm', { when: when(ctx, s) }))}>
  ${csrfField(ctx)}
  <button type="submit" class="danger">${t('cancelSubmit')}</button>
</form>`
}`,
  });
}
