// The report's P&L attribution: the stacked chart of cumulative P&L by source, the table of the
// run's totals by source, the delta hedge's totals, and the note that replaces them for results
// written before the engine attributed P&L.
import { monthlyAttribution, sourceSum, type DailyAttribution, type SourceValues } from "./attribution.js";
import { attributionChart, SOURCE_LABELS } from "./charts/attribution.js";
import { ATTRIBUTION_SOURCES } from "./columns.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { figure, tone } from "./page.js";
import type { HedgeTotals } from "./summary.js";

export const ATTRIBUTION_CAPTION =
  "Cumulative P&amp;L by source at each month end; the parts sum to the change in equity (the line). Other: fills away from the marks, fees, dividends, settlement.";

/** The attribution chart; for results without the attribution, a plain note in its place. */
export function attributionFigure(daily: DailyAttribution | undefined, capital: number): string {
  if (!daily) {
    return `<section id="attribution-missing" class="notice"><strong>P&amp;L attribution</strong><p>This results directory predates the P&amp;L attribution: its equity.arrow has no <code>pnl_*</code> columns, so there is no breakdown by delta, gamma, theta, vega, hedge and the rest. Run the scenario again to see it.</p></section>`;
  }
  const months = monthlyAttribution(daily, capital);
  return figure("chart-attribution", "P&amp;L attribution", ATTRIBUTION_CAPTION, months.length > 0 ? attributionChart(months) : "");
}

/** `<table id="attribution">`: each source's P&L over the run and their sum, the change in equity. */
export function attributionTable(totals: SourceValues): string {
  const rows = ATTRIBUTION_SOURCES.map(
    (s) => `<tr data-source="${s}"><th scope="row">${SOURCE_LABELS[s]}</th><td${toneAttr(totals[s])}>${escapeHtml(formatValue(totals[s], "dollars"))}</td></tr>`,
  );
  const sum = sourceSum(totals);
  rows.push(`<tr class="group" data-source="total"><th scope="row">Equity change</th><td${toneAttr(sum)}>${escapeHtml(formatValue(sum, "dollars"))}</td></tr>`);
  return `<table id="attribution" class="kv"><caption>P&amp;L by source</caption><tbody>${rows.join("")}</tbody></table>`;
}

/** `<table id="hedge">`: the delta hedge's share fills; empty when it never traded (or the summary predates it). */
export function hedgeTable(hedge: HedgeTotals | undefined): string {
  if (!hedge || hedge.fills <= 0) return "";
  const net = hedge.pnl - hedge.fees;
  const rows: [string, string, string][] = [
    ["Fills", formatValue(hedge.fills, "count"), ""],
    ["Shares traded", formatValue(hedge.shares_traded, "count"), ""],
    ["Gross P&amp;L", formatValue(hedge.pnl, "dollars"), toneAttr(hedge.pnl)],
    ["Fees", formatValue(hedge.fees, "dollars"), ""],
    ["Net P&amp;L", formatValue(net, "dollars"), toneAttr(net)],
  ];
  const body = rows.map(([k, v, attr]) => `<tr><th scope="row">${k}</th><td${attr}>${escapeHtml(v)}</td></tr>`).join("");
  return `<table id="hedge" class="kv"><caption>Delta hedge</caption><tbody>${body}</tbody></table>`;
}

/** ` class="pos"`, ` class="neg"` or nothing, by the sign of `value`. */
function toneAttr(value: number): string {
  const cls = tone(value);
  return cls ? ` class="${cls}"` : "";
}
