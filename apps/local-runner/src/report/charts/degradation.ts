// Performance degradation: the in-sample best's out-of-sample metric against its in-sample metric,
// one dot per combination, with the least-squares line (slope, intercept and R² in the legend)
// and a dashed line at 0 (below it, the selection lost out of sample).
import type { EChartsCoreOption } from "echarts/core";
import { formatValue } from "../format.js";
import type { DegradationScatter } from "../sweep-data.js";
import type { CscvMetric } from "../sweep-json.js";
import { CSCV_METRIC_LABELS, rankMetricAxis } from "../sweep-metrics.js";
import { AXIS_LINE, CHART_WIDTH, EQUITY, INK, LOSS, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export const DEGRADATION_SIZE = { width: CHART_WIDTH, height: 340 };

/** From this many dots on, the scatter is drawn in ECharts' large mode. */
const LARGE = 500;

/** The legend text of the fit: "OLS fit: slope -0.412, intercept 0.0123, R² 0.118". */
export function fitLegend(fit: DegradationScatter["fit"]): string {
  const n = (v: number) => formatValue(v, "number");
  return `OLS fit: slope ${n(fit.slope)}, intercept ${n(fit.intercept)}, R² ${n(fit.r2)}`;
}

export function degradationOption(scatter: DegradationScatter, metric: CscvMetric): EChartsCoreOption {
  const axis = valueAxisStyle();
  const label = CSCV_METRIC_LABELS[metric];
  const format = rankMetricAxis(metric);
  const named = (name: string, gap: number) => ({ name, nameLocation: "middle", nameGap: gap, nameTextStyle: { color: INK, fontSize: 12 } });
  const fit = fitLegend(scatter.fit);
  const many = scatter.points.length > LARGE;
  return {
    grid: { left: 72, right: 20, top: 36, bottom: 46 },
    legend: { top: 0, left: 64, itemGap: 28, itemWidth: 18, itemHeight: 10, textStyle: { color: INK, fontSize: 12 }, data: ["Selected point", fit] },
    xAxis: { type: "value", scale: true, ...axis, ...named(`in-sample ${label}`, 28), axisLabel: { ...(axis["axisLabel"] as object), formatter: format } },
    yAxis: { type: "value", scale: true, ...axis, ...named(`out-of-sample ${label}`, 56), axisLabel: { ...(axis["axisLabel"] as object), formatter: format } },
    series: [
      {
        type: "scatter",
        silent: true,
        emphasis: { disabled: true },
        name: "Selected point",
        data: scatter.points,
        // Thousands of dots: small, translucent and drawn as one path; a few: big enough to see.
        large: true,
        largeThreshold: LARGE,
        symbolSize: many ? 4 : 8,
        itemStyle: { color: EQUITY, opacity: many ? 0.45 : 0.8 },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: AXIS_LINE, type: "dashed", width: 1 },
          label: { position: "insideEndTop", formatter: "loss below", color: AXIS_LINE, fontSize: 11 },
          data: [{ yAxis: 0 }],
        },
      },
      {
        type: "line",
        silent: true,
        emphasis: { disabled: true },
        name: fit,
        data: scatter.line ?? [],
        showSymbol: false,
        lineStyle: { color: LOSS, width: 2 },
        itemStyle: { color: LOSS },
      },
    ],
  };
}

export function degradationChart(scatter: DegradationScatter, metric: CscvMetric): string {
  return renderSvg(degradationOption(scatter, metric), DEGRADATION_SIZE);
}
