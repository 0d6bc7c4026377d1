// The report's positions section, from positions.arrow: how many positions ended for each reason
// and what they made, the largest winners and losers with their P&L by source, and every position
// in one compact table; for results written before positions.arrow, a plain note in its place.
import type { SourceValues } from "./attribution.js";
import { SOURCE_LABELS } from "./charts/attribution.js";
import { ATTRIBUTION_SOURCES } from "./columns.js";
import { dayText as day } from "./dates.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { humanize } from "./metric-rows.js";
import { tone } from "./page.js";
import { positionsByReason, winnersAndLosers, type PositionRow } from "./positions.js";
import { rowsTable, signed } from "./tables.js";

/** Largest winners and largest losers shown (each). */
export const EXTREMES = 10;

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
  const columns = { ticker: tickers.length > 1, strategy: rows.some((p) => p.strategy !== undefined) };
  const lede =
    `${formatValue(rows.length, "count")} positions${on}, ${formatValue(wins, "count")} with a gain; net P&amp;L ${signed(totals.pnl, "dollars")} ` +
    `after ${escapeHtml(formatValue(totals.fees, "dollars"))} of fees, dividends ${signed(totals.dividends, "dollars")}. From positions.arrow: each position’s net P&amp;L includes its dividends and fees.`;
  return `<section id="positions" class="positions">
<h2>Positions</h2>
<p class="lede">${lede}</p>
${reasonTable(rows)}
${extremesTable(rows, totals, columns)}
${allPositions(rows, columns.strategy)}
</section>`;
}

function reasonTable(rows: readonly PositionRow[]): string {
  const body = positionsByReason(rows).map(
    (g) =>
      `<tr data-reason="${escapeHtml(g.reason)}"><td>${escapeHtml(reasonLabel(g.reason))}</td><td>${formatValue(g.count, "count")}</td>` +
      `<td>${formatValue(g.wins, "count")}</td><td>${signed(g.pnl, "dollars")}</td><td>${signed(g.pnl / g.count, "dollars")}</td></tr>`,
  );
  return rowsTable({ id: "positions-by-reason", caption: "Positions by how they ended", head: ["Ended by", "Positions", "With a gain", "Net P&amp;L", "Average"], rows: body });
}

interface Columns {
  /** The run traded more than one ticker. */
  ticker: boolean;
  /** positions.arrow has the `strategy` column. */
  strategy: boolean;
}

/** The largest winners and losers; the ticker column only when the run traded more than one, the strategy when positions.arrow names it. */
function extremesTable(rows: readonly PositionRow[], totals: Totals, columns: Columns): string {
  const { winners, losers } = winnersAndLosers(rows, EXTREMES);
  const sources = ATTRIBUTION_SOURCES.map((s) => `<th scope="col">${SOURCE_LABELS[s]}</th>`).join("");
  const head =
    `<tr><th scope="col">Position</th>${columns.ticker ? `<th scope="col">Ticker</th>` : ""}${columns.strategy ? `<th scope="col">Strategy</th>` : ""}` +
    `<th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">Legs</th>` +
    `<th scope="col">Rolls</th><th scope="col">Units</th><th scope="col">Premium</th><th scope="col" class="key">Net P&amp;L</th>${sources}` +
    `<th scope="col">Fees</th><th scope="col">Dividends</th><th scope="col">Ended by</th></tr>`;
  const lead = 7 + Number(columns.ticker) + Number(columns.strategy); // the columns before the net P&L
  const row = (p: PositionRow) => positionRow(p, columns);
  const group = (label: string, list: readonly PositionRow[]) =>
    list.length === 0 ? "" : `<tbody><tr class="group"><th colspan="${lead + 4 + ATTRIBUTION_SOURCES.length}" scope="rowgroup">${label}</th></tr>${list.map(row).join("")}</tbody>`;
  const foot =
    `<tfoot><tr data-position="all"><th scope="row" colspan="${lead}">All ${formatValue(rows.length, "count")} positions</th><td class="key">${signed(totals.pnl, "wholeDollars")}</td>` +
    `${ATTRIBUTION_SOURCES.map((s) => `<td>${signed(totals.bySource[s], "wholeDollars")}</td>`).join("")}` +
    `<td>${escapeHtml(formatValue(totals.fees, "dollars"))}</td><td>${signed(totals.dividends, "dollars")}</td><td></td></tr></tfoot>`;
  const caption = `Largest winners and largest losers by net P&amp;L, by source (other: fills away from the marks, fees, dividends, settlement)`;
  const groups = `${group(`Largest ${winners.length} winners`, winners)}${group(`Largest ${losers.length} losers`, losers)}`;
  return `<div class="table-scroll"><table id="positions-extremes" class="points compact"><caption>${caption}</caption><thead>${head}</thead>${groups}${foot}</table></div>`;
}

function positionRow(p: PositionRow, columns: Columns): string {
  return (
    `<tr data-position="${p.positionId}"><td>${p.positionId}</td>${columns.ticker ? `<td>${escapeHtml(p.ticker)}</td>` : ""}` +
    `${columns.strategy ? `<td>${escapeHtml(p.strategy ?? "")}</td>` : ""}<td>${day(p.opened)}</td><td>${day(p.closed)}</td>` +
    `<td>${formatValue(p.legs, "count")}</td><td>${formatValue(p.rolls, "count")}</td><td>${formatValue(p.units, "count")}</td>` +
    `<td>${escapeHtml(formatValue(p.premium, "dollars"))}</td><td class="key">${signed(p.pnl, "wholeDollars")}</td>` +
    `${ATTRIBUTION_SOURCES.map((s) => `<td>${signed(p.bySource[s], "wholeDollars")}</td>`).join("")}` +
    `<td>${escapeHtml(formatValue(p.fees, "dollars"))}</td><td>${signed(p.dividends, "dollars")}</td><td>${escapeHtml(reasonLabel(p.reason))}</td></tr>`
  );
}

/**
 * Every position in opening order, one plain row each (a few cells, no per-cell markup beyond a
 * sign class), folded by default: thousands of rows stay light to render and to scroll past.
 */
function allPositions(rows: readonly PositionRow[], showStrategy: boolean): string {
  const byId = [...rows].sort((a, b) => a.positionId - b.positionId);
  const labels = new Map<string, string>();
  const reason = (r: string) => labels.get(r) ?? (labels.set(r, escapeHtml(reasonLabel(r))).get(r) as string);
  const body = byId.map((p) => {
    const cls = tone(p.pnl);
    return (
      `<tr><td>${p.positionId}</td><td>${day(p.opened)}</td><td>${day(p.closed)}</td><td class="text">${escapeHtml(p.ticker)}</td>` +
      `${showStrategy ? `<td class="text">${escapeHtml(p.strategy ?? "")}</td>` : ""}<td>${formatValue(p.legs, "count")}</td><td>${formatValue(p.units, "count")}</td>` +
      `<td>${escapeHtml(formatValue(p.premium, "dollars"))}</td><td${cls ? ` class="${cls}"` : ""}>${escapeHtml(formatValue(p.pnl, "dollars"))}</td>` +
      `<td>${escapeHtml(formatValue(p.fees, "dollars"))}</td><td class="text">${reason(p.reason)}</td></tr>`
    );
  });
  const head = ["#", "Opened", "Closed", { text: "Ticker" }, ...(showStrategy ? [{ text: "Strategy" }] : []), "Legs", "Units", "Premium", "Net P&amp;L", "Fees", { text: "Ended by" }];
  const count = formatValue(rows.length, "count");
  const table = rowsTable({ id: "positions-all", caption: `All ${count} positions in opening order`, head, rows: body, className: "compact ledger" });
  return `<details id="positions-all-block"><summary>All ${count} positions (table)</summary>${table}</details>`;
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

/** `dte_exit` → "DTE exit", `stop_loss` → "Stop loss". */
export function reasonLabel(reason: string): string {
  return humanize(reason).replace(/^Dte\b/, "DTE");
}
