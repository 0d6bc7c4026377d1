// The metrics and diagnostics tables of the report, as HTML.
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { humanize, metricRows } from "./metric-rows.js";
import type { Diagnostics, Metrics } from "./summary.js";

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
