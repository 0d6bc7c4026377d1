// Assembles the self-contained tearsheet page: header, headline figures, four static SVG charts,
// the metrics and diagnostics tables and, optionally, the scenario text.
import { drawdownChart } from "./charts/drawdown.js";
import { equityChart } from "./charts/equity.js";
import { monthlyChart } from "./charts/monthly.js";
import { pnlChart } from "./charts/pnl.js";
import { dateColumn, numberColumn } from "./columns.js";
import { formatValue, signedPercent } from "./format.js";
import { histogram } from "./histogram.js";
import { escapeHtml } from "./html.js";
import type { RunResults } from "./load.js";
import { monthlyReturns } from "./monthly-returns.js";
import { positionPnl, readFills } from "./positions.js";
import { STYLES } from "./styles.js";
import type { Summary } from "./summary.js";
import { diagnosticsTable, metricsTable } from "./tables.js";

export interface ReportOptions {
  /** Page title and heading; defaults to the scenario name. */
  title?: string;
  /** The scenario's source text, shown (escaped) in a collapsible block. */
  scenarioText?: string;
}

/** The tearsheet of `results` as a complete HTML page that needs no network and no script. */
export function renderReport(results: RunResults, opts: ReportOptions = {}): string {
  const { summary } = results;
  const title = opts.title ?? summary.scenario;
  const dates = dateColumn(results.equity, "date");
  const equity = numberColumn(results.equity, "equity");
  const drawdown = numberColumn(results.equity, "drawdown");
  const months = monthlyReturns(dates, equity);
  const closed = positionPnl(readFills(results.trades)).filter((p) => p.closed);
  const bins = histogram(closed.map((p) => p.netPnl));
  const nonEmpty = dates.length > 0;

  const figures = [
    figure("chart-equity", "Equity", "Account equity at each close; dashed line: starting capital.", nonEmpty ? equityChart({ dates, equity, capital: summary.capital }) : ""),
    figure("chart-drawdown", "Drawdown", "Equity below its running peak.", nonEmpty ? drawdownChart({ dates, drawdown }) : ""),
    figure("chart-monthly", "Monthly returns", "Calendar-month returns compounded from daily equity.", months.length > 0 ? monthlyChart(months) : ""),
    figure(
      "chart-pnl",
      "Trade P&amp;L distribution",
      `Net P&amp;L per closed position (after fees), ${formatValue(closed.length, "count")} positions.`,
      bins.length > 0 ? pnlChart(bins) : "",
    ),
  ];

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="aegis-bt">
<title>${escapeHtml(title)} · backtest report</title>
<style>${STYLES}</style>
</head>
<body>
<main class="report">
${header(summary, title)}
${headline(summary)}
<div class="layout">
<div class="charts">
${figures.join("\n")}
</div>
<aside>
${metricsTable(summary.metrics)}
${diagnosticsTable(summary.diagnostics)}
</aside>
</div>
${opts.scenarioText === undefined ? "" : `<details id="scenario"><summary>Scenario</summary><pre>${escapeHtml(opts.scenarioText)}</pre></details>`}
<footer>aegis-bt backtest report · static page: no scripts, no network.</footer>
</main>
</body>
</html>
`;
}

function header(summary: Summary, title: string): string {
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

function headline(summary: Summary): string {
  const m = summary.metrics;
  const cards: [string, string, number | null][] = [
    ["Total return", formatValue(m.total_return, "percent"), m.total_return],
    ["CAGR", formatValue(m.cagr, "percent"), m.cagr],
    ["Sharpe ratio", formatValue(m.sharpe, "ratio"), null],
    ["Max drawdown", formatValue(m.max_drawdown, "percent"), m.max_drawdown],
    ["Win rate", formatValue(m.win_rate, "percent"), null],
    ["Trades", formatValue(m.trade_count, "count"), null],
  ];
  const items = cards.map(
    ([label, value, sign]) => `<li><span class="label">${label}</span><span class="value ${sign === null ? "" : tone(sign)}">${escapeHtml(value)}</span></li>`,
  );
  return `<ul class="kpis" aria-label="Headline figures">${items.join("")}</ul>`;
}

function figure(id: string, title: string, caption: string, svg: string): string {
  const body = svg || `<p class="empty">No data.</p>`;
  return `<figure id="${id}"><figcaption><strong>${title}</strong>${caption}</figcaption>${body}</figure>`;
}

function tone(value: number): string {
  if (value > 0) return "pos";
  return value < 0 ? "neg" : "";
}
