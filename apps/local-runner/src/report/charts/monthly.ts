// The monthly returns heatmap: years down, months across, a red–neutral–green scale symmetric
// around 0, each cell labelled with its return.
import type { EChartsCoreOption } from "echarts/core";
import { signedPercent } from "../format.js";
import type { MonthlyReturn } from "../monthly-returns.js";
import { baseAxisStyle, CHART_WIDTH, GAIN, INK, LOSS, NEUTRAL_CELL } from "./theme.js";
import { renderSvg } from "./svg.js";

export const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const ROW_HEIGHT = 30;
const TOP = 26;
const BOTTOM = 8;

/** The height the heatmap needs for `years` rows. */
export function monthlySize(years: number): { width: number; height: number } {
  return { width: CHART_WIDTH, height: TOP + BOTTOM + Math.max(1, years) * ROW_HEIGHT };
}

/** The years from the first to the last month of `months`, every year in between included. */
export function heatmapYears(months: readonly MonthlyReturn[]): number[] {
  if (months.length === 0) return [];
  const first = Math.min(...months.map((m) => m.year));
  const last = Math.max(...months.map((m) => m.year));
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** The colour range: the largest |return|, at least 1%, so a quiet run is not all deep colour. */
export function colorExtent(months: readonly MonthlyReturn[]): number {
  return months.reduce((m, r) => (Number.isFinite(r.value) ? Math.max(m, Math.abs(r.value)) : m), 0.01);
}

export function monthlyOption(months: readonly MonthlyReturn[]): EChartsCoreOption {
  const years = heatmapYears(months);
  const extent = colorExtent(months);
  const axis = baseAxisStyle();
  const cells = months
    .filter((m) => Number.isFinite(m.value))
    .map((m) => ({
      value: [m.month - 1, years.indexOf(m.year), m.value],
      label: { color: Math.abs(m.value) / extent > 0.6 ? "#ffffff" : INK },
    }));
  return {
    grid: { left: 52, right: 8, top: TOP, bottom: BOTTOM },
    xAxis: {
      type: "category",
      position: "top",
      data: MONTH_NAMES,
      ...axis,
      axisLine: { show: false },
      axisTick: { show: false },
      splitArea: { show: false },
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: years.map(String),
      ...axis,
      axisLine: { show: false },
      axisTick: { show: false },
      splitArea: { show: true, areaStyle: { color: ["#fafafa", "#fafafa"] } },
    },
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
        name: "Monthly return",
        data: cells,
        itemStyle: { borderColor: "#ffffff", borderWidth: 2 },
        label: { show: true, fontSize: 11, formatter: (p: { value: number[] }) => signedPercent(p.value[2] as number) },
      },
    ],
  };
}

export function monthlyChart(months: readonly MonthlyReturn[]): string {
  return renderSvg(monthlyOption(months), monthlySize(heatmapYears(months).length));
}
