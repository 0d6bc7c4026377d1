// The distribution of per-position net P&L: histogram bars drawn edge to edge on a dollar axis,
// losses red and wins green.
import type { EChartsCoreOption } from "echarts/core";
import { compactDollars } from "../format.js";
import { niceStep, type HistogramBin } from "../histogram.js";
import { baseAxisStyle, CHART_WIDTH, GAIN, LOSS, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

export const PNL_SIZE = { width: CHART_WIDTH, height: 260 };

/** What the custom series' renderItem needs from ECharts (a subset of its API). */
interface RenderApi {
  value(dimension: number): number;
  coord(point: [number, number]): [number, number];
}

/** The bars' x extents: the bins' edges, a lone zero-width bin widened to a visible bar. */
export function barExtents(bins: readonly HistogramBin[]): { lo: number; hi: number }[] {
  return bins.map((b) => {
    if (b.hi > b.lo) return { lo: b.lo, hi: b.hi };
    const half = Math.max(Math.abs(b.lo) * 0.05, 1);
    return { lo: b.lo - half, hi: b.hi + half };
  });
}

/** Tick spacing: a round step for about eight ticks, raised to a multiple of the bin width so ticks sit on bin edges; undefined (ECharts' choice) for a lone bin. */
export function tickInterval(bins: readonly HistogramBin[]): number | undefined {
  const first = bins[0];
  const last = bins[bins.length - 1];
  if (!first || !last || first.hi === first.lo) return undefined;
  const width = first.hi - first.lo;
  return Number((width * Math.ceil(niceStep((last.hi - first.lo) / 8) / width - 1e-9)).toPrecision(12));
}

/** The x axis range: the bars' extent, widened to multiples of `interval` so 0 and round values are ticks. */
export function axisExtent(bars: readonly { lo: number; hi: number }[], interval: number | undefined): [number, number] {
  const lo = bars[0]?.lo ?? 0;
  const hi = bars[bars.length - 1]?.hi ?? 1;
  if (interval === undefined) return [lo, hi];
  const round = (x: number): number => Number(x.toPrecision(12));
  return [round(Math.floor(round(lo / interval)) * interval), round(Math.ceil(round(hi / interval)) * interval)];
}

export function pnlOption(bins: readonly HistogramBin[]): EChartsCoreOption {
  const bars = barExtents(bins);
  const axis = valueAxisStyle();
  const interval = tickInterval(bins);
  const [min, max] = axisExtent(bars, interval);
  const data = bins.map((b, i) => {
    const bar = bars[i] as { lo: number; hi: number };
    return [bar.lo, bar.hi, b.count, (b.lo + b.hi) / 2 < 0 ? 1 : 0];
  });
  return {
    grid: { left: 52, right: 20, top: 16, bottom: 28 },
    xAxis: {
      type: "value",
      min,
      max,
      interval,
      ...baseAxisStyle(),
      axisLabel: { ...(baseAxisStyle()["axisLabel"] as object), formatter: compactDollars },
    },
    yAxis: { type: "value", minInterval: 1, ...axis, name: "", axisLabel: { ...(axis["axisLabel"] as object) } },
    series: [
      {
        type: "custom",
        silent: true,
        emphasis: { disabled: true },
        name: "Positions",
        data,
        encode: { x: [0, 1], y: 2 },
        renderItem: (_params: unknown, api: RenderApi) => {
          const [x0, yTop] = api.coord([api.value(0), api.value(2)]);
          const [x1, yBase] = api.coord([api.value(1), 0]);
          return {
            type: "rect",
            shape: { x: x0 + 0.5, y: yTop, width: Math.max(1, x1 - x0 - 1), height: yBase - yTop },
            style: { fill: api.value(3) === 1 ? LOSS : GAIN, opacity: 0.85 },
          };
        },
      },
    ],
  };
}

export function pnlChart(bins: readonly HistogramBin[]): string {
  return renderSvg(pnlOption(bins), PNL_SIZE);
}
