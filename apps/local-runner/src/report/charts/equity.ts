// The equity curve, with the starting capital as a dashed reference line.
import type { EChartsCoreOption } from "echarts/core";
import { compactDollars } from "../format.js";
import { timeLinesOption } from "./lines.js";
import { CHART_WIDTH, EQUITY } from "./theme.js";
import { renderSvg } from "./svg.js";

export interface EquityCurve {
  /** Epoch ms, ascending. */
  dates: readonly number[];
  equity: readonly number[];
  capital: number;
}

export const EQUITY_SIZE = { width: CHART_WIDTH, height: 300 };

export function equityOption(curve: EquityCurve): EChartsCoreOption {
  return timeLinesOption([{ name: "Equity", dates: curve.dates, values: curve.equity, color: EQUITY, width: 1.6, area: true }], {
    format: compactDollars,
    reference: { value: curve.capital, label: `Capital ${compactDollars(curve.capital)}` },
  });
}

export function equityChart(curve: EquityCurve): string {
  return renderSvg(equityOption(curve), EQUITY_SIZE);
}
