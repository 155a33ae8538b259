import { html, flag, type Html } from '../../web/html.ts';

/**
 * Form controls the shared `field()` does not cover (date, number, select, textarea, checkbox), with
 * the same markup: label, hint, error, and the ARIA wiring that ties them together.
 */
export interface ControlOptions {
  name: string;
  label: string;
  value?: string;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  /** ids are `f-NAME` unless a prefix tells two forms of one page apart */
  idPrefix?: string;
}

function describe(id: string, o: ControlOptions): { attrs: Html; top: Html } {
  const describedBy = [o.hint ? `${id}-hint` : '', o.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return {
    attrs: html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}${flag('required', o.required)}`,
    top: html`<label for="${id}">${o.label}${o.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  ${o.error ? html`<p class="error" id="${id}-error">${o.error}</p>` : ''}`,
  };
}

function idOf(o: ControlOptions): string {
  return `${o.idPrefix ?? 'f'}-${o.name}`;
}

export function input(o: ControlOptions & { type?: 'text' | 'date' | 'time' | 'email' | 'tel'; maxlength?: number; inputmode?: 'decimal' | 'numeric'; max?: string; min?: string }): Html {
  const id = idOf(o);
  const d = describe(id, o);
  return html`<div class="field${o.error ? ' has-error' : ''}">
  ${d.top}
  <input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${o.max ? html` max="${o.max}"` : ''}${o.min ? html` min="${o.min}"` : ''}${d.attrs}>
</div>`;
}

export function textarea(o: ControlOptions & { rows?: number; maxlength?: number }): Html {
  const id = idOf(o);
  const d = describe(id, o);
  return html`<div class="field${o.error ? ' has-error' : ''}">
  ${d.top}
  <textarea id="${id}" name="${o.name}" rows="${o.rows ?? 3}"${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${d.attrs}>${o.value ?? ''}</textarea>
</div>`;
}

export function select(o: ControlOptions & { options: { value: string; label: string }[] }): Html {
  const id = idOf(o);
  const d = describe(id, o);
  return html`<div class="field${o.error ? ' has-error' : ''}">
  ${d.top}
  <select id="${id}" name="${o.name}"${d.attrs}>
    ${o.options.map((opt) => html`<option value="${opt.value}"${flag('selected', opt.value === o.value)}>${opt.label}</option>`)}
  </select>
</div>`;
}

export function checkbox(o: { name: string; label: string; checked: boolean; hint?: string; idPrefix?: string }): Html {
  const id = `${o.idPrefix ?? 'f'}-${o.name}`;
  return html`<div class="field">
  <label for="${id}"><input id="${id}" name="${o.name}" type="checkbox" value="1"${flag('checked', o.checked)}> ${o.label}</label>
  ${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}
</div>`;
}
