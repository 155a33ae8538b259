import { frenchDate } from '../../platform/dates.ts';
import type { ActionKind, ActionState, Instance, InstanceState } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html, type HtmlChild } from '../../web/html.ts';
import { defineMessages, formatBytes, formatDateTime, translator, type Translator } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';
import type { IsolationSummary } from '../../hosting/driver.ts';
import { backofficePage, pager, tr, type PageInfo } from './backoffice.views.ts';
import { isolationBanner, serverSection, type ServerSection } from './instance-server.views.ts';
import { asCards, cardTable } from '../../web/table.ts';

const m = defineMessages({
  fr: {
    title: 'Instances',
    intro: "Toutes les instances d'hébergement, et les actions d'hébergement en échec à relancer.",
    instanceTitle: 'Instance {name}',
    backToList: 'Retour à la liste des instances',
    noInstances: 'Aucune instance pour le moment.',
    failedTitle: 'Actions en échec',
    failedIntro: 'Chaque action a été tentée plusieurs fois sans succès. Corrigez la cause (voir la dernière erreur), puis relancez-la.',
    noFailed: 'Aucune action en échec.',
    retry: 'Relancer',
    retried: 'Action relancée.',
    retryRefused: 'Cette action ne peut pas être relancée.',
    colId: 'N°',
    colName: 'Instance',
    colCustomer: 'Client',
    colPlan: 'Forfait',
    colState: 'État',
    colPeriodEnd: 'Fin de période',
    colAction: 'Action',
    colAttempts: 'Tentatives',
    colLastError: 'Dernière erreur',
    colDate: 'Date',
    colStarted: 'Commencée le',
    colFinished: 'Terminée le',
    address: 'Adresse publique',
    order: 'Commande',
    flavour: 'Application',
    failureReason: "Raison de l'échec",
    periodStart: 'Début de période',
    periodEnd: 'Fin de période',
    createdAt: 'Créée le',
    updatedAt: 'Modifiée le',
    activatedAt: 'Activée le',
    deletedAt: 'Supprimée le',
    disk: 'Espace disque utilisé',
    diskUnknown: 'inconnu',
    server: 'Serveur',
    serverRunning: 'en marche ({endpoint})',
    serverStopped: 'arrêté',
    actionsTitle: "Actions d'hébergement",
    archivesTitle: 'Archives',
    noArchives: 'Aucune archive.',
    colArchiveName: 'Nom',
    colOrigin: 'Origine',
    colSize: 'Taille',
    colSha: 'SHA-256',
    origin_created: 'créée ici',
    origin_imported: 'importée',
    origin_automatic: 'automatique',
    origin_before_restore: 'avant restauration',
    origin_final: 'finale',
    noActions: 'Aucune action.',
    state_creating: 'en création',
    state_active: 'active',
    state_suspended: 'suspendue',
    state_maintenance: 'en maintenance',
    state_deleted: 'supprimée',
    state_failed: 'en échec',
    astate_scheduled: 'planifiée',
    astate_running: 'en cours',
    astate_done: 'terminée',
    astate_failed: 'en échec',
    kind_provision: "Création de l'instance",
    kind_set_password: 'Mot de passe admin',
    kind_archive: 'Archivage',
    kind_restore: 'Restauration',
    kind_delete_archive: "Suppression d'archive",
    kind_import: "Import d'archive",
  },
  en: {
    title: 'Instances',
    intro: 'Every hosting instance, and the failed hosting actions to run again.',
    instanceTitle: 'Instance {name}',
    backToList: 'Back to the instance list',
    noInstances: 'No instances yet.',
    failedTitle: 'Failed actions',
    failedIntro: 'Each action was tried several times without success. Fix the cause (see the last error), then run it again.',
    noFailed: 'No failed action.',
    retry: 'Run again',
    retried: 'Action scheduled again.',
    retryRefused: 'This action cannot be run again.',
    colId: '#',
    colName: 'Instance',
    colCustomer: 'Customer',
    colPlan: 'Plan',
    colState: 'State',
    colPeriodEnd: 'Period end',
    colAction: 'Action',
    colAttempts: 'Attempts',
    colLastError: 'Last error',
    colDate: 'Date',
    colStarted: 'Started',
    colFinished: 'Finished',
    address: 'Public address',
    order: 'Order',
    flavour: 'Application',
    failureReason: 'Reason of the failure',
    periodStart: 'Period start',
    periodEnd: 'Period end',
    createdAt: 'Created',
    updatedAt: 'Updated',
    activatedAt: 'Activated',
    deletedAt: 'Deleted',
    disk: 'Disk space used',
    diskUnknown: 'unknown',
    server: 'Server',
    serverRunning: 'running ({endpoint})',
    serverStopped: 'stopped',
    actionsTitle: 'Hosting actions',
    archivesTitle: 'Archives',
    noArchives: 'No archive.',
    colArchiveName: 'Name',
    colOrigin: 'Origin',
    colSize: 'Size',
    colSha: 'SHA-256',
    origin_created: 'made here',
    origin_imported: 'imported',
    origin_automatic: 'automatic',
    origin_before_restore: 'before restore',
    origin_final: 'final',
    noActions: 'No actions.',
    state_creating: 'being created',
    state_active: 'active',
    state_suspended: 'suspended',
    state_maintenance: 'under maintenance',
    state_deleted: 'deleted',
    state_failed: 'failed',
    astate_scheduled: 'scheduled',
    astate_running: 'running',
    astate_done: 'done',
    astate_failed: 'failed',
    kind_provision: 'Creation of the instance',
    kind_set_password: 'Admin password',
    kind_archive: 'Archive',
    kind_restore: 'Restore',
    kind_delete_archive: 'Archive deletion',
    kind_import: 'Archive import',
  },
});

type K = keyof typeof m.fr;
type IT = Translator<K>;
const it_ = (ctx: PageContext): IT => translator(m, ctx.locale);

export interface InstanceListRow {
  id: number;
  name: string;
  url: string;
  userId: number;
  alias: string | null;
  planName: string;
  state: InstanceState;
  failure_reason: string | null;
  period_end: string | null;
}

export interface FailedActionRow {
  id: number;
  kind: ActionKind;
  attempts: number;
  last_error: string | null;
  at: Date | string;
  instanceId: number;
  instanceName: string;
}

export interface InstanceActionRow {
  id: number;
  kind: ActionKind;
  state: ActionState;
  attempts: number;
  last_error: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

export type RetryNotice = 'retried' | 'refused' | null;

const STATE_CLASS: Record<InstanceState, string> = { creating: 'warn', active: 'ok', suspended: 'warn', maintenance: 'warn', deleted: '', failed: 'err' };

function stateBadge(t: IT, state: InstanceState): Html {
  return html`<span class="badge ${STATE_CLASS[state]}">${t(`state_${state}`)}</span>`;
}

function actionBadge(t: IT, state: ActionState): Html {
  return html`<span class="badge ${state === 'done' ? 'ok' : state === 'failed' ? 'err' : 'warn'}">${t(`astate_${state}`)}</span>`;
}

function when(ctx: PageContext, d: Date | string | null): HtmlChild {
  return d === null ? html`<span class="muted">—</span>` : formatDateTime(new Date(d), ctx.locale);
}

function retryNotice(t: IT, n: RetryNotice): Html | string {
  if (n === 'retried') return notice('success', t('retried'));
  if (n === 'refused') return notice('warning', t('retryRefused'));
  return '';
}

/** The "Relancer" button of a failed action; `from` brings the operator back to the page they were on. */
function retryForm(ctx: PageContext, t: IT, actionId: number, from: 'list' | 'instance'): Html {
  return html`<form method="post" action="/backoffice/actions/${actionId}/relancer" class="inline">
  ${csrfField(ctx)}
  ${from === 'instance' ? html`<input type="hidden" name="depuis" value="instance">` : ''}
  <button type="submit" class="small">${t('retry')}</button>
</form>`;
}

export function instancesListPage(ctx: PageContext, s: { rows: readonly InstanceListRow[]; failed: readonly FailedActionRow[]; page: PageInfo; notice: RetryNotice; isolation: IsolationSummary }): Html {
  const t = it_(ctx);
  return backofficePage(ctx, {
    section: 'instances',
    title: t('title'),
    main: html`<h1>${t('title')}</h1>
<p class="muted">${t('intro')}</p>
${isolationBanner(ctx, s.isolation)}
${retryNotice(t, s.notice)}
<section class="panel" aria-labelledby="failed-title" id="actions-en-echec">
  <h2 id="failed-title">${t('failedTitle')}</h2>
  ${
    s.failed.length === 0
      ? html`<p class="muted">${t('noFailed')}</p>`
      : asCards(html`<p class="muted">${t('failedIntro')}</p>
  <table>
    <thead><tr><th scope="col">${t('colDate')}</th><th scope="col">${t('colName')}</th><th scope="col">${t('colAction')}</th><th scope="col">${t('colAttempts')}</th><th scope="col">${t('colLastError')}</th><th scope="col" aria-label="${t('retry')}"></th></tr></thead>
    <tbody>
    ${s.failed.map(
      (a) => html`<tr>
      <td>${when(ctx, a.at)}</td>
      <td><a href="/backoffice/instances/${a.instanceId}">${a.instanceName}</a></td>
      <td>${t(`kind_${a.kind}`)}</td>
      <td>${a.attempts}</td>
      <td>${a.last_error ?? ''}</td>
      <td>${retryForm(ctx, t, a.id, 'list')}</td>
    </tr>`,
    )}
    </tbody>
  </table>`)
  }
</section>
${
  s.rows.length === 0
    ? html`<p class="muted">${t('noInstances')}</p>`
    : asCards(html`<table>
  <thead><tr><th scope="col">${t('colName')}</th><th scope="col">${t('colCustomer')}</th><th scope="col">${t('colPlan')}</th><th scope="col">${t('colState')}</th><th scope="col">${t('colPeriodEnd')}</th></tr></thead>
  <tbody>
  ${s.rows.map(
    (r) => html`<tr>
    <td><a href="/backoffice/instances/${r.id}">${r.name}</a><br><span class="muted">${r.url}</span></td>
    <td><a href="/backoffice/clients/${r.userId}">${r.alias ?? `#${r.userId}`}</a></td>
    <td>${r.planName}</td>
    <td>${stateBadge(t, r.state)}${r.failure_reason ? html`<br><span class="muted">${r.failure_reason}</span>` : ''}</td>
    <td>${r.period_end ? frenchDate(r.period_end) : html`<span class="muted">—</span>`}</td>
  </tr>`,
  )}
  </tbody>
</table>`)
}
${pager(tr(ctx), '/backoffice/instances', {}, s.page)}`,
  });
}

function row(label: string, value: HtmlChild): Html {
  const empty = value === null || value === undefined || value === '';
  return html`<dt>${label}</dt><dd>${empty ? html`<span class="muted">—</span>` : value}</dd>`;
}

export interface InstanceDetail {
  instance: Instance;
  url: string;
  alias: string | null;
  planName: string;
  diskBytes: number | null;
  endpoint: { host: string; port: number } | null;
  actions: readonly InstanceActionRow[];
  notice: RetryNotice;
  /** its server: state, isolation, log (instance-server.views.ts) */
  server: ServerSection;
  /** its archives, newest first (their failures are among the actions) */
  archives: readonly { id: number; name: string; origin: string; size_bytes: number; sha256: string; created_at: Date | string }[];
}

export function instanceDetailPage(ctx: PageContext, s: InstanceDetail): Html {
  const t = it_(ctx);
  const i = s.instance;
  return backofficePage(ctx, {
    section: 'instances',
    title: t('instanceTitle', { name: i.name }),
    main: html`<p><a href="/backoffice/instances">${t('backToList')}</a></p>
<h1>${t('instanceTitle', { name: i.name })}</h1>
${retryNotice(t, s.notice)}
<section class="panel">
  <dl class="details">
    ${row(t('colId'), i.id)}
    ${row(t('address'), i.state === 'active' ? html`<a href="${s.url}" rel="noopener noreferrer">${s.url}</a>` : s.url)}
    ${row(t('colCustomer'), html`<a href="/backoffice/clients/${i.user_id}">${s.alias ?? `#${i.user_id}`}</a>`)}
    ${row(t('order'), `#${i.order_id}`)}
    ${row(t('colPlan'), s.planName)}
    ${row(t('flavour'), i.flavour === 'diacamma.syndic' ? 'Diacamma Syndic' : 'Diacamma Asso')}
    ${row(t('colState'), stateBadge(t, i.state))}
    ${row(t('failureReason'), i.failure_reason)}
    ${row(t('periodStart'), i.period_start ? frenchDate(i.period_start) : null)}
    ${row(t('periodEnd'), i.period_end ? frenchDate(i.period_end) : null)}
    ${row(t('createdAt'), when(ctx, i.created_at))}
    ${row(t('updatedAt'), when(ctx, i.updated_at))}
    ${row(t('activatedAt'), i.activated_at ? when(ctx, i.activated_at) : null)}
    ${row(t('deletedAt'), i.deleted_at ? when(ctx, i.deleted_at) : null)}
    ${row(t('disk'), s.diskBytes === null ? t('diskUnknown') : formatBytes(s.diskBytes, ctx.locale))}
    ${row(t('server'), s.endpoint ? t('serverRunning', { endpoint: `${s.endpoint.host}:${s.endpoint.port}` }) : t('serverStopped'))}
  </dl>
</section>
${serverSection(ctx, s.server)}
<section class="panel" aria-labelledby="archives-title">
  <h2 id="archives-title">${t('archivesTitle')}</h2>
  ${
    s.archives.length === 0
      ? html`<p class="muted">${t('noArchives')}</p>`
      : cardTable(
          [t('colId'), t('colDate'), t('colArchiveName'), t('colOrigin'), t('colSize'), t('colSha')],
          s.archives.map((a) => [String(a.id), when(ctx, a.created_at), a.name, t(`origin_${a.origin}` as K), formatBytes(Number(a.size_bytes), ctx.locale), html`<code>${a.sha256.slice(0, 16)}…</code>`]),
        )
  }
</section>
<section class="panel" aria-labelledby="actions-title">
  <h2 id="actions-title">${t('actionsTitle')}</h2>
  ${
    s.actions.length === 0
      ? html`<p class="muted">${t('noActions')}</p>`
      : asCards(html`<table>
    <thead><tr><th scope="col">${t('colId')}</th><th scope="col">${t('colDate')}</th><th scope="col">${t('colAction')}</th><th scope="col">${t('colState')}</th><th scope="col">${t('colAttempts')}</th><th scope="col">${t('colStarted')}</th><th scope="col">${t('colFinished')}</th><th scope="col">${t('colLastError')}</th><th scope="col" aria-label="${t('retry')}"></th></tr></thead>
    <tbody>
    ${s.actions.map(
      (a) => html`<tr>
      <td>${a.id}</td>
      <td>${when(ctx, a.created_at)}</td>
      <td>${t(`kind_${a.kind}`)}</td>
      <td>${actionBadge(t, a.state)}</td>
      <td>${a.attempts}</td>
      <td>${when(ctx, a.started_at)}</td>
      <td>${when(ctx, a.finished_at)}</td>
      <td>${a.last_error ?? ''}</td>
      <td>${a.state === 'failed' ? retryForm(ctx, t, a.id, 'instance') : ''}</td>
    </tr>`,
    )}
    </tbody>
  </table>`)
  }
</section>`,
  });
}
