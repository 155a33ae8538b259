import { html, type Html } from '../../web/html.ts';
import type { Locale } from '../../web/i18n.ts';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * A mail is written once as paragraphs and at most one call-to-action link; this renders both the
 * plain-text and the HTML part from it, so the two never say different things.
 */
export interface MailContent {
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  after?: string[];
  signature: string;
}

export function renderMail(locale: Locale, c: MailContent): RenderedMail {
  const text = [
    c.greeting,
    '',
    ...c.paragraphs.flatMap((p) => [p, '']),
    ...(c.action ? [`${c.action.label} :`, c.action.url, ''] : []),
    ...(c.after ?? []).flatMap((p) => [p, '']),
    c.signature,
  ].join('\n');
  const body: Html = html`<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${c.subject}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1f24; max-width: 36rem; margin: 0 auto; padding: 1rem;">
<p>${c.greeting}</p>
${c.paragraphs.map((p) => html`<p>${p}</p>`)}
${c.action ? html`<p><a href="${c.action.url}" style="display: inline-block; padding: .6rem 1rem; background: #0b5cad; color: #fff; text-decoration: none; border-radius: 4px;">${c.action.label}</a></p>
<p style="font-size: .9em; color: #555;">${c.action.url}</p>` : ''}
${(c.after ?? []).map((p) => html`<p>${p}</p>`)}
<p>${c.signature.split('\n').map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>
</body></html>`;
  return { subject: c.subject, text, html: body.value };
}
