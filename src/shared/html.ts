// HTML building blocks for the self-contained reports (api/reportHtml.ts, bench/htmlReport.ts,
// bench/svg.ts): every value that reaches the page goes through esc.

export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A table with a header row; every cell is escaped. */
export function htmlTable(head: string[], rows: (string | number)[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A bulleted list; every item is escaped. */
export const htmlList = (items: string[]): string => `<ul>${items.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`;
