// The numbers behind the sweep report, from a sweep's tables and JSON (docs/sweeps.md): every
// point with its parameters and metrics, the ranking, the metric over one or two parameters, the
// CSCV logit histogram and the in-sample / out-of-sample scatter. Pure: no I/O, no HTML.
import type { Table } from "apache-arrow";
import { nullableNumberColumn, nullableStringColumn, numberColumn, stringColumn, valueColumn } from "./columns.js";
import { formatValue } from "./format.js";
import { histogram, type HistogramBin } from "./histogram.js";
import type { SweepStats } from "./stats-json.js";
import type { CscvMetric, CscvReport, SweepInfo } from "./sweep-json.js";
import type { WalkForwardInput } from "./walk-forward.js";

/** What a sweep wrote, as read from its directory or returned by `runSweep`. */
export interface SweepInput {
  /** sweep.arrow */
  sweep: Table;
  /** sweep.json */
  info: SweepInfo;
  /** cscv.json, null without a `cscv:` section. */
  cscv: CscvReport | null;
  /** returns.arrow; needed only to rank by `mean`. */
  returns?: Table;
  /** stats.json (the plateau and, with a `spa:` section, the SPA); null or absent without the file. */
  stats?: SweepStats | null;
  /** walk_forward.json and walk_forward.arrow; null or absent without a `walk_forward:` section. */
  walkForward?: WalkForwardInput | null;
}

/** A parameter's value: a number (its column is Float64) or the value's JSON text (Utf8); null if unset. */
export type ParamValue = number | string | null;

export interface SweepPoint {
  /** Index in the expansion. */
  point: number;
  id: string;
  /** One value per swept path, in `info.paths` order. */
  params: ParamValue[];
  /** Why the point could not trade, or null. */
  error: string | null;
  /** The ranking metric; null for a failed point or an undefined metric. */
  score: number | null;
  sharpe: number | null;
  totalReturn: number | null;
  maxDrawdown: number | null;
  trades: number | null;
}

export interface RankedPoint extends SweepPoint {
  /** 1 = best. */
  rank: number;
}

/** The metric points are ranked by: the sweep's CSCV metric, else Sharpe. */
export function rankMetric(input: Pick<SweepInput, "info" | "cscv">): CscvMetric {
  return input.cscv?.metric ?? input.info.cscv?.metric ?? "sharpe";
}

/** The points of sweep.arrow, in row order, scored by `metric`. */
export function readPoints(input: SweepInput, metric: CscvMetric = rankMetric(input)): SweepPoint[] {
  const { sweep, info } = input;
  const points = numberColumn(sweep, "point");
  const ids = stringColumn(sweep, "id");
  const errors = nullableStringColumn(sweep, "error");
  const params = info.paths.map((path) => valueColumn(sweep, path));
  const sharpe = nullableNumberColumn(sweep, "sharpe");
  const totalReturn = nullableNumberColumn(sweep, "total_return");
  const scores = metric === "mean" ? meanReturns(input.returns, ids) : nullableNumberColumn(sweep, metric);
  const maxDrawdown = nullableNumberColumn(sweep, "max_drawdown");
  const trades = nullableNumberColumn(sweep, "trade_count");
  return ids.map((id, i) => {
    const error = errors[i] ?? null;
    const score = scores[i] ?? null;
    return {
      point: points[i] as number,
      id,
      params: params.map((column) => column[i] ?? null),
      error,
      score: error === null && score !== null && Number.isFinite(score) ? score : null,
      sharpe: sharpe[i] ?? null,
      totalReturn: totalReturn[i] ?? null,
      maxDrawdown: maxDrawdown[i] ?? null,
      trades: trades[i] ?? null,
    };
  });
}

/** Each point's mean daily return, from its returns.arrow column. */
function meanReturns(returns: Table | undefined, ids: readonly string[]): (number | null)[] {
  if (!returns) throw new Error("ranking by `mean` needs the daily returns (returns.arrow)");
  return ids.map((id) => {
    const values = numberColumn(returns, id);
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  });
}

/** The points with a score, best first; equal scores keep expansion order. */
export function rankPoints(points: readonly SweepPoint[]): RankedPoint[] {
  return points
    .filter((p) => p.score !== null)
    .sort((a, b) => (b.score as number) - (a.score as number) || a.point - b.point)
    .map((p, i) => ({ ...p, rank: i + 1 }));
}

/** A parameter value as text: 0.25 → "0.25", 1000000 → "1,000,000", the JSON text "put" → put, null → "—". */
export function paramLabel(value: ParamValue): string {
  if (typeof value === "number") return formatValue(value, "number");
  if (value === null) return formatValue(null, "number");
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? parsed : value;
  } catch {
    return value;
  }
}

/**
 * Short names for swept paths: the fewest trailing segments (at least two) that tell each path
 * from the others. `strategy.legs[0].delta.target` → `delta.target`, or `legs[0].delta.target`
 * when `strategy.legs[1].delta.target` is swept too. When paths of two or more strategies of a
 * portfolio are swept (`strategies.<name>.…`), each of theirs keeps its strategy's name before the
 * tail of the rest: `strategies.puts.legs[0].delta.target` → `puts: delta.target`,
 * `strategies.calls.weight` → `calls: weight`.
 */
export function shortLabels(paths: readonly string[]): string[] {
  const split = paths.map(splitStrategy);
  const named = new Set(split.map((p) => p.strategy).filter((name) => name !== null));
  const parts = named.size >= 2 ? split : paths.map((path) => ({ strategy: null, rest: path }));
  const segments = parts.map((p) => p.rest.split("."));
  const label = (i: number, n: number) => {
    const { strategy } = parts[i] as { strategy: string | null };
    const rest = segments[i] as string[];
    const tail = rest.slice(Math.max(0, rest.length - n)).join(".");
    return strategy === null ? tail : `${strategy}: ${tail}`;
  };
  return segments.map((rest, i) => {
    for (let n = Math.min(2, rest.length); n < rest.length; n += 1) {
      const short = label(i, n);
      if (segments.every((other, j) => j === i || label(j, n) !== short)) return short;
    }
    return label(i, rest.length);
  });
}

/** `strategies.<name>.<rest>` → the strategy's name and the rest; any other path → no strategy, the whole path. */
function splitStrategy(path: string): { strategy: string | null; rest: string } {
  const m = /^strategies\.([A-Za-z][A-Za-z0-9_]*)\.(.+)$/.exec(path);
  return m ? { strategy: m[1] as string, rest: m[2] as string } : { strategy: null, rest: path };
}

/** One axis of the metric chart: a swept path and its distinct values, ascending (text values in order of appearance). */
export interface ParamAxis {
  path: string;
  label: string;
  values: ParamValue[];
  labels: string[];
}

/** The mean score of the points at one x (and y) value. */
export interface MetricCell {
  x: number;
  /** 0 when the chart has one axis. */
  y: number;
  value: number;
  /** How many points it averages. */
  count: number;
}

export interface MetricGrid {
  x: ParamAxis;
  /** Absent over a single swept path. */
  y?: ParamAxis;
  cells: MetricCell[];
  /** Some cell averages more than one point (other parameters vary within it). */
  averaged: boolean;
  /** The swept paths not on an axis. */
  otherPaths: string[];
}

/** The metric chart's parameters: `axes` (one or two different swept paths) or the first two of `paths`; throws naming a bad choice. */
export function chartAxes(paths: readonly string[], axes?: readonly string[]): string[] {
  if (!axes || axes.length === 0) return paths.slice(0, 2);
  if (axes.length > 2) throw new Error(`the metric chart takes one or two parameters, got ${axes.length}`);
  if (axes.length === 2 && axes[0] === axes[1]) throw new Error(`the metric chart needs two different parameters, got ${axes[0]} twice`);
  for (const path of axes) {
    if (!paths.includes(path)) throw new Error(`${path} is not swept; the sweep varies ${paths.join(", ") || "nothing"}`);
  }
  return [...axes];
}

/**
 * The score over `axes` (one or two swept paths; default the first two of `paths`), averaged over
 * the points sharing a cell. Points without a score are left out; null when nothing is swept.
 */
export function metricGrid(points: readonly SweepPoint[], paths: readonly string[], axes?: readonly string[]): MetricGrid | null {
  const chosen = chartAxes(paths, axes);
  if (chosen.length === 0) return null;
  const labels = shortLabels(paths);
  const columns = chosen.map((path) => paths.indexOf(path));
  const scored = points.filter((p) => p.score !== null);
  const axesOut = columns.map((c) => axis(paths[c] as string, labels[c] as string, points.map((p) => p.params[c] ?? null)));
  const sums = new Map<string, MetricCell>();
  for (const p of scored) {
    const at = columns.map((c, k) => (axesOut[k] as ParamAxis).values.indexOf(p.params[c] ?? null));
    const key = at.join(",");
    const cell = sums.get(key) ?? { x: at[0] as number, y: at[1] ?? 0, value: 0, count: 0 };
    cell.value += p.score as number;
    cell.count += 1;
    sums.set(key, cell);
  }
  const cells = [...sums.values()].map((c) => ({ ...c, value: c.value / c.count })).sort((a, b) => a.y - b.y || a.x - b.x);
  return {
    x: axesOut[0] as ParamAxis,
    ...(axesOut[1] ? { y: axesOut[1] } : {}),
    cells,
    averaged: cells.some((c) => c.count > 1),
    otherPaths: paths.filter((p) => !chosen.includes(p)),
  };
}

function axis(path: string, label: string, values: readonly ParamValue[]): ParamAxis {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => typeof v === "number")) distinct.sort((a, b) => (a as number) - (b as number));
  return { path, label, values: distinct, labels: distinct.map(paramLabel) };
}

/** The CSCV logits binned, and how many are ≤ 0 (overfit: the in-sample best ranked in the bottom half out of sample). */
export interface LogitHistogram {
  bins: HistogramBin[];
  overfit: number;
  total: number;
}

export function logitHistogram(cscv: CscvReport): LogitHistogram {
  return { bins: histogram(cscv.logits), overfit: cscv.logits.filter((l) => l <= 0).length, total: cscv.logits.length };
}

/** Most combinations drawn in the scatter; C(16, 8) = 12,870 would make a heavy page. */
export const MAX_SCATTER_POINTS = 3000;

/** The selected point's in-sample vs out-of-sample metric per combination, and the degradation line. */
export interface DegradationScatter {
  /** [in-sample, out-of-sample], every combination or an evenly spaced subset of them. */
  points: [number, number][];
  /** Combinations in the analysis (the fit covers all of them). */
  total: number;
  /** The fitted line across the in-sample range; null when every in-sample value is the same. */
  line: [[number, number], [number, number]] | null;
  fit: CscvReport["degradation"];
}

export function degradationScatter(cscv: CscvReport, maxPoints = MAX_SCATTER_POINTS): DegradationScatter {
  const total = Math.min(cscv.is_selected.length, cscv.oos_selected.length);
  const drawn = Math.min(total, maxPoints);
  const points = Array.from({ length: drawn }, (_, k): [number, number] => {
    const i = Math.floor((k * total) / drawn);
    return [cscv.is_selected[i] as number, cscv.oos_selected[i] as number];
  });
  const { slope, intercept } = cscv.degradation;
  const xs = cscv.is_selected.slice(0, total);
  const lo = xs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const hi = xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const line: DegradationScatter["line"] = total > 0 && hi > lo ? [[lo, intercept + slope * lo], [hi, intercept + slope * hi]] : null;
  return { points, total, line, fit: cscv.degradation };
}

/** Everything the sweep report shows. */
export interface SweepReportData {
  info: SweepInfo;
  metric: CscvMetric;
  /** Short names of `info.paths`, same order. */
  labels: string[];
  points: SweepPoint[];
  ranked: RankedPoint[];
  /** The first `top` of `ranked`. */
  top: RankedPoint[];
  /** Points that could not trade. */
  failed: SweepPoint[];
  grid: MetricGrid | null;
  cscv: { result: CscvReport; logits: LogitHistogram; scatter: DegradationScatter } | null;
}

export interface SweepReportDataOptions {
  /** The swept path(s) of the metric chart; default the first two. */
  axes?: readonly string[];
  /** Rows of the top points table; default 20. */
  top?: number;
}

export function sweepReportData(input: SweepInput, opts: SweepReportDataOptions = {}): SweepReportData {
  const metric = rankMetric(input);
  const points = readPoints(input, metric);
  const ranked = rankPoints(points);
  const { cscv } = input;
  return {
    info: input.info,
    metric,
    labels: shortLabels(input.info.paths),
    points,
    ranked,
    top: ranked.slice(0, opts.top ?? 20),
    failed: points.filter((p) => p.error !== null),
    grid: metricGrid(points, input.info.paths, opts.axes),
    cscv: cscv ? { result: cscv, logits: logitHistogram(cscv), scatter: degradationScatter(cscv) } : null,
  };
}
