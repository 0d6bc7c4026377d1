// The distribution of per-position net P&L: histogram bars drawn edge to edge on a dollar axis,
// losses red and wins green.
import type { EChartsCoreOption } from "echarts/core";
import { compactDollars } from "../format.js";
import type { HistogramBin } from "../histogram.js";
import { histogramSeries, histogramXAxis } from "./histogram-bars.js";
import { CHART_WIDTH, GAIN, LOSS, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export const PNL_SIZE = { width: CHART_WIDTH, height: 260 };

export function pnlOption(bins: readonly HistogramBin[]): EChartsCoreOption {
  const axis = valueAxisStyle();
  return {
    grid: { left: 52, right: 20, top: 16, bottom: 28 },
    xAxis: histogramXAxis(bins, compactDollars),
    yAxis: { type: "value", minInterval: 1, ...axis, name: "", axisLabel: { ...(axis["axisLabel"] as object) } },
    series: [histogramSeries("Positions", bins, (b) => ((b.lo + b.hi) / 2 < 0 ? LOSS : GAIN))],
  };
}

export function pnlChart(bins: readonly HistogramBin[]): string {
  return renderSvg(pnlOption(bins), PNL_SIZE);
}
