// The reports' tables as HTML: the metrics and diagnostics tables, and the pieces every table is
// built from (a key–value table, a table of rows, a signed amount coloured by its sign).
import { formatValue, type FormatKind } from "./format.js";
import { escapeHtml } from "./html.js";
import { humanize, metricRows } from "./metric-rows.js";
import { tone } from "./page.js";
import type { Diagnostics, Metrics } from "./summary.js";

/** `<table class="kv">` of [label (HTML), value (text)] rows. */
export function kvTable(id: string, caption: string, rows: readonly (readonly [string, string])[]): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${escapeHtml(v)}</td></tr>`).join("");
  return `<table id="${id}" class="kv"><caption>${caption}</caption><tbody>${body}</tbody></table>`;
}

export interface RowsTable {
  id: string;
  /** HTML. */
  caption: string;
  /** The column headings (HTML); `{ text }` for a column of text, aligned left like its cells (`td class="text"`). */
  head: readonly (string | { text: string })[];
  /** The body's rows, each a whole `<tr>` (HTML). */
  rows: readonly string[];
  /** A `<tfoot>` row (HTML), if any. */
  foot?: string;
  /** Extra classes of the table: `compact` (smaller cells), `ledger` (first column a label, the rest numbers). */
  className?: string;
}

/** A scrollable `<table class="points">` of rows under a header row. */
export function rowsTable(t: RowsTable): string {
  const head = t.head.map((h) => (typeof h === "string" ? `<th scope="col">${h}</th>` : `<th scope="col" class="text">${h.text}</th>`)).join("");
  const foot = t.foot === undefined ? "" : `<tfoot>${t.foot}</tfoot>`;
  const cls = t.className ? `points ${t.className}` : "points";
  return `<div class="table-scroll"><table id="${t.id}" class="${cls}"><caption>${t.caption}</caption><thead><tr>${head}</tr></thead><tbody>${t.rows.join("")}</tbody>${foot}</table></div>`;
}

/** A signed amount as `kind`, coloured by its sign (amounts under half a cent uncoloured). */
export function signed(value: number, kind: FormatKind): string {
  const cls = Math.abs(value) < 0.005 ? "" : tone(value);
  const text = escapeHtml(formatValue(value, kind));
  return cls ? `<span class="${cls}">${text}</span>` : text;
}

/** `<table id="metrics">`: one `<tr data-metric="…">` per metric, a `<tbody>` per group. */
export function metricsTable(metrics: Metrics): string {
  const groups = new Map<string, string[]>();
  for (const row of metricRows(metrics)) {
    const rows = groups.get(row.group) ?? [];
    rows.push(`<tr data-metric="${escapeHtml(row.key)}"><th scope="row">${escapeHtml(row.label)}</th><td>${escapeHtml(row.value)}</td></tr>`);
    groups.set(row.group, rows);
  }
  const bodies = [...groups].map(
    ([group, rows]) => `<tbody><tr class="group"><th colspan="2" scope="rowgroup">${escapeHtml(group)}</th></tr>${rows.join("")}</tbody>`,
  );
  return `<table id="metrics" class="kv"><caption>Metrics</caption>${bodies.join("")}</table>`;
}

/** `<table id="diagnostics">`: the counters of summary.diagnostics, nested objects flattened ("Entries skipped: max open"). */
export function diagnosticsTable(diagnostics: Diagnostics): string {
  const rows = diagnosticRows(diagnostics as unknown as Record<string, unknown>, "");
  const html = rows.map(
    ([label, value, nonZero]) => `<tr${nonZero ? ' class="flag"' : ""}><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
  );
  return `<table id="diagnostics" class="kv"><caption>Diagnostics</caption><tbody>${html.join("")}</tbody></table>`;
}

/** [label, formatted value, worth a look] rows; "worth a look" marks non-zero problem counters, not counts of events. */
function diagnosticRows(node: Record<string, unknown>, prefix: string): [string, string, boolean][] {
  return Object.entries(node).flatMap(([key, value]): [string, string, boolean][] => {
    const label = prefix ? `${prefix}: ${key.replace(/_/g, " ")}` : humanize(key);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return diagnosticRows(value as Record<string, unknown>, label);
    if (typeof value === "number") return [[label, formatValue(value, "count"), value !== 0 && !EVENT_COUNTS.has(key)]];
    return [[label, JSON.stringify(value) ?? "—", false]];
  });
}

/** Counters of what a strategy does (positions, exercise and assignment, dividends): not problems. */
const EVENT_COUNTS: ReadonlySet<string> = new Set(["positions_opened", "positions_closed", "exercised", "assigned", "early_assignments", "dividends"]);
