// The report's Monte Carlo section (montecarlo.json, docs/robustness.md): for each method the
// engine ran — the block bootstrap of daily returns and the trade reshuffle — the equity fan with
// the run's own path over it and the distribution of max drawdowns with the run's own marked, then
// the percentiles of each figure beside the run's and the probability of deeper drawdowns. Nothing
// is resampled here; the run's own figures come from summary.json, equity.arrow and positions.arrow.
import { axisPercent } from "./charts/drawdown.js";
import { ACTUAL_COLOR, drawdownHistogramChart, fanChart } from "./charts/montecarlo.js";
import { formatValue, type FormatKind } from "./format.js";
import { escapeHtml } from "./html.js";
import { cagrOver, lastStep, MONTECARLO_METHODS, pathFigures, tradeOrderPath, type MonteCarloDistribution, type MonteCarloMethod, type MonteCarloReport, type MonteCarloSpread, type PathFigures } from "./montecarlo.js";
import { figure, noteLine, section } from "./page.js";
import type { PositionRow } from "./positions.js";
import type { RunSummary } from "./summary.js";
import { rowsTable, signed } from "./tables.js";

export interface MonteCarloInput {
  /** montecarlo.json; undefined without the file. */
  report: MonteCarloReport | undefined;
  summary: RunSummary;
  /** equity.arrow's equity: the path the bootstrap resamples. */
  equity: readonly number[];
  /** positions.arrow's rows in the order they ended: the sequence the reshuffle reorders; undefined without the file. */
  positions: readonly PositionRow[] | undefined;
}

/** What differs between the two methods on the page. */
interface MethodText {
  title: string;
  /** What a step of the path is, singular and plural. */
  unit: [string, string];
  /** The name of the run's own path in the fan's legend. */
  actual: string;
  /** Why the engine left the method out (its entry is null). */
  absent: string;
}

const METHODS: Record<MonteCarloMethod, MethodText> = {
  bootstrap: {
    title: "Block bootstrap of daily returns",
    unit: ["trading day", "trading days"],
    actual: "This run",
    absent: "No block bootstrap: the run has fewer than two daily returns.",
  },
  reshuffle: {
    title: "Trade reshuffle",
    unit: ["trade", "trades"],
    actual: "This run’s order",
    absent: "No trade reshuffle: the run has fewer than two positions.",
  },
};

/** The run's own path and figures in a method's terms, when its results allow. */
interface Actual {
  path: readonly number[];
  figures: PathFigures;
  cagr: number | null;
}

/** The section, or "" without montecarlo.json. */
export function monteCarloSection(input: MonteCarloInput): string {
  const { report, summary } = input;
  if (!report) return "";
  const mismatch = mismatchOf(input, report);
  if (mismatch) {
    return section("montecarlo", "Monte Carlo robustness", noteLine("montecarlo-mismatch", `Left out: montecarlo.json does not describe these results (${mismatch}); it may be left from an earlier run into this directory.`));
  }
  const actual: Record<MonteCarloMethod, Actual | undefined> = {
    // The run's equity and metrics are what the bootstrap's paths are compared with.
    bootstrap: input.equity.length > 0
      ? { path: input.equity, figures: { final: summary.final_equity, maxDrawdown: summary.metrics.max_drawdown ?? Number.NaN, longest: summary.metrics.max_drawdown_days ?? Number.NaN }, cagr: summary.metrics.cagr }
      : undefined,
    // The positions in the order they ended. Its CAGR is over the run's trading days, like every
    // resample's: each order ends at the same equity, so the CAGR is the same in every order.
    reshuffle: input.positions && ownOrder(report.capital, tradeOrderPath(report.capital, input.positions.map((p) => p.pnl)), summary.trading_days),
  };
  const present = MONTECARLO_METHODS.filter((m) => report[m] !== null);
  const notes = MONTECARLO_METHODS.filter((m) => report[m] === null).map((m) => noteLine(`montecarlo-${m}-missing`, METHODS[m].absent));
  const fans = present.map((m) => fanFigure(m, report[m] as MonteCarloDistribution, report.capital, actual[m]));
  const drawdowns = present.map((m) => drawdownFigure(m, report[m] as MonteCarloDistribution, actual[m]));
  const body = [
    `<p class="lede">${lede(report)}</p>`,
    ...notes,
    ...(present.length > 0
      ? [
          `<div class="pair-grid">\n${fans.join("\n")}\n</div>`,
          `<div class="pair-grid">\n${drawdowns.join("\n")}\n</div>`,
          percentilesTable(report, present, actual),
          deeperTable(report, present),
        ]
      : []),
  ];
  return section("montecarlo", "Monte Carlo robustness", body.join("\n"));
}

function ownOrder(capital: number, path: readonly number[], days: number): Actual {
  const figures = pathFigures(path);
  return { path, figures, cagr: cagrOver(capital, figures.final, days) };
}

/** Why montecarlo.json cannot be of these results, or undefined when it can. */
function mismatchOf(input: MonteCarloInput, report: MonteCarloReport): string | undefined {
  const { summary } = input;
  if (report.capital !== summary.capital) return `its capital is ${formatValue(report.capital, "dollars")}, summary.json’s ${formatValue(summary.capital, "dollars")}`;
  const days = report.bootstrap && lastStep(report.bootstrap);
  if (days !== undefined && days !== null && days !== summary.trading_days - 1) {
    return `its bootstrap runs ${formatValue(days, "count")} daily returns, the run has ${formatValue(summary.trading_days - 1, "count")}`;
  }
  const trades = report.reshuffle && lastStep(report.reshuffle);
  if (trades !== undefined && trades !== null && input.positions && trades !== input.positions.length) {
    return `its reshuffle orders ${formatValue(trades, "count")} positions, positions.arrow has ${formatValue(input.positions.length, "count")}`;
  }
  // Every order ends at the same equity, so the reshuffle's CAGR over the run's days is the run's own
  // order's; an engine before that counted each trade as a day and gives another figure.
  const cagr = report.reshuffle?.cagr;
  if (cagr && input.positions) {
    const final = report.capital + input.positions.reduce((sum, p) => sum + p.pnl, 0);
    const own = cagrOver(report.capital, final, summary.trading_days);
    if (own !== null && Math.abs(cagr.p50 - own) > 1e-9 * Math.max(1, Math.abs(own))) {
      return `its reshuffle’s CAGR is ${formatValue(cagr.p50, "percent")}, not the ${formatValue(own, "percent")} every order of these positions makes over the run’s ${formatValue(summary.trading_days, "count")} trading days: it is from an engine that counted each trade as a day`;
    }
  }
  return undefined;
}

function lede(report: MonteCarloReport): string {
  const parts: string[] = [];
  if (report.bootstrap) {
    parts.push(
      `the <strong>block bootstrap</strong> draws the run’s daily returns again in blocks of ${formatValue(report.bootstrap.block, "number")} trading days on average and compounds them from the capital ` +
        `(${formatValue(report.bootstrap.resamples, "count")} resamples)`,
    );
  }
  if (report.reshuffle) {
    parts.push(
      `the <strong>trade reshuffle</strong> adds the positions’ net P&amp;L to the capital in a random order (${formatValue(report.reshuffle.resamples, "count")} resamples): ` +
        "every order ends at the same equity, so its final equity and CAGR are those of the run’s own order, and only the drawdowns along the way differ",
    );
  }
  const methods = parts.length > 0 ? `: ${parts.join("; ")}` : "";
  return `How the same run could have gone, from montecarlo.json${methods}. Seed ${escapeHtml(String(report.seed))}, the same report on any machine.`;
}

function fanFigure(method: MonteCarloMethod, d: MonteCarloDistribution, capital: number, actual: Actual | undefined): string {
  const text = METHODS[method];
  const caption =
    `Equity over ${formatValue(d.resamples, "count")} resamples, ${text.unit[1]} across: the median and the band from the 5th to the 95th percentile at each ${text.unit[0]}; dashed: the capital` +
    (actual ? `; <span style="color:${ACTUAL_COLOR}">${text.actual.toLowerCase()}</span> over it.` : ".");
  const svg = d.fan.length > 0
    ? fanChart({ fan: d.fan, capital, unit: capitalize(text.unit[1]), ...(actual && { actual: { name: text.actual, values: actual.path } }) })
    : "";
  return figure(`chart-mc-fan-${method}`, `Equity fan: ${text.title.toLowerCase()}`, caption, svg);
}

function drawdownFigure(method: MonteCarloMethod, d: MonteCarloDistribution, actual: Actual | undefined): string {
  const text = METHODS[method];
  const own = actual && Number.isFinite(actual.figures.maxDrawdown) ? actual.figures.maxDrawdown : undefined;
  const caption =
    `The max drawdown of each of the ${formatValue(d.resamples, "count")} resamples (${text.title.toLowerCase()})` +
    (own === undefined ? "." : `; marked: ${method === "bootstrap" ? "this run’s" : "this run’s, in the order its positions ended,"} ${formatValue(own, "percent")}, resamples deeper in red.`);
  const svg = d.max_drawdown_histogram.length > 0 ? drawdownHistogramChart({ bins: d.max_drawdown_histogram, ...(own !== undefined && { actual: own }) }) : "";
  return figure(`chart-mc-drawdown-${method}`, `Max drawdown distribution: ${text.title.toLowerCase()}`, caption, svg);
}

/** `<table id="mc-percentiles">`: per method, each figure's 5th, 50th and 95th percentiles and the run's own. */
function percentilesTable(report: MonteCarloReport, present: readonly MonteCarloMethod[], actual: Record<MonteCarloMethod, Actual | undefined>): string {
  const rows = present.flatMap((method) => {
    const d = report[method] as MonteCarloDistribution;
    const own = actual[method];
    const text = METHODS[method];
    const row = (key: string, label: string, spread: MonteCarloSpread | null, mine: number | null | undefined, cell: (v: number) => string) => {
      const values = spread ? [spread.p5, spread.p50, spread.p95] : [Number.NaN, Number.NaN, Number.NaN];
      const cells = [...values, mine ?? Number.NaN].map((v) => `<td>${cell(v)}</td>`).join("");
      return `<tr data-mc="${method}.${key}"><td>${label}</td>${cells}</tr>`;
    };
    const plain = (kind: FormatKind) => (v: number) => escapeHtml(formatValue(v, kind));
    const pct = (v: number) => (Number.isFinite(v) ? signed(v, "percent") : escapeHtml(formatValue(v, "percent")));
    const block = method === "bootstrap" && report.bootstrap ? `, mean block ${formatValue(report.bootstrap.block, "number")} trading days` : "";
    return [
      `<tr class="group"><th colspan="5" scope="rowgroup">${text.title} · ${formatValue(d.resamples, "count")} resamples${block}</th></tr>`,
      row("final_equity", "Final equity", d.final_equity, own?.figures.final, plain("wholeDollars")),
      row("cagr", cagrLabel(method, d), d.cagr, own?.cagr, pct),
      row("max_drawdown", "Max drawdown", d.max_drawdown, own?.figures.maxDrawdown, pct),
      row("longest_drawdown", `Longest drawdown, ${text.unit[1]}`, d.longest_drawdown, own?.figures.longest, plain("number")),
    ];
  });
  const caption = `Percentiles over the resamples, and this run (seed ${escapeHtml(String(report.seed))})`;
  return rowsTable({ id: "mc-percentiles", caption, head: [{ text: "Figure" }, "5th", "50th", "95th", "This run"], rows, className: "ledger" });
}

/** `<table id="mc-deeper">`: the share of resamples whose max drawdown is deeper than each level, by method. */
function deeperTable(report: MonteCarloReport, present: readonly MonteCarloMethod[]): string {
  const levels = [...new Set(present.flatMap((m) => (report[m] as MonteCarloDistribution).drawdown_deeper_than.map((e) => e.level)))].sort((a, b) => a - b);
  if (levels.length === 0) return "";
  const rows = levels.map((level) => {
    const cells = present.map((m) => {
      const entry = (report[m] as MonteCarloDistribution).drawdown_deeper_than.find((e) => e.level === level);
      return `<td>${escapeHtml(formatValue(entry?.probability, "percent"))}</td>`;
    });
    return `<tr data-level="${level}"><td>Deeper than ${axisPercent(level)}</td>${cells.join("")}</tr>`;
  });
  const head = [{ text: "Max drawdown" }, ...present.map((m) => METHODS[m].title)];
  return rowsTable({ id: "mc-deeper", caption: "Probability of a deeper max drawdown", head, rows, className: "ledger compact" });
}

/**
 * The CAGR row's label. Both methods' CAGR is over the run's trading days, as summary.json's; the
 * reshuffle's is the same in every order (each ends at the same equity), the run's own order's.
 */
function cagrLabel(method: MonteCarloMethod, d: MonteCarloDistribution): string {
  if (method === "bootstrap") return d.cagr ? "CAGR" : "CAGR: undefined, some resample’s equity fell to zero or below";
  if (!d.cagr) return "CAGR: undefined, the positions’ net P&amp;L ends the equity below zero";
  return `<abbr title="(final equity / capital)^(252 / the run’s trading days) − 1, as summary.json’s CAGR; every order of the positions ends at the same equity, so it is the same in every resample">CAGR, the same in every order</abbr>`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
