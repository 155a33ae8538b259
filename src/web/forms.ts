import { html, flag, type Html } from './html.ts';

export type FieldErrors = Partial<Record<string, string>>;

export interface FieldOptions {
  name: string;
  label: string;
  value?: string | null;
  type?: 'text' | 'email' | 'password' | 'tel' | 'search' | 'url';
  required?: boolean;
  autocomplete?: string;
  error?: string | undefined;
  hint?: string;
  maxlength?: number;
  autofocus?: boolean;
}

/** A labelled multi-line field, wired like `field()`. */
export function textArea(o: { name: string; label: string; hint?: string; value: string; error?: string | undefined; required?: boolean; maxlength: number; rows?: number }): Html {
  const id = `f-${o.name}`;
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="error" id="${id}-error">${o.error}</p>` : ''}
  <textarea id="${id}" name="${o.name}" rows="${o.rows ?? 4}" maxlength="${o.maxlength}"${o.required ? html` required` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}>${o.value}</textarea>
</div>`;
}

/** A labelled input with its hint and error, wired for screen readers. */
export function field(o: FieldOptions): Html {
  const id = `f-${o.name}`;
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="error" id="${id}-error">${o.error}</p>` : ''}
  <input id="${id}" name="${o.name}" type="${o.type ?? 'text'}"${o.type === 'password' ? '' : html` value="${o.value ?? ''}"`}${flag('required', o.required)}${flag('autofocus', o.autofocus)}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}>
</div>`;
}

/** The list of errors at the top of a form, focused so it is read first. */
export function errorSummary(errors: FieldErrors, title: string): Html {
  const entries = Object.entries(errors).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1">
  <h2>${title}</h2>
  <ul>${entries.map(([name, message]) => html`<li><a href="#f-${name}">${message}</a></li>`)}</ul>
</div>`;
}

export function notice(kind: 'success' | 'info' | 'warning', message: string): Html {
  return html`<div class="notice ${kind}" role="status">${message}</div>`;
}

/** Form bodies arrive as loose records; read one field as a trimmed string. */
export function str(body: unknown, name: string, max = 1000): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  if (typeof value !== 'string') return '';
  return value.trim().slice(0, max);
}

/** Same, without trimming (passwords keep their spaces). */
export function rawStr(body: unknown, name: string, max = 1000): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

export interface SelectOptions {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  value?: string | null;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
}

/** A labelled select with its hint and error, wired like `field`. */
export function selectField(o: SelectOptions): Html {
  const id = `f-${o.name}`;
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' has-error' : ''}">
  <label for="${id}">${o.label}${o.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="error" id="${id}-error">${o.error}</p>` : ''}
  <select id="${id}" name="${o.name}"${flag('required', o.required)}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}>
    ${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === (o.value ?? '') ? html` selected` : ''}>${opt.label}</option>`)}
  </select>
</div>`;
}
