import { html, Html, type HtmlChild } from './html.ts';

/**
 * A table that fits a phone: on a narrow screen each row becomes a card and each cell is preceded by
 * its column's name (app.css, table.cards), so nothing scrolls sideways and a row's action stays in
 * view. `head` names the columns; a row gives one cell per column.
 */
export function cardTable(head: readonly string[], rows: readonly (readonly HtmlChild[])[], opts: { caption?: string; rowAttrs?: (i: number) => Html } = {}): Html {
  return html`<table class="cards">
  ${opts.caption ? html`<caption>${opts.caption}</caption>` : ''}
  <thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
  <tbody>${rows.map((cells, i) => html`<tr${opts.rowAttrs?.(i) ?? ''}>${cells.map((c, j) => html`<td data-label="${head[j] ?? ''}">${c}</td>`)}</tr>`)}</tbody>
</table>`;
}

/**
 * The same for a table already written as markup (ours: cells are never nested tables): the table
 * gets class "cards" and each body cell the name of its column.
 */
export function asCards(table: Html): Html {
  const src = table.value;
  const head = /<thead>([\s\S]*?)<\/thead>/.exec(src)?.[1] ?? '';
  const names = [...head.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
  const body = src.replace(/<tbody>([\s\S]*?)<\/tbody>/g, (_all, rows: string) =>
    `<tbody>${rows.replace(/<tr([^>]*)>([\s\S]*?)<\/tr>/g, (_r, attrs: string, cells: string) => {
      let i = 0;
      return `<tr${attrs}>${cells.replace(/<td(?![^>]*data-label)/g, () => `<td data-label="${names[i++] ?? ''}"`)}</tr>`;
    })}</tbody>`,
  );
  return new Html(body.replace(/<table(?![^>]*class=)/, '<table class="cards"'));
}
