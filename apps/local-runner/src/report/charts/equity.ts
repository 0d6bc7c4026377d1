// The equity curve, with the starting capital as a dashed reference line.
import type { EChartsCoreOption } from "echarts/core";
import { compactDollars } from "../format.js";
import { AXIS_LINE, baseAxisStyle, CHART_WIDTH, EQUITY, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export interface EquityCurve {
  /** Epoch ms, ascending. */
  dates: readonly number[];
  equity: readonly number[];
  capital: number;
}

export const EQUITY_SIZE = { width: CHART_WIDTH, height: 300 };

export function equityOption(curve: EquityCurve): EChartsCoreOption {
  const axis = valueAxisStyle();
  return {
    grid: { left: 64, right: 20, top: 16, bottom: 28 },
    xAxis: { type: "time", ...baseAxisStyle() },
    yAxis: { type: "value", scale: true, ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: compactDollars } },
    series: [
      {
        type: "line",
        silent: true,
        emphasis: { disabled: true },
        name: "Equity",
        data: curve.dates.map((d, i) => [d, curve.equity[i]]),
        showSymbol: false,
        lineStyle: { color: EQUITY, width: 1.6 },
        itemStyle: { color: EQUITY },
        areaStyle: { color: EQUITY, opacity: 0.06, origin: "start" },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: AXIS_LINE, type: "dashed", width: 1 },
          label: { position: "insideEndTop", formatter: `Capital ${compactDollars(curve.capital)}`, color: AXIS_LINE, fontSize: 11 },
          data: [{ yAxis: curve.capital }],
        },
      },
    ],
  };
}

export function equityChart(curve: EquityCurve): string {
  return renderSvg(equityOption(curve), EQUITY_SIZE);
}
