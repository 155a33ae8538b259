import type { Archive, Instance } from '../../platform/db/schema.ts';
import type { PageContext } from '../../web/context.ts';
import { confirmAttr } from '../../web/confirm.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { formatBytes, formatDateTime, translator, type Translator } from '../../web/i18n.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { cardTable } from '../../web/table.ts';
import { archiveMessages } from './archives.messages.ts';
import type { FinalArchive, Quota } from './archives.service.ts';

type K = keyof typeof archiveMessages.fr;
const at_ = (ctx: PageContext): Translator<K> => translator(archiveMessages, ctx.locale);

export interface ArchivesPageState {
  instance: Instance;
  archives: Archive[];
  quota: Quota;
  uploadMax: number;
  protectedId: number | null;
  notice?: string | undefined;
  archiveErrors?: FieldErrors | undefined;
  importErrors?: FieldErrors | undefined;
  name?: string | undefined;
}

/** The instance's archives and the five buttons of the brief: Supprimer, Archiver, Import, Export, Restaurer. */
export function archivesPage(ctx: PageContext, s: ArchivesPageState): Html {
  const t = at_(ctx);
  const i = s.instance;
  const base = `/instances/${i.id}/archives`;
  const q = s.quota;
  const percent = q.totalBytes ? Math.min(100, Math.round((q.usedBytes / q.totalBytes) * 100)) : null;
  const active = i.state === 'active';
  return layout(ctx, {
    title: t('pageTitle', { name: i.name }),
    main: html`<h1>${t('pageTitle', { name: i.name })}</h1>
<nav class="tabs" aria-label="${t('title')}"><a href="/instances">${t('instancesTab')}</a><a href="/instances/${i.id}">${t('back')}</a><a href="/instances/actions">${t('actionsTitle')}</a></nav>
${s.notice ? notice('success', s.notice) : ''}
<section class="panel" aria-labelledby="archives-title">
  <h2 id="archives-title">${t('title')}</h2>
  <p class="muted">${t('intro')}</p>
  <p>${t('storage')} : ${q.totalBytes ? html`${t('storageUse', { used: formatBytes(q.usedBytes, ctx.locale), total: formatBytes(q.totalBytes, ctx.locale) })} <progress max="100" value="${percent ?? 0}" aria-label="${t('storage')}">${percent ?? 0} %</progress>` : formatBytes(q.usedBytes, ctx.locale)}</p>
  ${
    s.archives.length === 0
      ? html`<p class="muted">${t('none')}</p>`
      : cardTable(
          [t('colName'), t('colDate'), t('colOrigin'), t('colSize'), t('colVersion'), t('colActions')],
          s.archives.map((a) => [
            html`${a.name}<br><code class="sha" title="SHA-256">${t('sha', { sha: a.sha256 })}</code>`,
            formatDateTime(new Date(a.created_at), ctx.locale),
            html`${t(`origin_${a.origin}` as K)}${a.state === 'restoring' ? html` <span class="badge warn">${t('restoring')}</span>` : ''}`,
            formatBytes(Number(a.size_bytes), ctx.locale),
            html`<span class="muted">${a.diacamma_version}</span>`,
            html`<a href="${base}/${a.id}/export" download aria-label="${t('exportLabel', { name: a.name })}">${t('export')}</a>
              ${active && a.state === 'ready' ? html` · <a href="${base}/${a.id}/restaurer" aria-label="${t('restoreLabel', { name: a.name })}">${t('restore')}</a>` : ''}
              ${
                s.protectedId === a.id
                  ? html`<br><span class="muted">${t('protected')}</span>`
                  : a.state === 'ready'
                    ? html`<form method="post" action="${base}/${a.id}/supprimer" class="inline"${confirmAttr(t('deleteConfirm', { name: a.name }))}>${csrfField(ctx)}<button type="submit" class="secondary" aria-label="${t('deleteLabel', { name: a.name })}">${t('delete')}</button></form>`
                    : ''
              }`,
          ]),
        )
  }
</section>
${active ? archiveForm(ctx, base, s.archiveErrors ?? {}, s.name) : ''}
${active ? importForm(ctx, base, s.uploadMax, s.importErrors ?? {}) : ''}`,
  });
}

function archiveForm(ctx: PageContext, base: string, errors: FieldErrors, name: string | undefined): Html {
  const t = at_(ctx);
  return html`<section class="panel" id="archiver">
  <h2>${t('archiveTitle')}</h2>
  <p class="muted">${t('archiveIntro')}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="${base}" novalidate>
    ${csrfField(ctx)}
    ${field({ name: 'name', label: t('archiveName'), required: true, maxlength: 80, value: name ?? '', error: errors.name })}
    <button type="submit">${t('archiveSubmit')}</button>
  </form>
</section>`;
}

/**
 * Import: a multipart upload streamed to the store. Its CSRF token rides in the address (the body
 * is a stream read after the check); with JavaScript, app.js shows the upload's progress.
 */
function importForm(ctx: PageContext, base: string, max: number, errors: FieldErrors): Html {
  const t = at_(ctx);
  return html`<section class="panel" id="import">
  <h2>${t('importTitle')}</h2>
  <p class="muted">${t('importIntro', { max: formatBytes(max, ctx.locale) })}</p>
  ${errorSummary(errors, t('errorsTitle'))}
  <form method="post" action="${base}/import?_csrf=${encodeURIComponent(ctx.csrfToken)}" enctype="multipart/form-data" data-upload novalidate>
    ${field({ name: 'name', label: t('importName'), maxlength: 80 })}
    <div class="field${errors.file ? ' has-error' : ''}">
      <label for="f-file">${t('importFile')}</label>
      ${errors.file ? html`<p class="error" id="f-file-error">${errors.file}</p>` : ''}
      <input id="f-file" name="file" type="file" accept=".lbkf,.lbk,application/gzip"${errors.file ? html` aria-invalid="true" aria-describedby="f-file-error"` : ''}>
    </div>
    <progress class="upload-progress" max="100" value="0" hidden aria-label="${t('importProgress')}"></progress>
    <button type="submit">${t('importSubmit')}</button>
  </form>
</section>`;
}

export function restorePage(ctx: PageContext, s: { instance: Instance; archive: Archive; errors: FieldErrors; safetyKeepDays: number }): Html {
  const t = at_(ctx);
  const { instance: i, archive: a } = s;
  return layout(ctx, {
    title: t('restoreTitle', { name: a.name }),
    main: html`<section class="narrow">
  <h1>${t('restoreTitle', { name: a.name })}</h1>
  <p>${t('restoreWarning', { instance: i.name, days: String(s.safetyKeepDays) })}</p>
  <p class="muted">${t('restorePasswordIntro')}</p>
  <p class="muted">${t('sha', { sha: a.sha256 })}</p>
  ${errorSummary(s.errors, t('errorsTitle'))}
  <form method="post" action="/instances/${i.id}/archives/${a.id}/restaurer" novalidate>
    ${csrfField(ctx)}
    ${field({ name: 'confirm_name', label: t('confirmName', { instance: i.name }), required: true, autocomplete: 'off', error: s.errors.confirm_name })}
    <input type="hidden" name="username" value="admin" autocomplete="username">
    ${field({ name: 'password', label: t('newPassword'), type: 'password', required: true, autocomplete: 'new-password', error: s.errors.password })}
    ${field({ name: 'password_confirm', label: t('confirmPassword'), type: 'password', required: true, autocomplete: 'new-password' })}
    <div class="actions"><button type="submit" class="danger">${t('restoreSubmit')}</button> <a href="/instances/${i.id}/archives">${t('back')}</a></div>
  </form>
</section>`,
  });
}

/** "Mettre fin à l'instance": what happens, then the instance's name typed to confirm. */
export function endPage(ctx: PageContext, s: { instance: Instance; keepDays: number; errors: FieldErrors }): Html {
  const t = at_(ctx);
  const i = s.instance;
  return layout(ctx, {
    title: t('endTitle', { name: i.name }),
    main: html`<section class="narrow">
  <h1>${t('endTitle', { name: i.name })}</h1>
  <p>${t('endIntro', { days: String(s.keepDays) })}</p>
  <p class="muted">${t('endSafe')}</p>
  ${errorSummary(s.errors, t('errorsTitle'))}
  ${s.errors.instance ? html`<p class="error">${s.errors.instance}</p>` : ''}
  <form method="post" action="/instances/${i.id}/fin" novalidate>
    ${csrfField(ctx)}
    ${field({ name: 'confirm_name', label: t('endConfirmName', { name: i.name }), required: true, autocomplete: 'off', error: s.errors.confirm_name })}
    <div class="actions"><button type="submit" class="danger">${t('endSubmit')}</button> <a href="/instances/${i.id}">${t('back')}</a></div>
  </form>
</section>`,
  });
}

/** "Archives finales": the final archives of the customer's ended (or ending) instances, to download. */
export function finalArchivesPage(ctx: PageContext, s: { archives: FinalArchive[]; ending: string | null; keepDays: number }): Html {
  const t = at_(ctx);
  return layout(ctx, {
    title: t('finalTitle'),
    main: html`<h1>${t('finalTitle')}</h1>
<nav class="tabs" aria-label="${t('finalTitle')}"><a href="/instances">${t('instancesTab')}</a></nav>
${s.ending ? notice('info', t('finalEnding', { name: s.ending })) : ''}
<section class="panel">
  <p class="muted">${t('finalIntro', { days: String(s.keepDays) })}</p>
  ${
    s.archives.length === 0
      ? html`<p class="muted">${t('finalNone')}</p>`
      : cardTable(
          [t('colInstance'), t('colName'), t('colSize'), t('colUntil'), t('colActions')],
          s.archives.map((a) => [
            html`${a.instance_name}<br><span class="muted">${a.instance_state === 'deleted' && a.instance_ended_at ? t('instanceEnded', { date: formatDateTime(new Date(a.instance_ended_at), ctx.locale) }) : t('instanceEnding')}</span>`,
            html`${a.name}<br><code class="sha" title="SHA-256">${t('sha', { sha: a.sha256 })}</code>`,
            formatBytes(Number(a.size_bytes), ctx.locale),
            a.expires_at ? formatDateTime(new Date(a.expires_at), ctx.locale) : '—',
            html`<a href="/archives-finales/${a.id}/telecharger" download aria-label="${t('downloadLabel', { name: a.instance_name })}">${t('download')}</a>`,
          ]),
        )
  }
</section>`,
  });
}
