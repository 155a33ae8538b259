import type { PageContext } from './context.ts';
import { str } from './forms.ts';
import { html, type Html } from './html.ts';
import { defineMessages, translator } from './i18n.ts';
import { csrfField, layout } from './layout.ts';

const messages = defineMessages({
  fr: { title: 'Confirmez', back: 'Non, revenir en arrière' },
  en: { title: 'Please confirm', back: 'No, go back' },
});

/** Whether the person confirmed a destructive action (the browser's dialog, or the page below). */
export function confirmed(body: unknown): boolean {
  return str(body, 'confirme', 2) === '1';
}

/** The `data-confirm` attribute of a destructive form: app.js asks with this question first. */
export function confirmAttr(question: string): Html {
  return html` data-confirm="${question}"`;
}

/**
 * Without JavaScript, a destructive form comes here first: the question, a button that sends the
 * same form again with confirme=1, and a way back.
 */
export function confirmPage(ctx: PageContext, o: { question: string; action: string; fields?: Record<string, string>; confirmLabel: string; backHref: string }): Html {
  const t = translator(messages, ctx.locale);
  return layout(ctx, {
    title: t('title'),
    main: html`<section class="narrow">
  <h1>${t('title')}</h1>
  <p>${o.question}</p>
  <form method="post" action="${o.action}">
    ${csrfField(ctx)}
    <input type="hidden" name="confirme" value="1">
    ${Object.entries(o.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <div class="actions"><button type="submit" class="danger">${o.confirmLabel}</button> <a href="${o.backHref}">${t('back')}</a></div>
  </form>
</section>`,
  });
}
