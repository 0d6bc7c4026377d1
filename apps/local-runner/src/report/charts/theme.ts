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
