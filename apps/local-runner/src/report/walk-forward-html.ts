// The sweep report's walk-forward section (walk_forward.json, walk_forward.arrow): the headline
// out-of-sample figures, the stitched out-of-sample curve against the in-hindsight best point's,
// the parameters chosen per window as step lines, the two curves' figures side by side and the
// window table. Every figure is the engine's; the report only draws and tabulates them.
import { MAX_MARKED_WINDOWS, parameterStepsChart, walkForwardEquityChart, WF_LABELS } from "./charts/walk-forward.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { figure, kpiList, noteLine, section } from "./page.js";
import { pointParams } from "./stats-html.js";
import { paramLabel } from "./sweep-data.js";
import { notesAbout, researchSections, type SweepInfo } from "./sweep-json.js";
import { rowsTable, signed } from "./tables.js";
import type { WalkForwardView, WindowView } from "./walk-forward.js";
import type { WalkForwardFigures, WalkForwardMetric, WalkForwardReport, WalkForwardSpan } from "./walk-forward-json.js";

/** The selection metric as it reads mid-sentence. */
export const WF_METRIC_LABELS: Readonly<Record<WalkForwardMetric, string>> = {
  sharpe: "Sharpe ratio",
  total_return: "total return",
  calmar: "Calmar ratio",
  dsr: "deflated Sharpe ratio",
};

/** A window's in-sample score as text: a total return in percent, a ratio otherwise. */
export function formatScore(metric: WalkForwardMetric, value: number | null): string {
  return formatValue(value, metric === "total_return" ? "percent" : "ratio");
}

/** The section; without walk_forward.json, sweep.json's note on why (a merge cannot rerun the points), else "". */
export function walkForwardSection(view: WalkForwardView | null, info: SweepInfo, labels: readonly string[]): string {
  const title = "Walk-forward";
  if (!view) {
    const notes = notesAbout(researchSections(info).notes, "walk_forward");
    return notes.length === 0 ? "" : section("walk-forward", title, noteLine("walk-forward-missing", `No walk-forward in this directory. ${escapeHtml(notes.join(" "))}`));
  }
  if (view.mismatch) {
    return section("walk-forward", title, noteLine("walk-forward-mismatch", `Left out: walk_forward.json does not describe this sweep (${escapeHtml(view.mismatch)}); it may be left from an earlier sweep into this directory.`));
  }
  const { report } = view;
  const marks = {
    starts: view.windows.map((w) => w.start),
    // A window in cash is shaded up to the next window's first day, as the step lines hold a choice.
    cash: view.windows.flatMap((w, k) => (w.window.point === null ? [[w.start, view.windows[k + 1]?.start ?? w.end] as const] : [])),
  };
  const hindsight = report.hindsight_point;
  const hindsightParams = hindsight === null ? "" : pointParams(info, labels, hindsight);
  const cashNote = view.cash > 0 ? ` Shaded: ${formatValue(view.cash, "count")} window(s) in cash, where no point could be chosen.` : "";
  const equity = figure(
    "chart-wf-equity",
    "Out of sample vs the best point in hindsight",
    (hindsight === null
      ? "Cumulative return over the out-of-sample days, first window to last, of the points chosen at the time, stitched. No point had a value of the metric over these days to compare it with in hindsight."
      : `Cumulative return over the out-of-sample days, first window to last: of the points chosen at the time, stitched (solid), and of point <code>${escapeHtml(hindsight)}</code>` +
        `${hindsightParams ? ` (${hindsightParams})` : ""}, the best by ${WF_METRIC_LABELS[report.metric]} over the same days, chosen in hindsight (dashed).`) +
      `${view.windows.length > 1 && view.windows.length <= MAX_MARKED_WINDOWS ? " Thin lines: where windows start." : ""}${cashNote}`,
    view.dates.length > 0
      ? walkForwardEquityChart({ dates: view.dates, equity: view.equity, ...(view.hindsight && { hindsight: view.hindsight }), ...marks })
      : "",
  );
  const params = view.tracks.length === 0
    ? noteLine("wf-params-none", "The sweep varies no parameter, so every window chose the same point.")
    : figure(
        "chart-wf-params",
        "Parameters chosen per window",
        `The value of each swept parameter in the point chosen for each out-of-sample window, held until the next window; ` +
          `a number on its own axis across the sweep’s range, text values by name. A gap: a window in cash.`,
        view.windows.length > 0 ? parameterStepsChart({ panels: view.tracks.map((t) => ({ title: t.label, values: t.values, ...(t.numeric ? { range: t.range } : { categories: t.categories }) })), end: view.dates[view.dates.length - 1] ?? 0, ...marks }) : "",
      );
  return section("walk-forward", title, [
    `<p class="lede">${lede(report)}</p>`,
    kpiList(kpis(view)),
    equity,
    params,
    figuresTable(report),
    windowsTable(view, info, labels),
  ].join("\n"));
}

function lede(r: WalkForwardReport): string {
  const scheme = r.scheme === "rolling"
    ? `its last ${formatValue(r.in_sample, "count")} trading days (rolling)`
    : `every day from the first return, at least ${formatValue(r.in_sample, "count")} trading days (anchored)`;
  const eligible = r.min_trades === null ? "" : `, among the points that opened at least ${formatValue(r.min_trades, "count")} positions there`;
  const mode = r.mode === "returns"
    ? "the chosen points’ daily returns as the sweep has them (a position open when a window starts keeps its returns)"
    : "each chosen point run again by the engine from flat over its out-of-sample window";
  return (
    `Each of the ${formatValue(r.windows.length, "count")} windows chooses the point best by ${WF_METRIC_LABELS[r.metric]} over its in-sample days, ${scheme}${eligible}, ` +
    `then holds it for the next ${formatValue(r.out_of_sample, "count")} trading days (the last window may be shorter). ` +
    `Stitched together, the out-of-sample days make a curve nobody could have picked in hindsight; its returns are ${mode}.`
  );
}

function kpis(view: WalkForwardView): Parameters<typeof kpiList>[0] {
  const r = view.report;
  const oos = r.out_of_sample_figures;
  const h = r.hindsight;
  return [
    {
      key: "wf-total-return",
      label: "Out-of-sample total return",
      value: formatValue(oos.total_return, "percent"),
      sign: oos.total_return,
      note: `${escapeHtml(r.span.first)} → ${escapeHtml(r.span.last)}, ${formatValue(r.span.days, "count")} trading days`,
    },
    {
      key: "wf-cagr",
      label: "Out-of-sample CAGR",
      value: formatValue(oos.cagr, "percent"),
      sign: oos.cagr,
      note: `the chosen points in sample: ${formatValue(r.in_sample_cagr_mean, "percent")} on average`,
    },
    {
      key: "wf-sharpe",
      label: "Out-of-sample Sharpe",
      value: formatValue(oos.sharpe, "ratio"),
      note: h ? `the best point in hindsight: ${formatValue(h.sharpe, "ratio")}` : "no point to compare in hindsight",
    },
    { key: "wf-max-drawdown", label: "Out-of-sample max drawdown", value: formatValue(oos.max_drawdown, "percent"), sign: oos.max_drawdown },
    {
      key: "wf-efficiency",
      label: "Walk-forward efficiency",
      value: formatValue(r.efficiency, "ratio"),
      note: r.efficiency === null ? "undefined: the chosen points’ mean in-sample CAGR is not above 0" : "out-of-sample CAGR / mean in-sample CAGR",
    },
    {
      key: "wf-windows",
      label: "Windows",
      value: formatValue(r.windows.length, "count"),
      note: `${r.scheme}, ${formatValue(r.in_sample, "count")} / ${formatValue(r.out_of_sample, "count")} days, by ${WF_METRIC_LABELS[r.metric]}, ${r.mode} mode` +
        (view.cash > 0 ? `; ${formatValue(view.cash, "count")} in cash` : ""),
    },
  ];
}

/** `<table id="wf-figures">`: the stitched curve's figures beside the in-hindsight best point's. */
function figuresTable(r: WalkForwardReport): string {
  const columns: [string, WalkForwardFigures | null][] = [[WF_LABELS.stitched, r.out_of_sample_figures], [WF_LABELS.hindsight, r.hindsight]];
  const row = (key: keyof WalkForwardFigures, label: string, cell: (v: number | null) => string) =>
    `<tr data-figure="${key}"><td>${label}</td>${columns.map(([, f]) => `<td>${f ? cell(f[key]) : "—"}</td>`).join("")}</tr>`;
  const pct = (v: number | null) => (v === null ? "—" : signed(v, "percent"));
  const ratio = (v: number | null) => escapeHtml(formatValue(v, "ratio"));
  const head = [{ text: "Over the out-of-sample days" }, WF_LABELS.stitched, r.hindsight_point === null ? WF_LABELS.hindsight : `${WF_LABELS.hindsight} <code>${escapeHtml(r.hindsight_point)}</code>`];
  return rowsTable({
    id: "wf-figures",
    caption: "Chosen at the time vs in hindsight",
    head,
    rows: [
      row("total_return", "Total return", pct),
      row("cagr", "CAGR", pct),
      row("sharpe", "Sharpe ratio", ratio),
      row("max_drawdown", "Max drawdown", pct),
      row("calmar", "Calmar ratio", ratio),
    ],
    className: "ledger compact",
  });
}

function spanText(s: WalkForwardSpan): string {
  return `${escapeHtml(s.first)} → ${escapeHtml(s.last)}<br><span class="sub">${formatValue(s.days, "count")} days</span>`;
}

/** `<table id="wf-windows">`: one row per window, a window in cash marked so. */
function windowsTable(view: WalkForwardView, info: SweepInfo, labels: readonly string[]): string {
  const metric = view.report.metric;
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? "—" : signed(v, "percent"));
  const ratio = (v: number | null | undefined) => escapeHtml(formatValue(v, "ratio"));
  const row = (w: WindowView) => {
    const win = w.window;
    const inCash = win.point === null;
    const point = inCash
      ? `<em title="No point could be chosen in sample (${formatValue(win.eligible, "count")} eligible)">in cash</em>`
      : `<code>${escapeHtml(win.point as string)}</code>`;
    const params = w.values.map((v) => `<td>${inCash ? "—" : escapeHtml(paramLabel(v))}</td>`).join("");
    const is = win.in_sample_figures;
    const oos = win.out_of_sample_figures;
    return (
      `<tr data-window="${win.index}"${inCash ? ' class="cash"' : ""}><td>${win.index + 1}</td><td class="text">${spanText(win.in_sample)}</td><td class="text">${spanText(win.out_of_sample)}</td>` +
      `<td class="text">${point}</td>${params}<td>${formatValue(win.eligible, "count")}</td><td>${escapeHtml(formatScore(metric, win.score))}</td>` +
      `<td>${pct(is?.cagr)}</td><td>${ratio(is?.sharpe)}</td><td>${pct(oos.cagr)}</td><td>${ratio(oos.sharpe)}</td><td>${escapeHtml(formatValue(win.efficiency, "ratio"))}</td></tr>`
    );
  };
  const params = info.paths.map((p, i) => `<span title="${escapeHtml(p)}">${escapeHtml(labels[i] ?? p)}</span>`);
  const score = `<abbr title="The chosen point's in-sample ${WF_METRIC_LABELS[metric]}">Score</abbr>`;
  return rowsTable({
    id: "wf-windows",
    caption: `The ${formatValue(view.windows.length, "count")} windows: the point chosen in sample and what it did out of sample`,
    head: ["#", { text: "In sample" }, { text: "Out of sample" }, { text: "Point" }, ...params, "Eligible", score, ...["CAGR", "Sharpe"].map((f) => `<abbr title="In sample">IS</abbr><br>${f}`), ...["CAGR", "Sharpe"].map((f) => `<abbr title="Out of sample">OOS</abbr><br>${f}`), '<abbr title="Out-of-sample CAGR / in-sample CAGR">Efficiency</abbr>'],
    rows: view.windows.map(row),
    className: "ledger compact",
  });
}
