// The ranking metric over the swept parameters: a heatmap over two of them (cells labelled with
// the value, a red–neutral–green scale symmetric around 0), or bars over a single one.
import type { EChartsCoreOption } from "echarts/core";
import type { MetricGrid, ParamAxis } from "../sweep-data.js";
import type { CscvMetric } from "../sweep-json.js";
import { formatRankMetric, rankMetricAxis } from "../sweep-metrics.js";
import { baseAxisStyle, CHART_WIDTH, GAIN, INK, LOSS, NEUTRAL_CELL, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

const TOP = 12;
const BOTTOM = 52;
const BAR_HEIGHT = 280;

/** Row height: 34 px, less when there are many rows, so the chart stays under about 620 px. */
function rowHeight(rows: number): number {
  return Math.max(16, Math.min(34, Math.floor(560 / Math.max(1, rows))));
}

/** The size of the chart for `grid`. */
export function sweepMetricSize(grid: MetricGrid): { width: number; height: number } {
  if (!grid.y) return { width: CHART_WIDTH, height: BAR_HEIGHT };
  return { width: CHART_WIDTH, height: TOP + BOTTOM + grid.y.values.length * rowHeight(grid.y.values.length) };
}

/** The colour range: the largest |value|, so 0 is neutral; 1 when every value is 0. */
export function metricExtent(grid: MetricGrid): number {
  return grid.cells.reduce((m, c) => Math.max(m, Math.abs(c.value)), 0) || 1;
}

function categoryAxis(axis: ParamAxis, position: "bottom" | "left"): Record<string, unknown> {
  const style = baseAxisStyle();
  return {
    type: "category",
    data: axis.labels,
    name: axis.label,
    nameLocation: "middle",
    nameGap: position === "bottom" ? 30 : 62,
    nameTextStyle: { color: INK, fontSize: 12 },
    ...style,
    axisLabel: { ...(style["axisLabel"] as object), hideOverlap: true },
    axisTick: { show: false },
    splitArea: { show: false },
  };
}

export function sweepMetricOption(grid: MetricGrid, metric: CscvMetric): EChartsCoreOption {
  if (!grid.y) return barOption(grid, metric);
  const extent = metricExtent(grid);
  const rows = grid.y.values.length;
  const cellWidth = (CHART_WIDTH - 96) / Math.max(1, grid.x.values.length);
  const showLabels = rowHeight(rows) >= 20 && cellWidth >= 44;
  return {
    grid: { left: 84, right: 12, top: TOP, bottom: BOTTOM },
    xAxis: categoryAxis(grid.x, "bottom"),
    yAxis: { ...categoryAxis(grid.y, "left"), axisLine: { show: false } },
    visualMap: {
      show: false,
      type: "continuous",
      dimension: 2,
      min: -extent,
      max: extent,
      inRange: { color: [LOSS, "#f4b8b0", NEUTRAL_CELL, "#a9dcbf", GAIN] },
    },
    series: [
      {
        type: "heatmap",
        silent: true,
        emphasis: { disabled: true },
        name: metric,
        data: grid.cells.map((c) => ({
          value: [c.x, c.y, c.value],
          label: { color: Math.abs(c.value) / extent > 0.6 ? "#ffffff" : INK },
        })),
        itemStyle: { borderColor: "#ffffff", borderWidth: 2 },
        label: { show: showLabels, fontSize: 11, formatter: (p: { value: number[] }) => formatRankMetric(metric, p.value[2]) },
      },
    ],
  };
}

function barOption(grid: MetricGrid, metric: CscvMetric): EChartsCoreOption {
  const axis = valueAxisStyle();
  return {
    grid: { left: 64, right: 20, top: 20, bottom: BOTTOM },
    xAxis: categoryAxis(grid.x, "bottom"),
    yAxis: { type: "value", ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: rankMetricAxis(metric) } },
    series: [
      {
        type: "bar",
        silent: true,
        emphasis: { disabled: true },
        name: metric,
        barMaxWidth: 48,
        data: grid.cells.map((c) => ({ value: [c.x, c.value], itemStyle: { color: c.value < 0 ? LOSS : GAIN, opacity: 0.85 } })),
        label: {
          show: grid.x.values.length <= 24,
          position: "top",
          fontSize: 11,
          color: INK,
          formatter: (p: { value: number[] }) => formatRankMetric(metric, p.value[1]),
        },
      },
    ],
  };
}

export function sweepMetricChart(grid: MetricGrid, metric: CscvMetric): string {
  return renderSvg(sweepMetricOption(grid, metric), sweepMetricSize(grid));
}
