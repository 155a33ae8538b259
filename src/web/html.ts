/**
 * Server-side HTML with escaping by construction: every interpolated value is escaped unless it is
 * itself an `Html` built by this tag (or `raw`, kept for trusted, static markup). The type system
 * keeps the two apart, so a template cannot forget to escape user data.
 */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type HtmlChild = Html | string | number | bigint | boolean | null | undefined | readonly HtmlChild[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(child: HtmlChild): string {
  if (child === null || child === undefined || child === false || child === true) return '';
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return child.map(render).join('');
  return escapeHtml(String(child));
}

export function html(strings: TemplateStringsArray, ...values: HtmlChild[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Trusted markup only (static strings of ours). Never pass user data. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** Attribute helper: `attr('checked', isChecked)` → ` checked` or nothing. */
export function flag(name: string, on: boolean | undefined): Html {
  return new Html(on ? ` ${name}` : '');
}
