// The page shell every report shares: a self-contained HTML document (inline styles, inline SVG,
// no scripts, nothing fetched) and the pieces both pages are built from.
import { escapeHtml } from "./html.js";
import { STYLES } from "./styles.js";

export interface PageParts {
  /** The page title before " · <kind>". */
  title: string;
  /** What the page is: "backtest report", "sweep report". */
  kind: string;
  /** The HTML inside `<main class="report">`, before the footer. */
  body: string;
}

/** A complete HTML page that needs no network and no script. */
export function renderPage(parts: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="aegis-bt">
<title>${escapeHtml(parts.title)} · ${escapeHtml(parts.kind)}</title>
<style>${STYLES}</style>
</head>
<body>
<main class="report">
${parts.body}
<footer>aegis-bt ${escapeHtml(parts.kind)} · static page: no scripts, no network.</footer>
</main>
</body>
</html>
`;
}

/** A captioned chart; `caption` is HTML. An empty `svg` shows "No data." instead. */
export function figure(id: string, title: string, caption: string, svg: string): string {
  const body = svg || `<p class="empty">No data.</p>`;
  return `<figure id="${id}"><figcaption><strong>${title}</strong>${caption}</figcaption>${body}</figure>`;
}

/** A headline figure: label, value (text) and an optional note under it (HTML). */
export interface Kpi {
  label: string;
  value: string;
  /** Colours the value by sign: green above 0, red below; null leaves it plain. */
  sign?: number | null;
  note?: string;
  /** `data-kpi` attribute, for tests and styling. */
  key?: string;
}

/** The row of headline figures. */
export function kpiList(kpis: readonly Kpi[]): string {
  const items = kpis.map((k) => {
    const key = k.key === undefined ? "" : ` data-kpi="${escapeHtml(k.key)}"`;
    const note = k.note === undefined ? "" : `<span class="note">${k.note}</span>`;
    const cls = k.sign === undefined || k.sign === null ? "" : tone(k.sign);
    return `<li${key}><span class="label">${k.label}</span><span class="value ${cls}">${escapeHtml(k.value)}</span>${note}</li>`;
  });
  return `<ul class="kpis" aria-label="Headline figures">${items.join("")}</ul>`;
}

/** The CSS class of a signed value: "pos", "neg" or none. */
export function tone(value: number): string {
  if (value > 0) return "pos";
  return value < 0 ? "neg" : "";
}

/** The collapsible block showing the scenario's source text, escaped; empty without text. */
export function scenarioBlock(text: string | undefined): string {
  return text === undefined ? "" : `<details id="scenario"><summary>Scenario</summary><pre>${escapeHtml(text)}</pre></details>`;
}

/** A one-line note saying why a section is not there; `html` is HTML. */
export function noteLine(id: string, html: string): string {
  return `<p id="${id}" class="note-line">${html}</p>`;
}

/** A full-width section of the page under an `<h2>`; `body` is HTML. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${id}" class="section">\n<h2>${title}</h2>\n${body}\n</section>`;
}
