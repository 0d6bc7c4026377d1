// The report's positions section, from positions.arrow: how many positions ended for each reason
// and what they made, and the best and worst positions with their P&L by source; for results
// written before positions.arrow, a plain note in its place.
import type { SourceValues } from "./attribution.js";
import { SOURCE_LABELS } from "./charts/attribution.js";
import { ATTRIBUTION_SOURCES } from "./columns.js";
import { isoDay } from "./dates.js";
import { formatValue, type FormatKind } from "./format.js";
import { escapeHtml } from "./html.js";
import { humanize } from "./metric-rows.js";
import { tone } from "./page.js";
import { bestAndWorst, positionsByReason, type PositionRow } from "./positions.js";

/** Best and worst positions shown (each). */
export const EXTREMES = 5;

/** The section; `rows` undefined: the directory has no positions.arrow. */
export function positionsSection(rows: readonly PositionRow[] | undefined): string {
  if (!rows) {
    return `<section id="positions-missing" class="notice positions"><strong>Positions</strong><p>This results directory has no positions.arrow (it was written before the engine kept one row per position), so there is no per-position P&amp;L by source, and the P&amp;L distribution is derived from trades.arrow, without dividends. Run the scenario again to see them.</p></section>`;
  }
  if (rows.length === 0) return `<section id="positions" class="positions"><h2>Positions</h2><p class="empty">No positions.</p></section>`;
  const wins = rows.filter((p) => p.pnl > 0).length;
  const totals = total(rows);
  const tickers = [...new Set(rows.map((p) => p.ticker))];
  const on = tickers.length === 1 ? ` on ${escapeHtml(tickers[0] as string)}` : "";
  const lede =
    `${formatValue(rows.length, "count")} positions${on}, ${formatValue(wins, "count")} with a gain; net P&amp;L ${cell(totals.pnl, "dollars")} ` +
    `after ${escapeHtml(formatValue(totals.fees, "dollars"))} of fees, dividends ${cell(totals.dividends, "dollars")}. From positions.arrow: each position’s net P&amp;L includes its dividends and fees.`;
  return `<section id="positions" class="positions">
<h2>Positions</h2>
<p class="lede">${lede}</p>
${reasonTable(rows)}
${extremesTable(rows, totals, tickers.length > 1)}
</section>`;
}

function reasonTable(rows: readonly PositionRow[]): string {
  const body = positionsByReason(rows).map(
    (g) =>
      `<tr data-reason="${escapeHtml(g.reason)}"><td>${escapeHtml(reasonLabel(g.reason))}</td><td>${formatValue(g.count, "count")}</td>` +
      `<td>${formatValue(g.wins, "count")}</td><td>${cell(g.pnl, "dollars")}</td><td>${cell(g.pnl / g.count, "dollars")}</td></tr>`,
  );
  const head = `<tr><th scope="col">Ended by</th><th scope="col">Positions</th><th scope="col">With a gain</th><th scope="col">Net P&amp;L</th><th scope="col">Average</th></tr>`;
  return `<div class="table-scroll"><table id="positions-by-reason" class="points"><caption>Positions by how they ended</caption><thead>${head}</thead><tbody>${body.join("")}</tbody></table></div>`;
}

/** The best and worst positions; the ticker column only when the run traded more than one. */
function extremesTable(rows: readonly PositionRow[], totals: Totals, showTicker: boolean): string {
  const { best, worst } = bestAndWorst(rows, EXTREMES);
  const sources = ATTRIBUTION_SOURCES.map((s) => `<th scope="col">${SOURCE_LABELS[s]}</th>`).join("");
  const head =
    `<tr><th scope="col">Position</th>${showTicker ? `<th scope="col">Ticker</th>` : ""}<th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">Legs</th>` +
    `<th scope="col">Rolls</th><th scope="col">Units</th><th scope="col">Premium</th><th scope="col" class="key">Net P&amp;L</th>${sources}` +
    `<th scope="col">Fees</th><th scope="col">Dividends</th><th scope="col">Ended by</th></tr>`;
  const lead = showTicker ? 8 : 7; // the columns before the net P&L
  const row = (p: PositionRow) => positionRow(p, showTicker);
  const group = (label: string, list: readonly PositionRow[]) =>
    list.length === 0 ? "" : `<tbody><tr class="group"><th colspan="${lead + 4 + ATTRIBUTION_SOURCES.length}" scope="rowgroup">${label}</th></tr>${list.map(row).join("")}</tbody>`;
  const foot =
    `<tfoot><tr data-position="all"><th scope="row" colspan="${lead}">All ${formatValue(rows.length, "count")} positions</th><td class="key">${cell(totals.pnl, "wholeDollars")}</td>` +
    `${ATTRIBUTION_SOURCES.map((s) => `<td>${cell(totals.bySource[s], "wholeDollars")}</td>`).join("")}` +
    `<td>${escapeHtml(formatValue(totals.fees, "dollars"))}</td><td>${cell(totals.dividends, "dollars")}</td><td></td></tr></tfoot>`;
  const caption = `Best and worst positions by net P&amp;L, by source (other: fills away from the marks, fees, dividends, settlement)`;
  return `<div class="table-scroll"><table id="positions-extremes" class="points compact"><caption>${caption}</caption><thead>${head}</thead>${group(`Best ${best.length}`, best)}${group(`Worst ${worst.length}`, worst)}${foot}</table></div>`;
}

function positionRow(p: PositionRow, showTicker: boolean): string {
  return (
    `<tr data-position="${p.positionId}"><td>${p.positionId}</td>${showTicker ? `<td>${escapeHtml(p.ticker)}</td>` : ""}<td>${day(p.opened)}</td><td>${day(p.closed)}</td>` +
    `<td>${formatValue(p.legs, "count")}</td><td>${formatValue(p.rolls, "count")}</td><td>${formatValue(p.units, "count")}</td>` +
    `<td>${escapeHtml(formatValue(p.premium, "dollars"))}</td><td class="key">${cell(p.pnl, "wholeDollars")}</td>` +
    `${ATTRIBUTION_SOURCES.map((s) => `<td>${cell(p.bySource[s], "wholeDollars")}</td>`).join("")}` +
    `<td>${escapeHtml(formatValue(p.fees, "dollars"))}</td><td>${cell(p.dividends, "dollars")}</td><td>${escapeHtml(reasonLabel(p.reason))}</td></tr>`
  );
}

interface Totals {
  pnl: number;
  fees: number;
  dividends: number;
  bySource: SourceValues;
}

/** The positions' sums: net P&L, fees, dividends and each source. */
function total(rows: readonly PositionRow[]): Totals {
  const bySource = Object.fromEntries(ATTRIBUTION_SOURCES.map((s) => [s, rows.reduce((sum, p) => sum + p.bySource[s], 0)])) as SourceValues;
  return {
    pnl: rows.reduce((sum, p) => sum + p.pnl, 0),
    fees: rows.reduce((sum, p) => sum + p.fees, 0),
    dividends: rows.reduce((sum, p) => sum + p.dividends, 0),
    bySource,
  };
}

/** A signed amount, coloured by its sign. */
function cell(value: number, kind: FormatKind): string {
  const cls = Math.abs(value) < 0.005 ? "" : tone(value);
  const text = escapeHtml(formatValue(value, kind));
  return cls ? `<span class="${cls}">${text}</span>` : text;
}

/** `dte_exit` → "DTE exit", `stop_loss` → "Stop loss". */
function reasonLabel(reason: string): string {
  return humanize(reason).replace(/^Dte\b/, "DTE");
}

function day(ms: number): string {
  return Number.isFinite(ms) ? isoDay(ms) : "—";
}
