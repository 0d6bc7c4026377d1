// Assembles the self-contained tearsheet page: header, headline figures, static SVG charts (equity,
// benchmark, drawdown with the worst drawdowns, rolling Sharpe and volatility, P&L attribution,
// monthly returns, P&L distribution), the metrics, benchmark, yearly returns, P&L by source, delta
// hedge and diagnostics tables, then the strategies of a portfolio, the Monte Carlo robustness
// (equity fans and drawdown distributions, with montecarlo.json), the underlying prices with
// entries and exits, the entry filters, the positions and, optionally, the scenario text. Results
// written before a file or field existed get the section without it, or a plain note in its place.
import { readAttribution, totalAttribution } from "./attribution.js";
import { attributionFigure, attributionTable, hedgeTable } from "./attribution-html.js";
import { benchmarkView } from "./benchmark-html.js";
import { drawdownChart } from "./charts/drawdown.js";
import { equityChart } from "./charts/equity.js";
import { monthlyChart } from "./charts/monthly.js";
import { pnlChart } from "./charts/pnl.js";
import { dateColumn, numberColumn } from "./columns.js";
import { worstDrawdowns } from "./drawdowns.js";
import { filtersSection } from "./filters-html.js";
import { formatValue, signedPercent } from "./format.js";
import { histogram } from "./histogram.js";
import { escapeHtml } from "./html.js";
import type { RunResults } from "./load.js";
import { readMarket } from "./market.js";
import { marketSection } from "./market-html.js";
import { monteCarloSection } from "./montecarlo-html.js";
import { monthlyReturns } from "./monthly-returns.js";
import { figure, kpiList, renderPage, scenarioBlock, tone } from "./page.js";
import { positionPnl, readFills, readPositions } from "./positions.js";
import { positionsSection } from "./positions-html.js";
import { drawdownsTable, rollingFigure, yearlyTable } from "./returns-html.js";
import { readStrategyCurves } from "./strategies.js";
import { strategiesSection } from "./strategies-html.js";
import type { RunSummary } from "./summary.js";
import { diagnosticsTable, metricsTable } from "./tables.js";
import { yearlyReturns } from "./yearly-returns.js";

export interface ReportOptions {
  /** Page title and heading; defaults to the scenario name. */
  title?: string;
  /** The scenario's source text, shown (escaped) in a collapsible block. */
  scenarioText?: string;
}

/** Worst drawdowns listed and shaded. */
export const WORST_DRAWDOWNS = 5;

/** The tearsheet of `results` as a complete HTML page that needs no network and no script. */
export function renderReport(results: RunResults, opts: ReportOptions = {}): string {
  const { summary } = results;
  const title = opts.title ?? summary.scenario;
  const dates = dateColumn(results.equity, "date");
  const equity = numberColumn(results.equity, "equity");
  const drawdown = numberColumn(results.equity, "drawdown");
  const months = monthlyReturns(dates, equity);
  const positions = results.positions && readPositions(results.positions);
  const market = results.market && readMarket(results.market);
  // positions.arrow's net P&L has the dividends; trades.arrow alone cannot give them.
  const pnls = positions ? positions.map((p) => p.pnl) : positionPnl(readFills(results.trades)).filter((p) => p.closed).map((p) => p.netPnl);
  const bins = histogram(pnls);
  const nonEmpty = dates.length > 0;
  const daily = readAttribution(results.equity);
  const totals = daily && totalAttribution(daily);
  const benchmark = benchmarkView({ benchmark: summary.benchmark, market, dates, equity, capital: summary.capital, cagr: summary.metrics.cagr });
  const worst = worstDrawdowns(equity, WORST_DRAWDOWNS);
  const years = yearlyReturns(dates, equity, benchmark.closes);

  const figures = [
    figure("chart-equity", "Equity", "Account equity at each close; dashed line: starting capital.", nonEmpty ? equityChart({ dates, equity, capital: summary.capital }) : ""),
    benchmark.figure,
    figure(
      "chart-drawdown",
      "Drawdown",
      `Equity below its running peak; shaded: the worst ${WORST_DRAWDOWNS} drawdowns, from peak to recovery (table below).`,
      nonEmpty ? drawdownChart({ dates, drawdown, periods: worst }) : "",
    ),
    drawdownsTable(worst, dates),
    rollingFigure(dates, numberColumn(results.equity, "daily_return")),
    attributionFigure(daily, summary.capital),
    figure("chart-monthly", "Monthly returns", "Calendar-month returns compounded from daily equity.", months.length > 0 ? monthlyChart(months) : ""),
    figure(
      "chart-pnl",
      "Trade P&amp;L distribution",
      positions
        ? `Net P&amp;L per position (after fees, with dividends), ${formatValue(pnls.length, "count")} positions.`
        : `Net P&amp;L per closed position (after fees), ${formatValue(pnls.length, "count")} positions.`,
      bins.length > 0 ? pnlChart(bins) : "",
    ),
  ];

  const body = `${header(summary, title)}
${headline(summary)}
<div class="layout">
<div class="charts">
${figures.join("\n")}
</div>
<aside>
${metricsTable(summary.metrics)}
${benchmark.table}
${yearlyTable(years, benchmark.closes && summary.benchmark ? summary.benchmark.name : undefined)}
${totals ? attributionTable(totals) : ""}
${hedgeTable(summary.hedge)}
${diagnosticsTable(summary.diagnostics)}
</aside>
</div>
${strategiesSection({ summary, curves: results.strategies && readStrategyCurves(results.strategies), dates, equity })}
${monteCarloSection({ report: results.montecarlo, summary, equity, positions })}
${marketSection(market, positions)}
${filtersSection(summary)}
${positionsSection(positions)}
${scenarioBlock(opts.scenarioText)}`;
  return renderPage({ title, kind: "backtest report", body });
}

function header(summary: RunSummary, title: string): string {
  const change = summary.capital === 0 ? "" : ` <span class="${tone(summary.final_equity - summary.capital)}">(${signedPercent(summary.final_equity / summary.capital - 1, 2)})</span>`;
  return `<header>
<p class="eyebrow">Backtest report</p>
<h1>${escapeHtml(title)}</h1>
<dl>
<div><dt>Scenario</dt><dd><code>${escapeHtml(summary.scenario)}</code></dd></div>
<div><dt>Span</dt><dd>${escapeHtml(summary.start)} → ${escapeHtml(summary.end)} · ${formatValue(summary.trading_days, "count")} trading days</dd></div>
<div><dt>Capital</dt><dd>${formatValue(summary.capital, "dollars")} → ${formatValue(summary.final_equity, "dollars")}${change}</dd></div>
</dl>
</header>`;
}

function headline(summary: RunSummary): string {
  const m = summary.metrics;
  return kpiList([
    { label: "Total return", value: formatValue(m.total_return, "percent"), sign: m.total_return },
    { label: "CAGR", value: formatValue(m.cagr, "percent"), sign: m.cagr },
    { label: "Sharpe ratio", value: formatValue(m.sharpe, "ratio") },
    { label: "Max drawdown", value: formatValue(m.max_drawdown, "percent"), sign: m.max_drawdown },
    { label: "Win rate", value: formatValue(m.win_rate, "percent") },
    { label: "Trades", value: formatValue(m.trade_count, "count") },
  ]);
}
