// Rolling six-month Sharpe ratio and volatility: two panels over the run's span, Sharpe above
// (dashed line at 0), annualised volatility below.
import type { RollingPoint } from "../rolling.js";
import { axisPercent } from "./drawdown.js";
import { timePanelsOption } from "./lines.js";
import { CHART_WIDTH, EQUITY, LOSS } from "./theme.js";
import { renderSvg } from "./svg.js";

export const ROLLING_LABELS = { sharpe: "Sharpe ratio", volatility: "Volatility" } as const;

/** The chart of `points` on a time axis from `start` to `end` (the run's first and last day). */
export function rollingChart(points: readonly RollingPoint[], start: number, end: number): string {
  const dates = points.map((p) => p.date);
  const { option, height } = timePanelsOption(
    [
      {
        title: ROLLING_LABELS.sharpe,
        lines: [{ name: ROLLING_LABELS.sharpe, dates, values: points.map((p) => p.sharpe), color: EQUITY }],
        format: (v) => String(Number(v.toFixed(2))),
        height: 120,
        zeroLine: true,
      },
      { title: ROLLING_LABELS.volatility, lines: [{ name: ROLLING_LABELS.volatility, dates, values: points.map((p) => p.volatility), color: LOSS }], format: axisPercent, height: 110 },
    ],
    { start, end },
  );
  return renderSvg(option, { width: CHART_WIDTH, height });
}
