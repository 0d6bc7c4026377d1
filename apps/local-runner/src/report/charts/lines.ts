// Lines over a time axis (equity curves, a benchmark, strategies), with an optional legend and a
// dashed reference line, alone or in panels stacked over one time span: the shapes several of the
// report's charts share.
import type { EChartsCoreOption } from "echarts/core";
import { AXIS_LINE, baseAxisStyle, INK, topLegend, valueAxisStyle } from "./theme.js";

export interface TimeLine {
  name: string;
  /** Epoch ms, ascending. */
  dates: readonly number[];
  /** A value per date; a non-finite one leaves a gap. */
  values: readonly number[];
  color: string;
  /** Stroke width, px (default 1.4). */
  width?: number;
  dashed?: boolean;
  /** Shade the area under the line, faintly. */
  area?: boolean;
}

export interface TimeLinesOptions {
  /** The value axis' labels. */
  format: (value: number) => string;
  /** Draw a legend of the lines' names above the plot. */
  legend?: boolean;
  /** A dashed horizontal line at `value`, labelled. */
  reference?: { value: number; label: string };
}

/** One line series of `line`, its points as [date, value] (null where the value is not finite). */
export function timeLineSeries(line: TimeLine): Record<string, unknown> {
  return {
    type: "line",
    silent: true,
    emphasis: { disabled: true },
    name: line.name,
    data: line.dates.map((d, i) => [d, finiteOrNull(line.values[i])]),
    showSymbol: false,
    lineStyle: { color: line.color, width: line.width ?? 1.4, ...(line.dashed && { type: "dashed" }) },
    itemStyle: { color: line.color },
    ...(line.area && { areaStyle: { color: line.color, opacity: 0.06, origin: "start" } }),
  };
}

export function timeLinesOption(lines: readonly TimeLine[], opts: TimeLinesOptions): EChartsCoreOption {
  const axis = valueAxisStyle();
  const series = lines.map(timeLineSeries);
  const first = series[0];
  if (first && opts.reference) {
    first["markLine"] = {
      silent: true,
      symbol: "none",
      lineStyle: { color: AXIS_LINE, type: "dashed", width: 1 },
      label: { position: "insideEndTop", formatter: opts.reference.label, color: AXIS_LINE, fontSize: 11 },
      data: [{ yAxis: opts.reference.value }],
    };
  }
  return {
    grid: { left: 64, right: 20, top: opts.legend ? 36 : 16, bottom: 28 },
    ...(opts.legend && { legend: topLegend(lines.map((l) => l.name)) }),
    xAxis: { type: "time", ...baseAxisStyle() },
    yAxis: { type: "value", scale: true, ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: opts.format } },
    series,
  };
}

function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** One panel of a chart of panels stacked over a shared time span. */
export interface TimePanel {
  /** Written above the panel's value axis. */
  title: string;
  lines: readonly TimeLine[];
  format: (value: number) => string;
  /** Plot height, px. */
  height: number;
  /** A dashed line at 0. */
  zeroLine?: boolean;
}

const PANEL_TITLE = 20;
const PANEL_GAP = 16;
const X_LABELS = 28;

/**
 * Panels one above the other, each with its own value axis, over one time span from `start` to
 * `end` (the run's first and last day, so they line up with the other charts); only the last panel
 * labels the dates. With `legend`, the lines' names (each once) above the first panel.
 */
export function timePanelsOption(panels: readonly TimePanel[], opts: { start: number; end: number; legend?: boolean }): { option: EChartsCoreOption; height: number } {
  const axis = valueAxisStyle();
  const grids: Record<string, unknown>[] = [];
  let y = opts.legend ? 26 : 0;
  for (const panel of panels) {
    grids.push({ left: 64, right: 20, top: y + PANEL_TITLE, height: panel.height });
    y += PANEL_TITLE + panel.height + PANEL_GAP;
  }
  const last = panels.length - 1;
  const series = panels.flatMap((panel, i) =>
    panel.lines.map((line, k) => ({
      ...timeLineSeries(line),
      xAxisIndex: i,
      yAxisIndex: i,
      ...(panel.zeroLine && k === 0 && {
        markLine: { silent: true, symbol: "none", lineStyle: { color: AXIS_LINE, type: "dashed", width: 1 }, label: { show: false }, data: [{ yAxis: 0 }] },
      }),
    })),
  );
  const option: EChartsCoreOption = {
    grid: grids,
    ...(opts.legend && { legend: topLegend([...new Set(panels.flatMap((p) => p.lines.map((l) => l.name)))]) }),
    xAxis: panels.map((_, i) => ({ type: "time", gridIndex: i, min: opts.start, max: opts.end, ...baseAxisStyle(), ...(i === last ? {} : { axisLabel: { show: false } }) })),
    yAxis: panels.map((panel, i) => ({
      type: "value", gridIndex: i, scale: true, splitNumber: 4, name: panel.title, nameLocation: "end", nameGap: 6,
      nameTextStyle: { color: INK, fontSize: 12, align: "left" }, ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: panel.format },
    })),
    series,
  };
  return { option, height: y - PANEL_GAP + X_LABELS };
}
