import type { SupportSession } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, translator } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import { durationText, sessionWhen } from './session-time.ts';
import { FORMAT_LABELS } from './support.labels.ts';

export const sessionsPageMessages = defineMessages({
  fr: {
    title: 'Vos séances',
    hint: 'Vos séances d’accompagnement planifiées et passées, avec leur adresse ou leur lien.',
    upcomingOne: '1 séance à venir',
    upcomingMany: '{n} séances à venir',
    intro: 'Les dates sont à l’heure de Paris. Chaque participant a reçu l’invitation par courriel, avec le fichier à ajouter à son agenda.',
    quote: 'Devis {number}',
    hours: 'Heures réalisées : {done} sur {quoted} devisées',
    invoiced: 'Accompagnement facturé : facture {number}, dans « Vos factures ».',
    upcoming: 'Séances à venir',
    past: 'Séances passées',
    noneUpcoming: 'Aucune séance à venir pour l’instant.',
    nonePast: 'Aucune séance passée.',
    none: 'Aucune séance n’est encore planifiée. Une fois votre devis accepté, nous convenons des dates avec vous.',
    duration: 'Durée : {d}',
    address: 'Adresse : {a}',
    meeting: 'Rejoindre la présentation',
    tool: 'Télécharger l’outil de prise de contrôle à distance',
    toolHint: 'À installer avant la séance.',
    state_done: 'Réalisée ({hours})',
    state_cancelled: 'Annulée',
    state_planned: 'Planifiée',
  },
  en: {
    title: 'Your sessions',
    hint: 'Your accompaniment sessions, planned and past, with their address or link.',
    upcomingOne: '1 session to come',
    upcomingMany: '{n} sessions to come',
    intro: 'Times are Paris time. Every participant received the invitation by e-mail, with the file to add to their calendar.',
    quote: 'Quote {number}',
    hours: 'Hours done: {done} of {quoted} quoted',
    invoiced: 'Accompaniment invoiced: invoice {number}, in “Your invoices”.',
    upcoming: 'Sessions to come',
    past: 'Past sessions',
    noneUpcoming: 'No session to come for now.',
    nonePast: 'No past session.',
    none: 'No session is planned yet. Once your quote is accepted, we agree on the dates with you.',
    duration: 'Duration: {d}',
    address: 'Address: {a}',
    meeting: 'Join the presentation',
    tool: 'Download the remote-control tool',
    toolHint: 'To install before the session.',
    state_done: 'Done ({hours})',
    state_cancelled: 'Cancelled',
    state_planned: 'Planned',
  },
});

function hours(h: number): string {
  return `${String(Math.round(h * 100) / 100).replace('.', ',')} h`;
}

export interface CustomerSessionsData {
  /** `finalInvoice`: the accompaniment's final invoice, once issued */
  quotes: { number: string; hoursQuoted: number; hoursDone: number; finalInvoice?: string | null }[];
  sessions: (SupportSession & { quote_number: string })[];
  now: Date;
}

function sessionCard(ctx: PageContext, s: SupportSession & { quote_number: string }): Html {
  const t = translator(sessionsPageMessages, ctx.locale);
  const when = sessionWhen(new Date(s.starts_at), ctx.locale, s.tz);
  const detail =
    s.format === 'on_site'
      ? html`<p>${t('address', { a: s.details })}</p>`
      : s.format === 'remote_presentation'
        ? html`<p><a href="${s.details}" rel="noopener noreferrer">${t('meeting')}</a> <span class="muted">${s.details}</span></p>`
        : html`<p><a href="${s.details}" rel="noopener noreferrer">${t('tool')}</a> <span class="muted">${t('toolHint')}</span></p>`;
  return html`<li class="card">
  <h3>${when}${s.topic ? html` — ${s.topic}` : ''}</h3>
  <p>${FORMAT_LABELS[ctx.locale][s.format]} · ${t('duration', { d: durationText(s.duration_minutes) })} · ${s.state === 'done' ? t('state_done', { hours: hours(Number(s.hours_done)) }) : t(`state_${s.state}`)}</p>
  ${s.state === 'cancelled' ? '' : detail}
</li>`;
}

/** "Vos séances": the customer's sessions to come and past, and the hours done against those quoted. */
export function customerSessionsPage(ctx: PageContext, d: CustomerSessionsData): Html {
  const t = translator(sessionsPageMessages, ctx.locale);
  const now = d.now.getTime();
  const upcoming = d.sessions.filter((s) => s.state === 'planned' && new Date(s.starts_at).getTime() + s.duration_minutes * 60_000 > now);
  const past = d.sessions.filter((s) => !upcoming.includes(s)).reverse();
  return layout(ctx, {
    title: t('title'),
    main: html`<section>
  <h1>${t('title')}</h1>
  <p>${t('intro')}</p>
  ${d.quotes.map((q) => html`<p><strong>${t('quote', { number: q.number })}</strong> — ${t('hours', { done: hours(q.hoursDone), quoted: hours(q.hoursQuoted) })}</p>${q.finalInvoice ? html`<p><a href="/factures">${t('invoiced', { number: q.finalInvoice })}</a></p>` : ''}`)}
  ${
    d.sessions.length === 0
      ? html`<p>${t('none')}</p>`
      : html`<h2>${t('upcoming')}</h2>
  ${upcoming.length === 0 ? html`<p>${t('noneUpcoming')}</p>` : html`<ul class="cards-list">${upcoming.map((s) => sessionCard(ctx, s))}</ul>`}
  <h2>${t('past')}</h2>
  ${past.length === 0 ? html`<p>${t('nonePast')}</p>` : html`<ul class="cards-list">${past.map((s) => sessionCard(ctx, s))}</ul>`}`
  }
</section>`,
  });
}
