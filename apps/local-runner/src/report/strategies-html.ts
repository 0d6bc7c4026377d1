// The report's strategies section for a portfolio run: each strategy's equity beside the
// combined account (strategies.arrow) and a table of what each made (summary.json `strategies`).
// A run of one strategy has no such section.
import { strategiesChart } from "./charts/comparison.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { figure, noteLine, section } from "./page.js";
import type { StrategyCurve } from "./strategies.js";
import type { Metrics, RunSummary, StrategySummary } from "./summary.js";
import { rowsTable, signed } from "./tables.js";

export interface StrategiesInput {
  summary: RunSummary;
  /** strategies.arrow's curves; undefined without the file. */
  curves: readonly StrategyCurve[] | undefined;
  /** equity.arrow's dates and equity: the combined account. */
  dates: readonly number[];
  equity: readonly number[];
}

/** The section, or "" when the run has fewer than two strategies. */
export function strategiesSection(input: StrategiesInput): string {
  const { summary, curves } = input;
  const listed = summary.strategies ?? [];
  if (Math.max(listed.length, curves?.length ?? 0) < 2) return "";
  const chart = curves && curves.length > 0
    ? figure(
        "chart-strategies",
        "Equity and P&amp;L by strategy",
        "Above, each strategy’s equity (its weight × capital plus its net P&amp;L to date) and the combined account’s, which also holds any capital no strategy was given; " +
          "below, the net P&amp;L to date of each and of the account, on one scale.",
        input.dates.length > 0 ? strategiesChart(input.dates, input.equity, summary.capital, curves) : "",
      )
    : noteLine("strategies-curves-missing", "No per-strategy curves: this results directory has no strategies.arrow.");
  const table = listed.length > 0 ? strategiesTable(listed, summary) : noteLine("strategies-table-missing", "No per-strategy figures: summary.json has no <code>strategies</code>.");
  return section("strategies", "Strategies", `${chart}\n${table}`);
}

function strategiesTable(strategies: readonly StrategySummary[], summary: RunSummary): string {
  const figures = (m: Partial<Metrics>) =>
    `<td>${signed(m.cagr ?? Number.NaN, "percent")}</td><td>${formatValue(m.sharpe, "ratio")}</td><td>${signed(m.max_drawdown ?? Number.NaN, "percent")}</td>` +
    `<td>${formatValue(m.trade_count, "count")}</td><td>${formatValue(m.win_rate, "percent")}</td>`;
  const rows = strategies.map(
    (s) =>
      `<tr data-strategy="${escapeHtml(s.name)}"><td>${escapeHtml(s.name)}</td><td>${formatValue(s.weight, "percent")}</td><td class="text">${escapeHtml(s.tickers.join(", "))}</td>` +
      `<td>${escapeHtml(formatValue(s.capital, "wholeDollars"))}</td><td>${escapeHtml(formatValue(s.final_equity, "wholeDollars"))}</td><td>${signed(s.pnl, "wholeDollars")}</td>${figures(s.metrics)}</tr>`,
  );
  const weights = strategies.reduce((sum, s) => sum + s.weight, 0);
  const tickers = [...new Set(strategies.flatMap((s) => s.tickers))].join(", ");
  const foot =
    `<tr data-strategy="combined"><th scope="row">Combined</th><td>${formatValue(weights, "percent")}</td><td class="text">${escapeHtml(tickers)}</td>` +
    `<td>${escapeHtml(formatValue(summary.capital, "wholeDollars"))}</td><td>${escapeHtml(formatValue(summary.final_equity, "wholeDollars"))}</td>` +
    `<td>${signed(summary.final_equity - summary.capital, "wholeDollars")}</td>${figures(summary.metrics)}</tr>`;
  const head = ["Strategy", "Weight", { text: "Tickers" }, "Capital", "Final equity", "Net P&amp;L", "CAGR", "Sharpe", "Max drawdown", "Trades", "Win rate"];
  return rowsTable({ id: "strategies-table", caption: "By strategy (summary.json); the combined row is the whole account", head, rows, foot, className: "ledger" });
}
