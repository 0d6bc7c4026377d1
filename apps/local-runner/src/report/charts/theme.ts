// Colours, fonts and axis styling shared by the report's charts (and mirrored in the page CSS).

export const FONT_FAMILY = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif";

export const INK = "#1f2933";
export const INK_MUTED = "#52606d";
export const GRID_LINE = "#e4e7eb";
export const AXIS_LINE = "#9aa5b1";

export const EQUITY = "#1f4e79";
export const GAIN = "#1a7f4b";
export const LOSS = "#b42318";
export const NEUTRAL_CELL = "#f5f5f4";

/** Width of a chart in the report's main column, px. */
export const CHART_WIDTH = 800;

/** Width of a chart across the whole page (a section below the columns), px. */
export const WIDE_CHART_WIDTH = 1160;

/** Axis styling for a value axis: light grid lines, muted labels, no axis line. */
export function valueAxisStyle(): Record<string, unknown> {
  return {
    axisLine: { show: false },
    axisTick: { show: false },
    splitLine: { lineStyle: { color: GRID_LINE } },
    axisLabel: { color: INK_MUTED, fontSize: 11 },
  };
}

/** Axis styling for a category or time axis along the bottom. */
export function baseAxisStyle(): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: AXIS_LINE } },
    axisTick: { lineStyle: { color: AXIS_LINE } },
    splitLine: { show: false },
    axisLabel: { color: INK_MUTED, fontSize: 11, hideOverlap: true },
  };
}

/** Colours of series that have no meaning of their own (strategies, a benchmark), in order. */
export const SERIES_COLORS = ["#d97706", "#8e44ad", "#38b2c8", "#a0522d", "#c2185b", "#5f7d1e", "#6b7280", "#0f766e"];

/** The `n`-th colour of SERIES_COLORS, wrapping around. */
export function seriesColor(n: number): string {
  return SERIES_COLORS[n % SERIES_COLORS.length] as string;
}

/** A legend across the top of a chart, listing `names` (series names) in order. */
export function topLegend(names: readonly string[], left = 56): Record<string, unknown> {
  return { top: 0, left, itemGap: 16, itemWidth: 14, itemHeight: 10, textStyle: { color: INK, fontSize: 12 }, data: names };
}
