// A ticker's close over the run with its positions' entries (blue triangles) and exits (diamonds,
// green for a position that gained, red for one that lost).
import type { EChartsCoreOption } from "echarts/core";
import type { MarketSeries, TradeMark } from "../market.js";
import { timeLineSeries } from "./lines.js";
import { baseAxisStyle, EQUITY, GAIN, INK, LOSS, topLegend, valueAxisStyle } from "./theme.js";
import { renderSvg } from "./svg.js";

/** Two charts side by side in the page's full width. */
export const PRICE_SIZE = { width: 580, height: 260 };

export const MARK_LABELS = { close: "Close", entry: "Entry", win: "Exit, gain", loss: "Exit, loss" } as const;

/** From this many marks on, a marker series is drawn in ECharts' large mode (one path). */
const LARGE = 400;

export function priceOption(series: MarketSeries, marks: { entries: readonly TradeMark[]; exits: readonly TradeMark[] }): EChartsCoreOption {
  const axis = valueAxisStyle();
  const scatter = (name: string, list: readonly TradeMark[], symbol: string, color: string) => ({
    type: "scatter",
    silent: true,
    emphasis: { disabled: true },
    name,
    data: list.map((m) => [m.date, m.price]),
    symbol,
    symbolSize: list.length > LARGE ? 5 : 8,
    large: true,
    largeThreshold: LARGE,
    itemStyle: { color, opacity: 0.85 },
    z: 3,
  });
  return {
    grid: { left: 56, right: 12, top: 34, bottom: 28 },
    legend: topLegend(Object.values(MARK_LABELS), 48),
    xAxis: { type: "time", ...baseAxisStyle() },
    yAxis: { type: "value", scale: true, ...axis, axisLabel: { ...(axis["axisLabel"] as object), formatter: priceLabel } },
    series: [
      timeLineSeries({ name: MARK_LABELS.close, dates: series.dates, values: series.closes, color: INK, width: 1.1 }),
      scatter(MARK_LABELS.entry, marks.entries, "triangle", EQUITY),
      scatter(MARK_LABELS.win, marks.exits.filter((m) => m.pnl > 0), "diamond", GAIN),
      scatter(MARK_LABELS.loss, marks.exits.filter((m) => !(m.pnl > 0)), "diamond", LOSS),
    ],
  };
}

/** 4123.5 → "4,124", 12.345 → "12.35". */
function priceLabel(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : String(Number(value.toFixed(2)));
}

export function priceChart(series: MarketSeries, marks: { entries: readonly TradeMark[]; exits: readonly TradeMark[] }): string {
  return renderSvg(priceOption(series, marks), PRICE_SIZE);
}
