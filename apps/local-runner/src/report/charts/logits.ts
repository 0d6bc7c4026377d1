// The CSCV logit histogram: λ per combination, bars at or below 0 red (the in-sample best ranked
// in the bottom half out of sample), a line at 0 and the λ ≤ 0 side shaded and labelled with the PBO.
import type { EChartsCoreOption } from "echarts/core";
import { formatValue } from "../format.js";
import type { LogitHistogram } from "../sweep-data.js";
import { histogramSeries, histogramXAxis } from "./histogram-bars.js";
import { AXIS_LINE, CHART_WIDTH, GAIN, INK, LOSS, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export const LOGITS_SIZE = { width: CHART_WIDTH, height: 270 };

/** λ on the axis: at most two decimals. */
function logitLabel(value: number): string {
  return String(Number(value.toFixed(2)));
}

export function logitsOption(logits: LogitHistogram, pbo: number): EChartsCoreOption {
  const axis = valueAxisStyle();
  const xAxis = histogramXAxis(logits.bins, logitLabel, 0);
  const pboText = `PBO ${formatValue(pbo, "percent")}: λ ≤ 0 in ${formatValue(logits.overfit, "count")} of ${formatValue(logits.total, "count")} combinations`;
  const series = histogramSeries("Combinations", logits.bins, (b) => (b.hi <= 0 ? LOSS : GAIN));
  return {
    grid: { left: 52, right: 20, top: 28, bottom: 44 },
    xAxis: { ...xAxis, name: "λ = logit of the out-of-sample rank of the in-sample best", nameLocation: "middle", nameGap: 28, nameTextStyle: { color: INK, fontSize: 12 } },
    // Headroom above the tallest bar for the PBO label.
    yAxis: { type: "value", minInterval: 1, boundaryGap: [0, "18%"], ...axis },
    series: [
      {
        ...series,
        markArea: {
          silent: true,
          itemStyle: { color: LOSS, opacity: 0.07 },
          label: { show: true, position: "insideTopLeft", color: LOSS, fontSize: 12, fontWeight: 600, formatter: pboText },
          data: [[{ xAxis: xAxis["min"] as number }, { xAxis: 0 }]],
        },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { color: AXIS_LINE, type: "solid", width: 1.5 },
          label: { position: "end", formatter: "λ = 0", color: INK, fontSize: 11 },
          data: [{ xAxis: 0 }],
        },
      },
    ],
  };
}

export function logitsChart(logits: LogitHistogram, pbo: number): string {
  return renderSvg(logitsOption(logits, pbo), LOGITS_SIZE);
}
