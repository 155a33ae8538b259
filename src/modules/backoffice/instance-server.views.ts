import type { InstanceRuntime, IsolationSummary } from '../../hosting/driver.ts';
import type { PageContext } from '../../web/context.ts';
import { notice } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { defineMessages, formatDateTime, translator } from '../../web/i18n.ts';
import { csrfField } from '../../web/layout.ts';

/** The back office's view of where instances run: isolation, an instance's server and its log. */
const m = defineMessages({
  fr: {
    serverTitle: "Serveur de l'instance",
    state: 'État du serveur',
    state_starting: 'en démarrage',
    state_running: 'en marche',
    state_restarting: 'redémarrage en cours',
    state_failed: 'en échec (arrêts à répétition)',
    state_stopping: "en cours d'arrêt",
    state_stopped: 'arrêté',
    process: 'Processus',
    adopted: "repris tel quel d'un ecrin précédent",
    since: 'depuis le {date}',
    restarts: 'Redémarrages automatiques',
    lastExit: 'Dernier arrêt',
    isolation: 'Isolation',
    isolated: 'bac à sable bubblewrap, utilisateur {uid} ; limites mémoire, processus et fichiers',
    isolatedNoUid: 'bac à sable bubblewrap (utilisateur attribué au démarrage)',
    notIsolated: "non isolée : le serveur tourne avec l'utilisateur d'ecrin ({reason})",
    cgroup: 'cgroup v2',
    cgroupOn: 'limites mémoire et processus dans {dir}',
    cgroupOff: 'non utilisé ({reason}) : mémoire bornée par rlimit seulement',
    logTitle: 'Dernières lignes du journal',
    logIntro: "Sortie du serveur et notes d'ecrin (démarrages, arrêts, sondes sans réponse), de la plus ancienne à la plus récente ; les sondes de santé qui ont eu leur réponse ne sont pas montrées.",
    noLog: 'Journal vide.',
    restart: 'Redémarrer le serveur',
    restartIntro: "Le serveur n'est plus relancé automatiquement. Corrigez la cause (voir le journal), puis redémarrez-le : l'instance redevient active.",
    restarted: "Serveur redémarré : l'instance est de nouveau active.",
    restartRefused: "Le serveur n'a pas pu être redémarré : voyez pourquoi dans le journal ci-dessous.",
    restartNotFailed: "Cette instance n'est pas en échec : son serveur est géré automatiquement.",
    bannerNotIsolated: "Les instances ne sont pas isolées sur cette machine : {reason}. Elles tournent avec l'utilisateur d'ecrin et peuvent lire ses fichiers.",
    bannerNoCgroup: 'cgroup v2 non utilisé ({reason}) : la mémoire de chaque instance est bornée par rlimit seulement.',
    r_disabled: 'isolation désactivée (INSTANCE_ISOLATION=none)',
    r_not_root: "ecrin ne tourne pas en root et ne peut pas donner d'utilisateur propre aux instances",
    r_no_bwrap: "bubblewrap n'est pas installé",
    r_no_setpriv: "setpriv (util-linux) n'est pas installé",
    r_no_prlimit: "prlimit (util-linux) n'est pas installé",
    r_bwrap_failed: 'bubblewrap ne peut pas créer de bac à sable sur cette machine',
    c_off: 'désactivé (INSTANCE_CGROUP=off)',
    c_no_sandbox: 'instances non isolées',
    c_not_root: "ecrin ne tourne pas en root",
    c_no_cgroup2: 'pas de hiérarchie cgroup v2',
    c_no_controllers: 'contrôleurs memory et pids absents de cgroup v2, liés à cgroup v1 sur cette machine',
    c_not_writable: 'répertoire cgroup non modifiable',
  },
  en: {
    serverTitle: 'Instance server',
    state: 'Server state',
    state_starting: 'starting',
    state_running: 'running',
    state_restarting: 'restarting',
    state_failed: 'failed (crash loop)',
    state_stopping: 'stopping',
    state_stopped: 'stopped',
    process: 'Process',
    adopted: 'adopted as it was from an earlier ecrin',
    since: 'since {date}',
    restarts: 'Automatic restarts',
    lastExit: 'Last stop',
    isolation: 'Isolation',
    isolated: 'bubblewrap sandbox, user {uid}; memory, process and file limits',
    isolatedNoUid: 'bubblewrap sandbox (user given at start)',
    notIsolated: "not isolated: the server runs as ecrin's own user ({reason})",
    cgroup: 'cgroup v2',
    cgroupOn: 'memory and process limits in {dir}',
    cgroupOff: 'not used ({reason}): memory bounded by rlimits only',
    logTitle: 'Last lines of the log',
    logIntro: "The server's output and ecrin's notes (starts, stops, unanswered probes), oldest first; answered health probes are not shown.",
    noLog: 'Empty log.',
    restart: 'Restart the server',
    restartIntro: 'The server is no longer restarted automatically. Fix the cause (see the log), then restart it: the instance becomes active again.',
    restarted: 'Server restarted: the instance is active again.',
    restartRefused: 'The server could not be restarted: see why in the log below.',
    restartNotFailed: 'This instance has not failed: its server is managed automatically.',
    bannerNotIsolated: "Instances are not isolated on this machine: {reason}. They run as ecrin's own user and can read its files.",
    bannerNoCgroup: 'cgroup v2 not used ({reason}): each instance’s memory is bounded by rlimits only.',
    r_disabled: 'isolation turned off (INSTANCE_ISOLATION=none)',
    r_not_root: 'ecrin does not run as root and cannot give instances users of their own',
    r_no_bwrap: 'bubblewrap is not installed',
    r_no_setpriv: 'setpriv (util-linux) is not installed',
    r_no_prlimit: 'prlimit (util-linux) is not installed',
    r_bwrap_failed: 'bubblewrap cannot make a sandbox on this machine',
    c_off: 'turned off (INSTANCE_CGROUP=off)',
    c_no_sandbox: 'instances not sandboxed',
    c_not_root: 'ecrin does not run as root',
    c_no_cgroup2: 'no cgroup v2 hierarchy',
    c_no_controllers: 'no memory and pids controllers in cgroup v2, bound to cgroup v1 on this machine',
    c_not_writable: 'cgroup directory not writable',
  },
});

type K = keyof typeof m.fr;
const tr = (ctx: PageContext) => translator(m, ctx.locale);

function sandboxReason(ctx: PageContext, i: IsolationSummary): string {
  return tr(ctx)(`r_${i.reason ?? 'disabled'}` as K);
}

function cgroupReason(ctx: PageContext, i: IsolationSummary): string {
  return tr(ctx)(`c_${i.cgroup.reason ?? 'off'}` as K);
}

/** A warning on the instances list when this machine does not isolate instances (fully). */
export function isolationBanner(ctx: PageContext, i: IsolationSummary): Html | string {
  const t = tr(ctx);
  if (!i.sandboxed) return notice('warning', t('bannerNotIsolated', { reason: sandboxReason(ctx, i) }));
  if (!i.cgroup.available) return html`<p class="muted">${t('bannerNoCgroup', { reason: cgroupReason(ctx, i) })}</p>`;
  return '';
}

export type RestartNotice = { ok: true } | { ok: false; reason: 'not_failed' | 'start_failed' } | null;

export interface ServerSection {
  instanceId: number;
  runtime: InstanceRuntime;
  isolation: IsolationSummary;
  log: string[];
  /** it is "en échec" because of a crash loop: offer to restart it */
  canRestart: boolean;
  notice: RestartNotice;
}

export function serverSection(ctx: PageContext, s: ServerSection): Html {
  const t = tr(ctx);
  const r = s.runtime;
  const i = s.isolation;
  const row = (label: string, value: Html | string) => html`<dt>${label}</dt><dd>${value}</dd>`;
  const isolation = i.sandboxed ? (r.uid !== null ? t('isolated', { uid: r.uid }) : t('isolatedNoUid')) : t('notIsolated', { reason: sandboxReason(ctx, i) });
  return html`<section class="panel" aria-labelledby="server-title" id="serveur">
  <h2 id="server-title">${t('serverTitle')}</h2>
  ${s.notice ? (s.notice.ok ? notice('success', t('restarted')) : notice('warning', s.notice.reason === 'not_failed' ? t('restartNotFailed') : t('restartRefused'))) : ''}
  <dl class="details">
    ${row(t('state'), html`${t(`state_${r.state}` as K)}${r.since ? html` <span class="muted">${t('since', { date: formatDateTime(r.since, ctx.locale) })}</span>` : ''}`)}
    ${r.pid !== null ? row(t('process'), html`${r.pid}${r.adopted ? html` <span class="muted">(${t('adopted')})</span>` : ''}`) : ''}
    ${row(t('restarts'), String(r.restarts))}
    ${r.lastExit ? row(t('lastExit'), r.lastExit) : ''}
    ${row(t('isolation'), html`${isolation}${i.sandboxed ? '' : html`<br><span class="muted">${i.detail}</span>`}`)}
    ${i.sandboxed ? row(t('cgroup'), i.cgroup.available ? t('cgroupOn', { dir: i.cgroup.detail }) : html`${t('cgroupOff', { reason: cgroupReason(ctx, i) })}<br><span class="muted">${i.cgroup.detail}</span>`) : ''}
  </dl>
  ${
    s.canRestart
      ? html`<p>${t('restartIntro')}</p>
  <form method="post" action="/backoffice/instances/${s.instanceId}/redemarrer">${csrfField(ctx)}<button type="submit">${t('restart')}</button></form>`
      : ''
  }
  <h3>${t('logTitle')}</h3>
  <p class="muted">${t('logIntro')}</p>
  ${s.log.length === 0 ? html`<p class="muted">${t('noLog')}</p>` : html`<pre class="log" tabindex="0" aria-label="${t('logTitle')}">${s.log.join('\n')}</pre>`}
</section>`;
}
