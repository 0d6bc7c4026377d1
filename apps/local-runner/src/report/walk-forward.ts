// The numbers behind the sweep report's walk-forward section (walk_forward.json and
// walk_forward.arrow): the check of the daily curve against the windows, the stitched and the
// in-hindsight curves, each window's chosen parameters and the track of every swept parameter
// across the windows. Pure: no I/O, no HTML.
import type { Table } from "apache-arrow";
import { dateColumn, nullableNumberColumn, nullableStringColumn, numberColumn } from "./columns.js";
import { isoDay } from "./dates.js";
import { formatValue } from "./format.js";
import { paramLabel, type ParamValue, type SweepPoint } from "./sweep-data.js";
import type { WalkForwardReport, WalkForwardWindow } from "./walk-forward-json.js";

/** What a walk-forward wrote: walk_forward.json and walk_forward.arrow. */
export interface WalkForwardInput {
  report: WalkForwardReport;
  curve: Table;
}

/**
 * Checks walk_forward.arrow against walk_forward.json: a row per out-of-sample day of the span,
 * each window's days in order with the point it chose, equity finite, the in-hindsight equity
 * there exactly when there is an in-hindsight point. Throws describing the first problem.
 */
export function checkCurve(report: WalkForwardReport, curve: Table): void {
  if (curve.numRows !== report.span.days) {
    throw new Error(`${formatValue(curve.numRows, "count")} rows, but walk_forward.json's span has ${formatValue(report.span.days, "count")} out-of-sample days`);
  }
  const dates = dateColumn(curve, "date");
  const windows = numberColumn(curve, "window");
  const points = nullableStringColumn(curve, "point");
  const equity = numberColumn(curve, "equity");
  const hindsight = nullableNumberColumn(curve, "hindsight_equity");
  let row = 0;
  for (const [k, w] of report.windows.entries()) {
    const first = row;
    for (let d = 0; d < w.out_of_sample.days; d += 1, row += 1) {
      if (windows[row] !== k) throw new Error(`row ${row}: \`window\` is ${String(windows[row])}, but walk_forward.json puts window ${k}'s out-of-sample days there`);
      if (points[row] !== w.point) {
        throw new Error(`row ${row}: \`point\` is ${points[row] ?? "null"}, but window ${k} chose ${w.point ?? "no point (null: in cash)"}`);
      }
    }
    const [from, to] = [isoDay(dates[first] as number), isoDay(dates[row - 1] as number)];
    if (from !== w.out_of_sample.first || to !== w.out_of_sample.last) {
      throw new Error(`window ${k}'s days run ${from} to ${to}, but walk_forward.json's out-of-sample span of it is ${w.out_of_sample.first} to ${w.out_of_sample.last}`);
    }
  }
  for (let i = 0; i < curve.numRows; i += 1) {
    if (i > 0 && !((dates[i] as number) > (dates[i - 1] as number))) throw new Error(`row ${i}: \`date\` should be after the previous row's, found ${isoDay(dates[i] as number)}`);
    if (!Number.isFinite(equity[i])) throw new Error(`row ${i}: \`equity\` should be a finite number, found ${String(equity[i])}`);
    const h = hindsight[i];
    if (report.hindsight_point === null ? h !== null : h === null || !Number.isFinite(h)) {
      throw new Error(`row ${i}: \`hindsight_equity\` should be ${report.hindsight_point === null ? "null (there is no in-hindsight point)" : "a finite number"}, found ${String(h ?? "null")}`);
    }
  }
}

/** One window as the report shows it. */
export interface WindowView {
  window: WalkForwardWindow;
  /** Epoch ms of its first and last out-of-sample day. */
  start: number;
  end: number;
  /** The chosen point's value of each swept path (sweep.json's `paths` order); null in cash or where it lacks one. */
  values: ParamValue[];
}

/** A swept parameter's choices across the windows: a number per window, or for text values the index of its label in `categories`. */
export interface ParamTrack {
  path: string;
  label: string;
  numeric: boolean;
  /** The labels of a text parameter's values, in the sweep's order; empty for a number. */
  categories: string[];
  /** The sweep's least and greatest value of a number (the axis' range); null for text. */
  range: [number, number] | null;
  /** One per window; null in cash. */
  values: (number | null)[];
}

export interface WalkForwardView {
  report: WalkForwardReport;
  /** The out-of-sample days, epoch ms. */
  dates: number[];
  /** Growth of 1: the stitched out-of-sample curve. */
  equity: number[];
  /** Growth of 1: the in-hindsight best point over the same days; null without one. */
  hindsight: number[] | null;
  windows: WindowView[];
  tracks: ParamTrack[];
  /** Windows in cash (no point could be chosen). */
  cash: number;
  /** Why walk_forward.json cannot be of this sweep; undefined when it can. */
  mismatch?: string;
}

/** A parameter of walk_forward.json's `params` as sweep.arrow holds it: a number, or the value's JSON text; null when absent. */
export function paramValue(value: unknown): ParamValue {
  if (value === undefined) return null;
  return typeof value === "number" ? value : JSON.stringify(value);
}

/** The walk-forward in the report's terms; `paths` and `labels` are the sweep's swept paths and their short names, `points` its points. */
export function walkForwardView(input: WalkForwardInput, paths: readonly string[], labels: readonly string[], points: readonly SweepPoint[]): WalkForwardView {
  const { report, curve } = input;
  const dates = dateColumn(curve, "date");
  const hindsight = report.hindsight_point === null ? null : numberColumn(curve, "hindsight_equity");
  let row = 0;
  const windows = report.windows.map((w): WindowView => {
    const start = dates[row] as number;
    row += w.out_of_sample.days;
    const params = w.point === null ? null : w.params;
    return { window: w, start, end: dates[row - 1] as number, values: paths.map((path) => (params ? paramValue(params[path]) : null)) };
  });
  const tracks = paths.map((path, k): ParamTrack => {
    const swept = points.map((p) => p.params[k] ?? null);
    const chosen = windows.map((w) => w.values[k] ?? null);
    const numeric = swept.every((v) => typeof v === "number");
    if (numeric) {
      const all = [...(swept as number[]), ...chosen.filter((v): v is number => typeof v === "number")];
      const range: [number, number] | null = all.length === 0 ? null : [Math.min(...all), Math.max(...all)];
      return { path, label: labels[k] ?? path, numeric, categories: [], range, values: chosen.map((v) => (typeof v === "number" ? v : null)) };
    }
    const categories = [...new Set([...swept, ...chosen].filter((v) => v !== null).map(paramLabel))];
    return { path, label: labels[k] ?? path, numeric, categories, range: null, values: chosen.map((v) => (v === null ? null : categories.indexOf(paramLabel(v)))) };
  });
  const mismatch = mismatchOf(report, points);
  return {
    report,
    dates,
    equity: numberColumn(curve, "equity"),
    hindsight,
    windows,
    tracks,
    cash: report.windows.filter((w) => w.point === null).length,
    ...(mismatch !== undefined && { mismatch }),
  };
}

/** Why walk_forward.json cannot be of the sweep whose points are `points`, or undefined when it can. */
function mismatchOf(report: WalkForwardReport, points: readonly SweepPoint[]): string | undefined {
  if (report.points !== points.length) return `it chose among ${formatValue(report.points, "count")} points, the sweep has ${formatValue(points.length, "count")}`;
  const ids = new Set(points.map((p) => p.id));
  const stranger = report.windows.find((w) => w.point !== null && !ids.has(w.point));
  if (stranger) return `window ${stranger.index} chose point ${stranger.point}, which is not one of the sweep's`;
  if (report.hindsight_point !== null && !ids.has(report.hindsight_point)) return `its in-hindsight point ${report.hindsight_point} is not one of the sweep's`;
  return undefined;
}
