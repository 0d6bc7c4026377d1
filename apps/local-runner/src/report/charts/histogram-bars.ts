// Histogram bars drawn edge to edge on a value axis (ECharts has no histogram series): the axis
// range and ticks on the bins' edges, and a custom series of one rectangle per bin.
import { niceStep, type HistogramBin } from "../histogram.js";
import { baseAxisStyle } from "./theme.js";

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

/** The x axis of a histogram: its range and ticks on bin edges, labels through `formatter`; the range reaches `include` when given. */
export function histogramXAxis(bins: readonly HistogramBin[], formatter: (value: number) => string, include?: number): Record<string, unknown> {
  const interval = tickInterval(bins);
  const [lo, hi] = axisExtent(barExtents(bins), interval);
  // Bin edges are multiples of the interval, so a round `include` such as 0 keeps the ticks on edges.
  const min = include === undefined ? lo : Math.min(lo, include);
  const max = include === undefined ? hi : Math.max(hi, include);
  const axis = baseAxisStyle();
  return { type: "value", min, max, interval, ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter } };
}

/** The bars as a custom series, each filled with `fill(bin)`. */
export function histogramSeries(name: string, bins: readonly HistogramBin[], fill: (bin: HistogramBin) => string): Record<string, unknown> {
  const bars = barExtents(bins);
  const colors = bins.map(fill);
  const data = bins.map((b, i) => {
    const bar = bars[i] as { lo: number; hi: number };
    return [bar.lo, bar.hi, b.count, i];
  });
  return {
    type: "custom",
    silent: true,
    emphasis: { disabled: true },
    name,
    data,
    encode: { x: [0, 1], y: 2 },
    renderItem: (_params: unknown, api: RenderApi) => {
      const [x0, yTop] = api.coord([api.value(0), api.value(2)]);
      const [x1, yBase] = api.coord([api.value(1), 0]);
      return {
        type: "rect",
        shape: { x: x0 + 0.5, y: yTop, width: Math.max(1, x1 - x0 - 1), height: yBase - yTop },
        style: { fill: colors[api.value(3)], opacity: 0.85 },
      };
    },
  };
}
