/**
 * The forms of a page of ecrin, read from its HTML as a browser would submit them: action, method,
 * and each field with the value it would send as is (text inputs, hidden inputs, text areas, the
 * selected option of a select, checked boxes). ecrin writes its own HTML (the `html` tag), so a
 * small reader is enough; this is not a general HTML parser.
 */
export interface FormField {
  name: string;
  /** input type, or `textarea` / `select` */
  type: string;
  value: string;
}

export interface PageForm {
  action: string;
  method: 'GET' | 'POST';
  fields: FormField[];
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e).replace(/&#(\d+);/g, (_e, n: string) => String.fromCharCode(Number(n)));
}

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? decode(m[1]!) : null;
}

function hasFlag(tag: string, name: string): boolean {
  return new RegExp(`\\s${name}(\\s|>|=)`, 'i').test(tag);
}

export function formsOf(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = `<form${m[1]}>`;
    const body = m[2]!;
    const fields: FormField[] = [];
    for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attr(tag, 'name');
      if (!name) continue;
      const type = (attr(tag, 'type') ?? 'text').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !hasFlag(tag, 'checked')) continue;
      if (type === 'submit' || type === 'button' || type === 'file') continue;
      fields.push({ name, type, value: attr(tag, 'value') ?? (type === 'checkbox' ? 'on' : '') });
    }
    for (const area of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(`<textarea${area[1]}>`, 'name');
      if (name) fields.push({ name, type: 'textarea', value: decode(area[2]!) });
    }
    for (const select of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = attr(`<select${select[1]}>`, 'name');
      if (!name) continue;
      const options = [...select[2]!.matchAll(/<option\b([^>]*)>/gi)].map((o) => `<option${o[1]}>`);
      const chosen = options.find((o) => hasFlag(o, 'selected')) ?? options[0];
      fields.push({ name, type: 'select', value: chosen ? (attr(chosen, 'value') ?? '') : '' });
    }
    const method = (attr(open, 'method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
    forms.push({ action: attr(open, 'action') ?? '', method, fields });
  }
  return forms;
}

/** The fields a person types into (not hidden, not a choice in a list). */
export function typedFields(form: PageForm): FormField[] {
  return form.fields.filter((f) => ['text', 'email', 'password', 'tel', 'search', 'url', 'textarea', 'number', 'date'].includes(f.type));
}

/** The form's fields as a record (the last value of a repeated name wins, as ecrin reads them). */
export function valuesOf(form: PageForm, override: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(form.fields.map((f) => [f.name, f.value])), ...override };
}
