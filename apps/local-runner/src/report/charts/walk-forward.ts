// The walk-forward charts: the stitched out-of-sample return against the in-hindsight best point's
// over the same days, and the parameters chosen per window as step lines, one panel per swept
// parameter (a value axis for a number, its values' labels on the axis for text). Windows in cash
// are shaded on both; thin lines mark where windows start.
import type { EChartsCoreOption } from "echarts/core";
import { formatValue } from "../format.js";
import { axisPercent } from "./drawdown.js";
import { timeLinesOption } from "./lines.js";
import { AXIS_LINE, baseAxisStyle, EQUITY, GRID_LINE, INK, INK_MUTED, seriesColor, valueAxisStyle, WIDE_CHART_WIDTH } from "./theme.js";
import { renderSvg } from "./svg.js";

export const WF_EQUITY_SIZE = { width: WIDE_CHART_WIDTH, height: 300 };

export const WF_LABELS = { stitched: "Walk-forward, out of sample", hindsight: "Best point in hindsight", cash: "in cash" } as const;

/** Window starts are marked up to this many windows; beyond, the lines would be a grey wash. */
export const MAX_MARKED_WINDOWS = 60;

/** What both charts share: the span's days and where windows start, and the windows in cash. */
export interface WindowMarks {
  /** Epoch ms of each window's first out-of-sample day. */
  starts: readonly number[];
  /** Each window in cash, from its first out-of-sample day to the next window's first (the last: its last day), epoch ms. */
  cash: readonly (readonly [number, number])[];
}

export interface WalkForwardCurves extends WindowMarks {
  /** Epoch ms, ascending. */
  dates: readonly number[];
  /** Growth of 1. */
  equity: readonly number[];
  /** Growth of 1 of the in-hindsight best point; absent without one. */
  hindsight?: readonly number[];
}

function cashArea(cash: WindowMarks["cash"], label: boolean): Record<string, unknown> {
  return {
    silent: true,
    itemStyle: { color: INK_MUTED, opacity: 0.09 },
    label: { show: label, position: "insideTop", color: INK_MUTED, fontSize: 11, formatter: WF_LABELS.cash },
    data: cash.map(([from, to]) => [{ xAxis: from }, { xAxis: to }]),
  };
}

/** Thin vertical lines at window starts after the first (none past MAX_MARKED_WINDOWS windows). */
function startLines(starts: readonly number[]): Record<string, unknown>[] {
  if (starts.length > MAX_MARKED_WINDOWS) return [];
  return starts.slice(1).map((x) => ({ xAxis: x, lineStyle: { color: GRID_LINE, type: "solid", width: 1 }, label: { show: false } }));
}

export function walkForwardEquityOption(c: WalkForwardCurves): EChartsCoreOption {
  const cumulative = (values: readonly number[]) => values.map((v) => v - 1);
  const option = timeLinesOption(
    [
      { name: WF_LABELS.stitched, dates: c.dates, values: cumulative(c.equity), color: EQUITY, width: 1.8 },
      ...(c.hindsight ? [{ name: WF_LABELS.hindsight, dates: c.dates, values: cumulative(c.hindsight), color: seriesColor(0), width: 1.3, dashed: true }] : []),
    ],
    { format: axisPercent, legend: true, reference: { value: 0, label: "Start" } },
  );
  // Long names: SSR measures text narrower than browsers draw it, so the items need more room.
  const legend = option["legend"] as Record<string, unknown>;
  legend["itemGap"] = 48;
  const series = option["series"] as Record<string, unknown>[];
  const first = series[0];
  if (first) {
    const markLine = first["markLine"] as { data: unknown[] };
    markLine.data = [...markLine.data, ...startLines(c.starts)];
    if (c.cash.length > 0) first["markArea"] = cashArea(c.cash, true);
  }
  return option;
}

export function walkForwardEquityChart(c: WalkForwardCurves): string {
  return renderSvg(walkForwardEquityOption(c), WF_EQUITY_SIZE);
}

/** One panel of the parameter chart. */
export interface ParamPanel {
  title: string;
  /** A value per window (null: in cash); for text, the index of its label in `categories`. */
  values: readonly (number | null)[];
  /** Text values' labels (the axis' categories); absent for a number. */
  categories?: readonly string[];
  /** A number's axis range: the sweep's least and greatest value. */
  range?: readonly [number, number] | null;
}

export interface ParamSteps extends WindowMarks {
  panels: readonly ParamPanel[];
  /** Epoch ms of the span's last day. */
  end: number;
}

const PANEL_TITLE = 20;
const PANEL_GAP = 18;
const X_LABELS = 28;
const NUMBER_PANEL = 80;

function panelHeight(panel: ParamPanel): number {
  return panel.categories ? Math.min(200, Math.max(48, 26 * panel.categories.length)) : NUMBER_PANEL;
}

/**
 * The step line of one panel: each window's value held from its first out-of-sample day to the
 * next window's first (the last to the span's end), risers where the choice changes, a gap for a
 * window in cash.
 */
export function stepPoints(values: readonly (number | null)[], starts: readonly number[], end: number): [number, number | null][] {
  const data: [number, number | null][] = [];
  values.forEach((v, k) => {
    const from = starts[k] as number;
    if (v === null) {
      data.push([from, null]);
      return;
    }
    data.push([from, v], [starts[k + 1] ?? end, v]);
  });
  return data;
}

export function parameterStepsOption(c: ParamSteps): { option: EChartsCoreOption; height: number } {
  const axis = valueAxisStyle();
  const base = baseAxisStyle();
  const longest = Math.max(0, ...c.panels.flatMap((p) => (p.categories ?? []).map((label) => label.length)));
  const left = Math.min(200, Math.max(64, 7 * longest + 20));
  const grids: Record<string, unknown>[] = [];
  let y = 0;
  for (const panel of c.panels) {
    grids.push({ left, right: 20, top: y + PANEL_TITLE, height: panelHeight(panel) });
    y += PANEL_TITLE + panelHeight(panel) + PANEL_GAP;
  }
  const last = c.panels.length - 1;
  const start = c.starts[0] ?? c.end;
  const name = (panel: ParamPanel) => ({ name: panel.title, nameLocation: "end", nameGap: 6, nameTextStyle: { color: INK, fontSize: 12, align: "left" } });
  const yAxis = c.panels.map((panel, i) => {
    if (panel.categories) {
      return {
        type: "category", gridIndex: i, data: panel.categories, ...name(panel), ...axis,
        axisLabel: { ...(axis["axisLabel"] as object), interval: 0 }, splitLine: { show: true, lineStyle: { color: GRID_LINE } },
      };
    }
    const [lo, hi] = panel.range ?? [Number.NaN, Number.NaN];
    const pad = hi > lo ? (hi - lo) * 0.12 : 0;
    return {
      type: "value", gridIndex: i, scale: true, splitNumber: 3, ...name(panel), ...axis,
      ...(pad > 0 && { min: lo - pad, max: hi + pad }),
      axisLabel: { ...(axis["axisLabel"] as object), showMinLabel: pad === 0, showMaxLabel: pad === 0, formatter: (v: number) => formatValue(v, "number") },
    };
  });
  const series = c.panels.map((panel, i) => ({
    type: "line",
    silent: true,
    emphasis: { disabled: true },
    name: panel.title,
    xAxisIndex: i,
    yAxisIndex: i,
    data: stepPoints(panel.values, c.starts, c.end),
    showSymbol: false,
    connectNulls: false,
    lineStyle: { color: EQUITY, width: 2 },
    itemStyle: { color: EQUITY },
    ...(c.starts.length <= MAX_MARKED_WINDOWS && c.starts.length > 1 && { markLine: { silent: true, symbol: "none", data: startLines(c.starts) } }),
    ...(c.cash.length > 0 && { markArea: cashArea(c.cash, i === 0) }),
  }));
  const option: EChartsCoreOption = {
    grid: grids,
    xAxis: c.panels.map((_, i) => ({
      type: "time", gridIndex: i, min: start, max: c.end, ...base,
      axisLine: { lineStyle: { color: AXIS_LINE } }, ...(i === last ? {} : { axisLabel: { show: false } }),
    })),
    yAxis,
    series,
  };
  return { option, height: y - PANEL_GAP + X_LABELS };
}

export function parameterStepsChart(c: ParamSteps): string {
  const { option, height } = parameterStepsOption(c);
  return renderSvg(option, { width: WIDE_CHART_WIDTH, height });
}
