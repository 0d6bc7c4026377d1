// The drawdown from the running peak, as a negative red area; the worst drawdown periods shaded
// from peak to recovery.
import type { EChartsCoreOption } from "echarts/core";
import type { DrawdownPeriod } from "../drawdowns.js";
import { baseAxisStyle, CHART_WIDTH, LOSS, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export interface DrawdownSeries {
  /** Epoch ms, ascending. */
  dates: readonly number[];
  /** equity / running peak − 1, ≤ 0. */
  drawdown: readonly number[];
  /** Periods to shade (indices into `dates`); an unrecovered one runs to the last day. */
  periods?: readonly DrawdownPeriod[];
}

export const DRAWDOWN_SIZE = { width: CHART_WIDTH, height: 190 };

export function drawdownOption(series: DrawdownSeries): EChartsCoreOption {
  const axis = valueAxisStyle();
  return {
    grid: { left: 64, right: 20, top: 12, bottom: 28 },
    xAxis: { type: "time", ...baseAxisStyle() },
    yAxis: {
      type: "value",
      max: 0,
      ...axis,
      axisLabel: { ...(axis["axisLabel"] as object), formatter: axisPercent },
    },
    series: [
      {
        type: "line",
        silent: true,
        emphasis: { disabled: true },
        name: "Drawdown",
        data: series.dates.map((d, i) => [d, series.drawdown[i]]),
        showSymbol: false,
        lineStyle: { color: LOSS, width: 1 },
        itemStyle: { color: LOSS },
        areaStyle: { color: LOSS, opacity: 0.22 },
        ...(series.periods && series.periods.length > 0 && {
          markArea: {
            silent: true,
            itemStyle: { color: LOSS, opacity: 0.07 },
            data: series.periods.map((p) => [{ xAxis: series.dates[p.peak] }, { xAxis: series.dates[p.recovery ?? series.dates.length - 1] }]),
          },
        }),
      },
    ],
  };
}

/** -0.015 → "-1.5%", -0.02 → "-2%", 0 → "0%": one decimal at most, so close ticks stay distinct. */
export function axisPercent(value: number): string {
  const pct = Number((value * 100).toFixed(1));
  return `${pct === 0 ? 0 : pct}%`;
}

export function drawdownChart(series: DrawdownSeries): string {
  return renderSvg(drawdownOption(series), DRAWDOWN_SIZE);
}
