// The report's return and risk views beside the equity curve: rolling six-month Sharpe ratio and
// volatility, the yearly returns table and the worst drawdowns table.
import { rollingChart } from "./charts/rolling.js";
import { dayText } from "./dates.js";
import type { DrawdownPeriod } from "./drawdowns.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { figure } from "./page.js";
import { ROLLING_WINDOW, rollingSharpeVol, TRADING_DAYS_PER_YEAR } from "./rolling.js";
import { rowsTable, signed } from "./tables.js";
import type { YearlyReturn } from "./yearly-returns.js";

/** The rolling Sharpe and volatility figure; "No data." when the run is shorter than a window. */
export function rollingFigure(dates: readonly number[], returns: readonly number[]): string {
  const points = rollingSharpeVol(dates, returns);
  const caption =
    `Over the ${ROLLING_WINDOW} daily returns (about six months) ending each day, annualised with ${TRADING_DAYS_PER_YEAR} days, risk-free rate 0: ` +
    `Sharpe ratio = mean / sample deviation × √${TRADING_DAYS_PER_YEAR} (above), volatility = sample deviation × √${TRADING_DAYS_PER_YEAR} (below).` +
    (points.length === 0 ? ` The run has fewer than ${ROLLING_WINDOW + 1} trading days.` : "");
  const svg = points.length > 0 ? rollingChart(points, dates[0] as number, dates[dates.length - 1] as number) : "";
  return figure("chart-rolling", "Rolling 6-month Sharpe ratio and volatility", caption, svg);
}

/** `<table id="yearly-returns">`: each year's return and deepest drawdown, and the benchmark's return when `benchmark` names it. */
export function yearlyTable(years: readonly YearlyReturn[], benchmark?: string): string {
  const rows = years.map(
    (y) =>
      `<tr data-year="${y.year}"><td>${y.year}</td><td>${signed(y.value, "percent")}</td><td>${signed(y.maxDrawdown, "percent")}</td>` +
      `${benchmark === undefined ? "" : `<td>${signed(y.benchmark ?? Number.NaN, "percent")}</td>`}</tr>`,
  );
  const head = ["Year", "Return", "Max drawdown", ...(benchmark === undefined ? [] : [escapeHtml(benchmark)])];
  return rowsTable({ id: "yearly-returns", caption: "Yearly returns", head, rows, className: "compact ledger" });
}

/** `<table id="worst-drawdowns">`: the deepest drawdown periods with their dates, depth and length. */
export function drawdownsTable(periods: readonly DrawdownPeriod[], dates: readonly number[]): string {
  const at = (i: number) => dayText(dates[i] ?? Number.NaN);
  const rows = periods.map(
    (p, i) =>
      `<tr data-drawdown="${i + 1}"><td>${i + 1}</td><td>${at(p.peak)}</td><td>${at(p.trough)}</td>` +
      `<td>${p.recovery === null ? "not recovered" : at(p.recovery)}</td><td>${signed(p.depth, "percent")}</td><td>${formatValue(p.length, "count")}</td></tr>`,
  );
  const caption = periods.length === 0 ? "Worst drawdowns: equity never fell below a peak" : `Worst ${periods.length} drawdown${periods.length === 1 ? "" : "s"}`;
  const head = ["#", "Peak", "Trough", "Recovery", "Depth", `<abbr title="Trading days from the peak to the recovery, or to the last day">Trading days</abbr>`];
  return rowsTable({ id: "worst-drawdowns", caption, head, rows, className: "ledger" });
}
