import type { PageContext } from '../../web/context.ts';
import { html, type Html, type HtmlChild } from '../../web/html.ts';
import { formatMoney, translator, type Locale, type Translator } from '../../web/i18n.ts';
import { layout } from '../../web/layout.ts';
import type { LifecycleSettings, OperatorIdentity, PlanView } from '../settings/settings.types.ts';
import { faqPortalMessages } from './faq-portal.messages.ts';
import { faqMessages } from './faq.messages.ts';
import { planFacts, planLabels } from './public-site.views.ts';
import type { FeatureSet } from '../../web/features.ts';

export interface FaqData {
  identity: OperatorIdentity;
  plans: PlanView[];
  /** an instance's address as the front door serves it */
  instanceUrl: (name: string) => string;
  /** what exists: the FAQ speaks only of features that are built and of PayPal when configured */
  features: FeatureSet;
  paypal: boolean;
  /** the hosting year's delays, the final archive's keep delay and the safety archive's (made before a restore), as the settings hold them */
  delays: { lifecycle: LifecycleSettings; finalKeepDays: number; safetyKeepDays: number };
}

interface Question {
  id: string;
  q: string;
  a: HtmlChild;
}

interface Section {
  id: string;
  title: string;
  questions: Question[];
}

const p = (text: string): Html => html`<p>${text}</p>`;
const list = (items: string[]): Html => html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`;

/** The plans the FAQ talks about by role: entry (cheapest), upper (dearest) and the custom offer. */
function planRoles(plans: PlanView[]) {
  const priced = plans.filter((x) => !x.customQuote && x.priceCents !== null).sort((a, b) => a.priceCents! - b.priceCents!);
  const entry = priced[0];
  const upper = priced.length > 1 ? priced[priced.length - 1] : undefined;
  return { priced, entry, upper, custom: plans.find((x) => x.customQuote) };
}

function plansTable(locale: Locale, plans: PlanView[]): Html {
  const t = translator(faqMessages, locale);
  const labels = planLabels(locale);
  const cols = ['bandwidth', 'sla', 'sessions', 'storage'] as const;
  return html`<table>
  <thead><tr><th scope="col">${t('plan')}</th><th scope="col">${t('price')}</th>${cols.map((k) => html`<th scope="col">${labels[k]}</th>`)}</tr></thead>
  <tbody>${plans.map((plan) => {
    const f = planFacts(locale, plan);
    return html`<tr><th scope="row">${plan.name}</th><td>${f.price}</td>${cols.map((k) => html`<td>${f[k]}</td>`)}</tr>`;
  })}</tbody>
</table>`;
}

function companySection(locale: Locale, id: OperatorIdentity): Section {
  const t = translator(faqMessages, locale);
  return {
    id: 'entreprise',
    title: t('s_company'),
    questions: [
      {
        id: 'qui',
        q: t('q_who', { tradeName: id.tradeName }),
        a: html`${p(t('a_who', { tradeName: id.tradeName, owner: id.ownerName }))}
<dl class="details">
  <dt>${t('status')}</dt><dd>${id.legalStatus}</dd>
  <dt>${t('address')}</dt><dd>${id.address}
${id.postcode} ${id.city}
${id.country}</dd>
  <dt>${t('siret')}</dt><dd>${id.siret}</dd>
  <dt>${t('email')}</dt><dd><a href="mailto:${id.email}">${id.email}</a></dd>
  ${id.phone ? html`<dt>${t('phone')}</dt><dd>${id.phone}</dd>` : ''}
</dl>`,
      },
    ],
  };
}

function hostingSection(locale: Locale, d: FaqData): Section {
  const t = translator(faqMessages, locale);
  const { priced, entry, upper, custom } = planRoles(d.plans);
  const names = d.plans.map((x) => x.name).join(', ');
  const questions: Question[] = [
    {
      id: 'contenu',
      q: t('q_what'),
      a: html`${p(t('a_what1', { address: d.instanceUrl(locale === 'fr' ? 'nom-de-votre-instance' : 'your-instance-name') }))}${p(t('a_what2'))}${p(t('a_what3'))}<p><a href="/cgv">${t('a_whatTerms')}</a></p>`,
    },
    { id: 'forfaits', q: t('q_plans'), a: html`${p(t('a_plans'))}${plansTable(locale, d.plans)}<p class="muted">${t('a_plansSla')}</p>` },
    {
      id: 'connexions',
      q: t('q_sessions'),
      a: html`${p(t('a_sessions1'))}${priced.length
        ? html`${p(t('a_sessions2'))}${list(priced.map((x) => `${x.name} — ${planFacts(locale, x).sessions}`))}`
        : ''}${p(t('a_sessions3'))}`,
    },
  ];
  if (entry && upper) {
    const a: Html[] = [p(t('a_chooseEntry', { entry: entry.name })), p(t('a_chooseUpper', { upper: upper.name }))];
    if (d.features.upgrade) a.push(p(t('a_chooseDoubt', { entry: entry.name, upper: upper.name })));
    if (custom) a.push(html`<p><a href="#${custom.code}">${t('a_chooseCustom', { custom: custom.name })}</a></p>`);
    questions.push({ id: 'choisir', q: t('q_choose'), a });
  }
  if (custom) {
    questions.push({
      id: custom.code,
      q: t('q_custom', { custom: custom.name }),
      a: html`${p(t('a_custom1', { custom: custom.name }))}${p(t('a_custom2', { email: d.identity.email }))}`,
    });
  }
  // Only where the front door really serves HTTPS (not the embedded http default).
  if (d.instanceUrl('x').startsWith('https:')) questions.push({ id: 'https', q: t('q_https'), a: p(t('a_https', { names })) });
  return { id: 'hebergement', title: t('s_hosting'), questions };
}

function orderSection(locale: Locale, d: FaqData): Section {
  const t = translator(faqMessages, locale);
  const id = d.identity;
  return {
    id: 'commande',
    title: t('s_order'),
    questions: [
      {
        id: 'commander',
        q: t('q_order'),
        a: html`<ol>
  <li>${t('order1')}</li>
  <li>${t('order2')}</li>
  <li>${t('order3', { bidule: d.instanceUrl('bidule') })}</li>
  <li>${t('order4')}</li>
</ol>${p(t('a_orderAfter'))}`,
      },
      {
        id: 'payer',
        q: t('q_pay'),
        a: html`${p(t(d.paypal ? 'a_pay' : 'a_payTwo'))}
<h3>${t('transfer')}</h3>
<dl class="details"><dt>${t('holder')}</dt><dd>${id.accountHolder}</dd><dt>IBAN</dt><dd>${id.iban}</dd><dt>BIC</dt><dd>${id.bic}</dd></dl>
<p class="muted">${t('transferHint')}</p>
<h3>${t('cheque')}</h3>
<dl class="details"><dt>${t('payee')}</dt><dd>${id.chequePayee}</dd><dt>${t('postTo')}</dt><dd>${id.chequeAddress}</dd></dl>
${d.paypal ? html`<h3>${t('paypal')}</h3>
${p(t('paypalText'))}` : ''}`,
      },
      { id: 'delai', q: t('q_delay'), a: html`${p(t('a_delay1'))}${p(t(d.paypal ? 'a_delay2' : 'a_delay2NoPaypal'))}` },
    ],
  };
}

/** Plan changes, renewal and leaving: each question only once its feature exists (null: none yet). */
/** The delays of the settings, never fixed figures: "15, 7 et 1", the grace, the retention. */
function renewalDelays(t: Translator<keyof typeof faqMessages.fr>, d: FaqData['delays']): string {
  const l = d.lifecycle;
  const days = l.reminderDays.length > 1 ? `${l.reminderDays.slice(0, -1).join(', ')} ${t('and')} ${l.reminderDays[l.reminderDays.length - 1]}` : l.reminderDays.join('');
  return t('a_renewDelays', {
    lead: l.renewalLeadDays,
    reminders: l.reminderDays.length > 0 ? t('a_renewReminders', { days }) : '',
    lapse: l.graceDays > 0 ? t('a_renewGrace', { grace: l.graceDays }) : t('a_renewNoGrace'),
    retention: l.retentionDays,
    finalKeep: d.finalKeepDays,
    name: l.nameQuarantineDays > 0 ? t('a_renewName', { days: l.nameQuarantineDays }) : '',
  });
}

function changeSection(locale: Locale, d: FaqData): Section | null {
  const t = translator(faqMessages, locale);
  const { entry, upper } = planRoles(d.plans);
  const questions: Question[] = [];
  if (entry && upper && d.features.upgrade) {
    const names = { entry: entry.name, upper: upper.name };
    const halfDifference = Math.round((upper.priceCents! - entry.priceCents!) / 2);
    questions.push({
      id: 'changer-de-forfait',
      q: t('q_upgrade', names),
      a: html`${p(t('a_upgrade'))}${p(t('a_upgradeExample', { amount: formatMoney(halfDifference, locale) }))}`,
    });
  }
  if (d.features.renewal) {
    questions.push({ id: 'renouvellement', q: t('q_renew'), a: html`${p(t('a_renew'))}${p(renewalDelays(t, d.delays))}` });
    if (entry && upper) {
      const names = { entry: entry.name, upper: upper.name };
      questions.push({ id: 'forfait-inferieur', q: t('q_downgrade', names), a: p(t('a_downgrade', names)) });
    }
  }
  if (d.features.archives) questions.push({ id: 'partir', q: t('q_leave'), a: html`${p(t('a_leave1'))}${p(t('a_leave2'))}` });
  return questions.length > 0 ? { id: 'changements', title: t('s_change'), questions } : null;
}

function supportSection(locale: Locale, d: FaqData): Section {
  const t = translator(faqMessages, locale);
  return {
    id: 'accompagnement',
    title: t('s_support'),
    questions: [
      { id: 'accompagnement-contenu', q: t('q_supportWhat'), a: p(t('a_supportWhat')) },
      {
        id: 'accompagnement-formats',
        q: t('q_supportWhere'),
        a: html`${p(t('a_supportWhere'))}${list([t('whereSite'), t('wherePresentation'), t('whereRemote')])}`,
      },
      { id: 'accompagnement-duree', q: t('q_supportLength'), a: html`${p(t('a_supportLength1'))}${p(t('a_supportLength2'))}` },
      {
        id: 'accompagnement-demande',
        q: t('q_supportHow'),
        a: d.features.supportForm
          ? html`${p(t('a_supportHow', { email: d.identity.email }))}<p><a href="/demande-information">${t('supportFormLink')}</a></p>`
          : p(t('a_supportHowMail', { email: d.identity.email })),
      },
      {
        id: 'accompagnement-prix',
        q: t('q_supportPrice'),
        a: html`${p(t('a_supportPrice1'))}${p(t('a_supportPrice2'))}${p(t('a_supportPrice3'))}`,
      },
      {
        id: 'accompagnement-facturation',
        q: t('q_supportInvoice'),
        a: html`${p(t('a_supportInvoice1'))}${p(t('a_supportInvoice2'))}${p(t('a_supportInvoice3'))}`,
      },
    ],
  };
}

function portalSection(locale: Locale, d: FaqData): Section {
  const t = translator(faqMessages, locale);
  const u = translator(faqPortalMessages, locale);
  return {
    id: 'portail',
    title: t('s_portal'),
    questions: [
      {
        id: 'creer-un-compte',
        q: u('q_account'),
        a: html`${p(u('a_account1'))}${p(u('a_account2'))}<p><a class="button small" href="/inscription">${u('signUp')}</a></p>`,
      },
      { id: 'oubli', q: u('q_forgot'), a: html`${p(u('a_forgot'))}<p><a href="/connexion">${u('signIn')}</a></p>` },
      { id: 'personne-morale', q: u('q_org'), a: html`${p(u('a_org1'))}${p(u('a_org2'))}${p(u('a_org3'))}` },
      { id: 'instances', q: u('q_instances'), a: html`${p(u('a_instances1'))}${p(u(d.features.archives ? 'a_instances2' : 'a_instances2NoArchives'))}` },
      { id: 'mot-de-passe-admin', q: u('q_admin'), a: html`${p(u('a_admin1'))}${p(u('a_admin2'))}` },
      ...(d.features.archives ? archiveQuestions(locale, d.delays.safetyKeepDays) : []),
      { id: 'factures', q: u('q_invoices'), a: p(u(d.paypal ? 'a_invoices' : 'a_invoicesNoPaypal')) },
    ],
  };
}

/** "Comment gérer les archives…", "Comment reprendre les données…": once the archives exist. */
function archiveQuestions(locale: Locale, safetyKeepDays: number): Question[] {
  const u = translator(faqPortalMessages, locale);
  const keep = u(safetyKeepDays === 1 ? 'daysOne' : 'daysMany', { n: String(safetyKeepDays) });
  const button = (label: string, text: string) => html`<li><strong>${label}</strong> — ${text}</li>`;
  return [
      {
        id: 'archives',
        q: u('q_archives'),
        a: html`${p(u('a_archives'))}<ol>
  ${button(u('delete'), u('deleteText'))}
  ${button(u('archive'), u('archiveText'))}
  ${button(u('import'), u('importText'))}
  ${button(u('export'), u('exportText'))}
  ${button(u('restore'), u('restoreText', { keep }))}
</ol>`,
      },
      { id: 'archive-locale', q: u('q_local'), a: html`${p(u('a_local1'))}<div class="notice info">${u('a_local2')}</div>` },
  ];
}

export function faqPage(ctx: PageContext, d: FaqData): Html {
  const t = translator(faqMessages, ctx.locale);
  const sections = [
    companySection(ctx.locale, d.identity),
    hostingSection(ctx.locale, d),
    orderSection(ctx.locale, d),
    changeSection(ctx.locale, d),
    supportSection(ctx.locale, d),
    portalSection(ctx.locale, d),
  ].filter((s): s is Section => s !== null);
  return layout(ctx, {
    title: t('title'),
    main: html`<h1>${t('title')}</h1>
<p class="lead">${t('intro', { email: d.identity.email })}</p>
<nav aria-labelledby="faq-sommaire">
  <h2 id="faq-sommaire">${t('toc')}</h2>
  <ul>${sections.map((s) => html`<li><a href="#${s.id}">${s.title}</a></li>`)}</ul>
</nav>
<div class="faq">
${sections.map(
  (s) => html`<section id="${s.id}" aria-labelledby="${s.id}-titre">
  <h2 id="${s.id}-titre">${s.title}</h2>
  ${s.questions.map((q) => html`<details id="${q.id}"><summary>${q.q}</summary>${q.a}</details>`)}
</section>`,
)}
</div>`,
  });
}
