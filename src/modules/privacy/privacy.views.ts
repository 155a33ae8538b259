import type { PageContext } from '../../web/context.ts';
import { errorSummary, field, notice, type FieldErrors } from '../../web/forms.ts';
import { html, type Html } from '../../web/html.ts';
import { csrfField, layout } from '../../web/layout.ts';
import { pt } from './privacy.messages.ts';

/** "Vos données": the download in one click, and the closure of the account. */
export function privacyPage(ctx: PageContext, s: { instances: string[]; withoutArchive: string[]; confirmation: string; errors: FieldErrors }): Html {
  const t = pt(ctx);
  return layout(ctx, {
    title: t('title'),
    main: html`<section class="narrow">
<p><a href="/compte">${t('backAccount')}</a></p>
<h1>${t('title')}</h1>
<p>${t('intro')}</p>
<section class="panel" aria-labelledby="download-title">
  <h2 id="download-title">${t('downloadTitle')}</h2>
  <p>${t('downloadText')}</p>
  ${s.withoutArchive.length > 0 ? notice('info', t('noArchive', { names: s.withoutArchive.join(', ') })) : ''}
  <p><a class="button" href="/compte/donnees/archive.zip" download>${t('downloadButton')}</a></p>
</section>
<section class="panel" aria-labelledby="close-title">
  <h2 id="close-title">${t('closeTitle')}</h2>
  <p>${t('closeText')}</p>
  ${s.instances.length > 0 ? notice('warning', t('closeInstances', { names: s.instances.join(', ') })) : ''}
  ${errorSummary(s.errors, t('closeErrors'))}
  <form method="post" action="/compte/cloturer" novalidate>
    ${csrfField(ctx)}
    ${field({ name: 'confirmation', label: t('closeConfirm'), value: s.confirmation, required: true, autocomplete: 'off', error: s.errors.confirmation, maxlength: 254 })}
    ${s.instances.length > 0 ? html`<div class="field"><label class="choice"><input type="checkbox" id="f-end_instances" name="end_instances" value="1"> <span>${t('endInstances', { names: s.instances.join(', ') })}</span></label></div>` : ''}
    <button type="submit" class="danger">${t('closeButton')}</button>
  </form>
</section>
</section>`,
  });
}

export function closedPage(ctx: PageContext): Html {
  const t = pt(ctx);
  return layout(ctx, {
    title: t('closedTitle'),
    main: html`<section class="narrow">
<h1>${t('closedTitle')}</h1>
${notice('success', t('closedText'))}
<p><a href="/">${t('backHome')}</a></p>
</section>`,
  });
}
