// The Monte Carlo charts (montecarlo.json): the equity fan of a resampling method — the 5th to 95th
// percentile band and the median at each step, the capital dashed and the run's own path over
// them — and the distribution of the resamples' max drawdowns, the run's own marked.
import type { EChartsCoreOption } from "echarts/core";
import { compactDollars, formatValue } from "../format.js";
import type { HistogramBin } from "../histogram.js";
import { niceStep } from "../histogram.js";
import type { DrawdownBin, FanPoint } from "../montecarlo.js";
import { axisPercent } from "./drawdown.js";
import { axisExtent, histogramSeries } from "./histogram-bars.js";
import { timeLineSeries } from "./lines.js";
import { AXIS_LINE, baseAxisStyle, EQUITY, INK, LOSS, seriesColor, topLegend, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

/** Two charts side by side across the page, as the price charts. */
export const FAN_SIZE = { width: 580, height: 300 };
export const DRAWDOWN_HISTOGRAM_SIZE = { width: 580, height: 250 };

export const FAN_LABELS = { band: "5th–95th percentile", median: "Median" } as const;

/** The colour of the run's own path and max drawdown. */
export const ACTUAL_COLOR = seriesColor(0);

export interface FanCurves {
  fan: readonly FanPoint[];
  capital: number;
  /** The x axis' name: what a step is ("Trading days", "Trades"). */
  unit: string;
  /** The run's own path, one value per step from 0, drawn over the fan under `name`. */
  actual?: { name: string; values: readonly number[] };
}

/** Named x axis below the plot. */
function namedAxis(name: string): Record<string, unknown> {
  return { name, nameLocation: "middle", nameGap: 26, nameTextStyle: { color: INK, fontSize: 12 } };
}

export function fanOption(c: FanCurves): EChartsCoreOption {
  const axis = valueAxisStyle();
  const base = baseAxisStyle();
  const steps = c.fan.map((p) => p.step);
  // The band: p5, then p95 − p5 stacked on it and filled down to it ("all": whatever the signs).
  const band = (name: string, values: readonly number[], fill: boolean) => ({
    type: "line",
    silent: true,
    emphasis: { disabled: true },
    name,
    stack: "fan",
    stackStrategy: "all",
    data: steps.map((s, i) => [s, values[i]]),
    showSymbol: false,
    lineStyle: { color: EQUITY, width: 0.8, opacity: 0.45 },
    itemStyle: { color: EQUITY },
    ...(fill && { areaStyle: { color: EQUITY, opacity: 0.16 } }),
  });
  const median = timeLineSeries({ name: FAN_LABELS.median, dates: steps, values: c.fan.map((p) => p.p50), color: EQUITY, width: 1.8 });
  median["markLine"] = {
    silent: true,
    symbol: "none",
    lineStyle: { color: AXIS_LINE, type: "dashed", width: 1 },
    label: { position: "insideEndTop", formatter: `Capital ${compactDollars(c.capital)}`, color: AXIS_LINE, fontSize: 11 },
    data: [{ yAxis: c.capital }],
  };
  const actual = c.actual && timeLineSeries({ name: c.actual.name, dates: c.actual.values.map((_, i) => i), values: c.actual.values, color: ACTUAL_COLOR, width: 1.4 });
  const legend = topLegend([]);
  legend["data"] = [
    { name: FAN_LABELS.band, icon: "rect", itemStyle: { color: EQUITY, opacity: 0.3 } },
    FAN_LABELS.median,
    ...(c.actual ? [c.actual.name] : []),
  ];
  return {
    grid: { left: 60, right: 16, top: 34, bottom: 46 },
    legend,
    xAxis: {
      type: "value",
      min: 0,
      max: steps[steps.length - 1] ?? 1,
      ...base,
      ...namedAxis(c.unit),
      axisLabel: { ...(base["axisLabel"] as object), formatter: (v: number) => formatValue(v, "count") },
    },
    yAxis: { type: "value", scale: true, ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: compactDollars } },
    series: [
      band("5th percentile", c.fan.map((p) => p.p5), false),
      band(FAN_LABELS.band, c.fan.map((p) => p.p95 - p.p5), true),
      median,
      ...(actual ? [{ ...actual, z: 3 }] : []),
    ],
  };
}

export function fanChart(c: FanCurves): string {
  return renderSvg(fanOption(c), FAN_SIZE);
}

export interface DrawdownDistribution {
  bins: readonly DrawdownBin[];
  /** The run's own max drawdown (≤ 0), marked; bins deeper than it are red. */
  actual?: number;
}

/** The bins as the histogram bars draw them; a lone bin of equal drawdowns widened to a visible bar. */
export function drawdownBars(bins: readonly DrawdownBin[]): HistogramBin[] {
  if (bins.length === 1 && bins[0] && bins[0].from === bins[0].to) {
    const { from, count } = bins[0];
    const half = Math.max(Math.abs(from) * 0.05, 0.0025);
    return [{ lo: from - half, hi: Math.min(0, from + half), count }];
  }
  return bins.map((b) => ({ lo: b.from, hi: b.to, count: b.count }));
}

/** Ticks on round percentages over the bars and the run's own drawdown. */
function drawdownAxis(bars: readonly HistogramBin[], actual: number | undefined): Record<string, unknown> {
  const ends = [...bars.flatMap((b) => [b.lo, b.hi]), ...(actual === undefined ? [] : [actual])];
  const lo = ends.length > 0 ? Math.min(...ends) : -0.01;
  const hi = ends.length > 0 ? Math.max(...ends) : 0;
  const interval = niceStep(Math.max(hi - lo, 1e-4) / 6);
  const [min, max] = axisExtent([{ lo, hi }], interval);
  const base = baseAxisStyle();
  return { type: "value", min, max, interval, ...base, ...namedAxis("Max drawdown"), axisLabel: { ...(base["axisLabel"] as object), formatter: axisPercent } };
}

export function drawdownHistogramOption(d: DrawdownDistribution): EChartsCoreOption {
  const axis = valueAxisStyle();
  const bars = drawdownBars(d.bins);
  const { actual } = d;
  const series = histogramSeries("Resamples", bars, (b) => (actual !== undefined && (b.lo + b.hi) / 2 < actual ? LOSS : EQUITY));
  if (actual !== undefined) {
    series["markLine"] = {
      silent: true,
      symbol: "none",
      lineStyle: { color: ACTUAL_COLOR, type: "solid", width: 2 },
      label: { position: "end", formatter: `This run ${axisPercent(actual)}`, color: INK, fontSize: 11 },
      data: [{ xAxis: actual }],
    };
  }
  return {
    grid: { left: 52, right: 24, top: 24, bottom: 46 },
    xAxis: drawdownAxis(bars, actual),
    yAxis: { type: "value", minInterval: 1, boundaryGap: [0, "12%"], ...axis },
    series: [series],
  };
}

export function drawdownHistogramChart(d: DrawdownDistribution): string {
  return renderSvg(drawdownHistogramOption(d), DRAWDOWN_HISTOGRAM_SIZE);
}
