import { html, type Html, type HtmlChild } from './html.ts';

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
