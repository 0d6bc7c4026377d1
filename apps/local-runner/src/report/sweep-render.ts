// Assembles the sweep report: header, headline figures (PBO, DSR, probability of loss, points,
// combinations), the ranking metric over the swept parameters, the CSCV logit histogram and
// degradation scatter (or a note when the scenario had no `cscv:` section), the CSCV details with
// the plateau around the best point beside them (stats.json), the run details, the walk-forward
// (walk_forward.json and .arrow) and the multiple-testing (stats.json's SPA) sections when the
// sweep wrote them, the top points and, optionally, the scenario text.
import { degradationChart } from "./charts/degradation.js";
import { logitsChart } from "./charts/logits.js";
import { sweepMetricChart } from "./charts/sweep-metric.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { figure, kpiList, renderPage, scenarioBlock, type Kpi } from "./page.js";
import { multipleTestingSection, plateauBlock, statsMismatch } from "./stats-html.js";
import { kvTable } from "./tables.js";
import { walkForwardView } from "./walk-forward.js";
import { walkForwardSection } from "./walk-forward-html.js";
import { paramLabel, sweepReportData, type RankedPoint, type SweepInput, type SweepReportData, type SweepReportDataOptions } from "./sweep-data.js";
import { notesAbout, researchSections } from "./sweep-json.js";
import { CSCV_METRIC_LABELS, formatRankMetric, RANK_METRIC_LABELS, rankMetricTitle } from "./sweep-metrics.js";

export interface SweepReportOptions extends SweepReportDataOptions {
  /** Page title and heading; defaults to the scenario name. */
  title?: string;
  /** The scenario's source text, shown (escaped) in a collapsible block. */
  scenarioText?: string;
}

/** The sweep report as a complete HTML page that needs no network and no script. */
export function renderSweepReport(input: SweepInput, opts: SweepReportOptions = {}): string {
  const data = sweepReportData(input, opts);
  const title = opts.title ?? data.info.scenario;
  const stats = input.stats ?? null;
  const mismatch = stats ? statsMismatch(stats, data.points) : undefined;
  const walkForward = input.walkForward ? walkForwardView(input.walkForward, data.info.paths, data.labels, data.points) : null;
  const body = `${header(data, title)}
${kpiList(data.cscv ? cscvKpis(data) : plainKpis(data))}
${engineNotes(data.info)}
<div class="layout">
<div class="charts">
${metricFigure(data)}
${data.cscv ? cscvFigures(data) : noCscvNote(data.info)}
</div>
<aside>
${data.cscv ? cscvTable(data) : ""}
${plateauBlock(stats, mismatch, data.info, data.labels)}
${provenanceTable(data)}
</aside>
</div>
${walkForwardSection(walkForward, data.info, data.labels)}
${multipleTestingSection(stats, mismatch, data.info, data.labels)}
${pointsTable(data)}
${failedPoints(data)}
${scenarioBlock(opts.scenarioText)}`;
  return renderPage({ title, kind: "sweep report", body });
}

function header(data: SweepReportData, title: string): string {
  const { info } = data;
  return `<header>
<p class="eyebrow">Sweep report</p>
<h1>${escapeHtml(title)}</h1>
<dl>
<div><dt>Scenario</dt><dd><code>${escapeHtml(info.scenario)}</code></dd></div>
<div><dt>Dataset</dt><dd>${escapeHtml(info.dataset ?? "—")} · ${formatValue(info.trading_days, "count")} trading days</dd></div>
<div><dt>Swept</dt><dd>${info.paths.map((p) => `<code>${escapeHtml(p)}</code>`).join(" ") || "nothing"}</dd></div>
<div><dt>Ranked by</dt><dd>${rankMetricTitle(data.metric)}</dd></div>
</dl>
</header>`;
}

function pointsKpi(data: SweepReportData): Kpi {
  const failed = data.failed.length;
  return {
    key: "points",
    label: "Points",
    value: formatValue(data.points.length, "count"),
    note: failed > 0 ? `${formatValue(failed, "count")} could not trade` : `over ${formatValue(data.info.paths.length, "count")} parameter(s)`,
  };
}

function bestKpi(data: SweepReportData): Kpi {
  const best = data.ranked[0];
  return {
    key: "best",
    label: `Best ${RANK_METRIC_LABELS[data.metric]}`,
    value: formatRankMetric(data.metric, best?.score),
    sign: best?.score ?? null,
    note: best ? `point <code>${escapeHtml(best.id)}</code>` : "no point traded",
  };
}

function cscvKpis(data: SweepReportData): Kpi[] {
  const r = (data.cscv as NonNullable<SweepReportData["cscv"]>).result;
  const { dsr } = r;
  const n = (v: number) => formatValue(v, "number");
  return [
    {
      key: "pbo",
      label: "PBO",
      value: formatValue(r.pbo, "percent"),
      note: "in-sample best ranked in the bottom half out of sample",
    },
    {
      key: "dsr",
      label: "Deflated Sharpe ratio",
      value: formatValue(dsr.dsr, "ratio"),
      note: `p = ${formatValue(1 - dsr.dsr, "ratio")} · SR* ${n(dsr.sharpe)} vs ${n(dsr.expected_max_sharpe)} expected from ${formatValue(dsr.trials, "count")} trials`,
    },
    {
      key: "prob_loss",
      label: "Probability of loss",
      value: formatValue(r.prob_loss, "percent"),
      note: "in-sample best lost out of sample",
    },
    pointsKpi(data),
    {
      key: "combinations",
      label: "Combinations",
      value: formatValue(r.n_combinations, "count"),
      note: `${formatValue(r.partitions, "count")} blocks of ${formatValue(r.block_rows, "count")} days`,
    },
    bestKpi(data),
  ];
}

function plainKpis(data: SweepReportData): Kpi[] {
  const scores = data.ranked.map((p) => p.score as number);
  const median = scores.length === 0 ? null : scores[Math.floor((scores.length - 1) / 2)];
  return [
    pointsKpi(data),
    bestKpi(data),
    { key: "median", label: `Median ${RANK_METRIC_LABELS[data.metric]}`, value: formatRankMetric(data.metric, median), sign: median ?? null },
    { key: "trading_days", label: "Trading days", value: formatValue(data.info.trading_days, "count") },
  ];
}

function metricFigure(data: SweepReportData): string {
  const { grid } = data;
  const label = rankMetricTitle(data.metric);
  if (!grid) return figure("chart-metric", label, "The sweep varies no parameter.", "");
  const over = grid.y ? `${escapeHtml(grid.x.label)} × ${escapeHtml(grid.y.label)}` : escapeHtml(grid.x.label);
  const axes = grid.y ? `<code>${escapeHtml(grid.x.path)}</code> across, <code>${escapeHtml(grid.y.path)}</code> down` : `<code>${escapeHtml(grid.x.path)}</code>`;
  const averaged = grid.averaged
    ? ` Each ${grid.y ? "cell" : "bar"} is the <em>average</em> over the points sharing its value${grid.y ? "s" : ""}${grid.otherPaths.length > 0 ? `: ${grid.otherPaths.map((p) => `<code>${escapeHtml(p)}</code>`).join(", ")} vary within it` : ""}.`
    : ` Each ${grid.y ? "cell" : "bar"} is one point.`;
  const failed = data.failed.length > 0 ? ` Points that could not trade are left out.` : "";
  return figure("chart-metric", `${label} by ${over}`, `${axes}.${averaged}${failed}`, grid.cells.length > 0 ? sweepMetricChart(grid, data.metric) : "");
}

function cscvFigures(data: SweepReportData): string {
  const { result, logits, scatter } = data.cscv as NonNullable<SweepReportData["cscv"]>;
  const label = CSCV_METRIC_LABELS[result.metric];
  const drawn = scatter.points.length < scatter.total
    ? ` ${formatValue(scatter.points.length, "count")} of the ${formatValue(scatter.total, "count")} combinations drawn, evenly spaced; the fit uses all of them.`
    : "";
  return [
    figure(
      "chart-logits",
      "CSCV logits",
      `For each of the ${formatValue(result.n_combinations, "count")} ways to split the ${formatValue(result.partitions, "count")} blocks into halves, λ is the logit of the out-of-sample rank of the in-sample best point (by ${label}). λ ≤ 0 (shaded): it ranked in the bottom half. The share of λ ≤ 0 is the PBO, ${escapeHtml(formatValue(result.pbo, "percent"))}.`,
      logits.bins.length > 0 ? logitsChart(logits, result.pbo) : "",
    ),
    figure(
      "chart-degradation",
      "Out-of-sample vs in-sample",
      `The in-sample best point's ${label} in and out of sample, one dot per combination, and the least-squares line; a negative slope means that the better a point looked in sample, the worse it did out of sample.${drawn}`,
      scatter.points.length > 0 ? degradationChart(scatter, result.metric) : "",
    ),
  ].join("\n");
}

/** sweep.json's notes on what the analyses left undone, but those the walk-forward section shows. */
function engineNotes(info: SweepReportData["info"]): string {
  const all = researchSections(info).notes;
  const shown = new Set(notesAbout(all, "walk_forward"));
  const notes = all.filter((n) => !shown.has(n));
  if (notes.length === 0) return "";
  return `<section id="sweep-notes" class="notice"><strong>Left undone</strong>${notes.map((n) => `<p>${escapeHtml(n)}</p>`).join("")}</section>`;
}

function noCscvNote(info: SweepReportData["info"]): string {
  const why = info.shard && info.cscv
    ? `This directory holds shard ${info.shard.index} of ${info.shard.count} (indices from 0); CSCV compares every point, so it runs when the shards are merged (<code>aegis-bt merge-shards</code>).`
    : "The scenario has no <code>cscv</code> section, so there is no PBO, deflated Sharpe ratio or probability of loss. Add <code>cscv: { partitions: 16 }</code> to the scenario and run the sweep again.";
  return `<section id="cscv-missing" class="notice"><strong>No overfitting analysis</strong><p>${why}</p></section>`;
}

function cscvTable(data: SweepReportData): string {
  const r = (data.cscv as NonNullable<SweepReportData["cscv"]>).result;
  const n = (v: number) => formatValue(v, "number");
  const yes = (b: boolean) => (b ? "yes" : "no");
  return kvTable("cscv", "CSCV", [
    ["Metric", CSCV_METRIC_LABELS[r.metric]],
    ["Blocks × days", `${formatValue(r.partitions, "count")} × ${formatValue(r.block_rows, "count")}`],
    ["Oldest days dropped", formatValue(r.rows_dropped, "count")],
    ["Degradation slope", n(r.degradation.slope)],
    ["Intercept", n(r.degradation.intercept)],
    ["R²", n(r.degradation.r2)],
    ["1st-order dominance", yes(r.dominance.first_order)],
    ["2nd-order dominance", yes(r.dominance.second_order)],
    ["Max CDF gap", n(r.dominance.max_cdf_gap)],
    ["DSR best point", r.dsr.best_column],
    ["SR* (per day)", n(r.dsr.sharpe)],
    ["Expected max SR", n(r.dsr.expected_max_sharpe)],
    ["SR spread across points", n(r.dsr.sharpe_sd)],
    ["Skewness / kurtosis", `${n(r.dsr.skewness)} / ${n(r.dsr.kurtosis)}`],
  ]);
}

function provenanceTable(data: SweepReportData): string {
  const { info } = data;
  const rows: [string, string][] = [
    ["Points", `${formatValue(data.points.length, "count")} of ${formatValue(info.points_total, "count")}`],
    ["Engine", `${info.engine_version ?? "—"} (${info.entry_point ?? "—"})`],
    ["Threads", formatValue(info.threads, "count")],
    ["Wall time", info.wall_seconds === undefined ? "—" : `${info.wall_seconds.toFixed(2)} s`],
  ];
  if (info.shard) rows.push(["Shard", `${info.shard.index} of ${info.shard.count} (points ${info.shard.first} to ${info.shard.end - 1})`]);
  return kvTable("sweep-info", "Sweep", rows);
}

function pointsTable(data: SweepReportData): string {
  const { metric, labels, info } = data;
  const extra = metric === "mean";
  const params = info.paths.map((p, i) => `<th scope="col" title="${escapeHtml(p)}">${escapeHtml(labels[i] as string)}</th>`).join("");
  const key = (m: string) => (m === metric ? ' class="key"' : "");
  const head = `<tr><th scope="col">Rank</th><th scope="col">Point</th>${params}${extra ? `<th scope="col" class="key">${rankMetricTitle("mean")}</th>` : ""}<th scope="col"${key("sharpe")}>Sharpe</th><th scope="col"${key("total_return")}>Total return</th><th scope="col">Max drawdown</th><th scope="col">Trades</th></tr>`;
  const row = (p: RankedPoint) =>
    `<tr data-point="${escapeHtml(p.id)}"><td>${p.rank}</td><td><code>${escapeHtml(p.id)}</code></td>${p.params.map((v) => `<td>${escapeHtml(paramLabel(v))}</td>`).join("")}` +
    `${extra ? `<td>${formatRankMetric("mean", p.score)}</td>` : ""}<td>${formatValue(p.sharpe, "ratio")}</td><td>${formatValue(p.totalReturn, "percent")}</td>` +
    `<td>${formatValue(p.maxDrawdown, "percent")}</td><td>${formatValue(p.trades, "count")}</td></tr>`;
  const caption = `Top ${formatValue(data.top.length, "count")} of ${formatValue(data.ranked.length, "count")} points by ${RANK_METRIC_LABELS[metric]}`;
  return `<div class="table-scroll"><table id="top-points" class="points"><caption>${caption}</caption><thead>${head}</thead><tbody>${data.top.map(row).join("")}</tbody></table></div>`;
}

function failedPoints(data: SweepReportData): string {
  if (data.failed.length === 0) return "";
  const items = data.failed.map((p) => {
    const params = data.info.paths.map((path, i) => `${escapeHtml(path)}=${escapeHtml(paramLabel(p.params[i] ?? null))}`).join(" ");
    return `<li><code>${escapeHtml(p.id)}</code> ${params}: ${escapeHtml(p.error ?? "")}</li>`;
  });
  return `<details id="failed-points"><summary>${formatValue(data.failed.length, "count")} point(s) could not trade</summary><ul>${items.join("")}</ul></details>`;
}
