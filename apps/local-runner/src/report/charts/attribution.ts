// The P&L attribution: at each month end, the cumulative P&L of every source as stacked bars
// (gains stacked above zero, losses below), and the equity change they sum to as a line.
import type { EChartsCoreOption } from "echarts/core";
import type { AttributionMonth } from "../attribution.js";
import { ATTRIBUTION_SOURCES, type AttributionSource } from "../columns.js";
import { compactDollars } from "../format.js";
import { AXIS_LINE, baseAxisStyle, CHART_WIDTH, EQUITY, GAIN, INK, topLegend, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export const ATTRIBUTION_SIZE = { width: CHART_WIDTH, height: 340 };

export const SOURCE_LABELS: Record<AttributionSource, string> = {
  delta: "Delta",
  gamma: "Gamma",
  theta: "Theta",
  vega: "Vega",
  residual: "Residual",
  hedge: "Hedge",
  other: "Other",
};

export const SOURCE_COLORS: Record<AttributionSource, string> = {
  delta: EQUITY,
  gamma: "#8e44ad",
  theta: GAIN,
  vega: "#d97706",
  residual: AXIS_LINE,
  hedge: "#38b2c8",
  other: "#a0522d",
};

export const EQUITY_CHANGE_LABEL = "Equity change";

/** From this many months on, the axis labels only each January, with its year. */
const MANY_MONTHS = 24;

/** "2017-03". */
export function monthLabel(m: Pick<AttributionMonth, "year" | "month">): string {
  return `${m.year}-${String(m.month).padStart(2, "0")}`;
}

export function attributionOption(months: readonly AttributionMonth[]): EChartsCoreOption {
  const axis = valueAxisStyle();
  const base = baseAxisStyle();
  const labels = months.map(monthLabel);
  const many = months.length > MANY_MONTHS;
  const januaries = (_: number, value: string) => value.endsWith("-01");
  return {
    grid: { left: 64, right: 20, top: 40, bottom: 28 },
    legend: topLegend([...ATTRIBUTION_SOURCES.map((s) => SOURCE_LABELS[s]), EQUITY_CHANGE_LABEL]),
    xAxis: {
      type: "category",
      data: labels,
      ...base,
      axisTick: { ...(base["axisTick"] as object), ...(many && { interval: januaries }) },
      axisLabel: { ...(base["axisLabel"] as object), ...(many && { interval: januaries, formatter: (v: string) => v.slice(0, 4) }) },
    },
    yAxis: { type: "value", ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: compactDollars } },
    series: [
      ...ATTRIBUTION_SOURCES.map((s) => ({
        type: "bar",
        silent: true,
        emphasis: { disabled: true },
        name: SOURCE_LABELS[s],
        stack: "pnl",
        stackStrategy: "samesign",
        barCategoryGap: "20%",
        data: months.map((m) => m.cumulative[s]),
        itemStyle: { color: SOURCE_COLORS[s] },
      })),
      {
        type: "line",
        silent: true,
        emphasis: { disabled: true },
        name: EQUITY_CHANGE_LABEL,
        data: months.map((m) => m.change),
        showSymbol: months.length <= MANY_MONTHS,
        symbolSize: 4,
        lineStyle: { color: INK, width: 1.5 },
        itemStyle: { color: INK },
        z: 3,
      },
    ],
  };
}

export function attributionChart(months: readonly AttributionMonth[]): string {
  return renderSvg(attributionOption(months), ATTRIBUTION_SIZE);
}
