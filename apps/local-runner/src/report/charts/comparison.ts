// The run's equity against other curves: a benchmark held from the start, and each strategy of a
// portfolio beside the combined account (its equity, and its net P&L to date).
import { compactDollars } from "../format.js";
import type { StrategyCurve } from "../strategies.js";
import { timeLinesOption, timePanelsOption, type TimeLine } from "./lines.js";
import { AXIS_LINE, CHART_WIDTH, EQUITY, INK, seriesColor, WIDE_CHART_WIDTH } from "./theme.js";
import { renderSvg } from "./svg.js";

export const BENCHMARK_SIZE = { width: CHART_WIDTH, height: 300 };

export interface BenchmarkCurves {
  /** Epoch ms, ascending: equity.arrow's dates. */
  dates: readonly number[];
  equity: readonly number[];
  /** The benchmark's buy-and-hold value on the same dates (NaN: no price yet). */
  benchmark: readonly number[];
  /** The legend's name of the benchmark line. */
  name: string;
  capital: number;
}

/** The strategy's equity and the benchmark's buy-and-hold, the capital dashed. */
export function benchmarkChart(c: BenchmarkCurves): string {
  const option = timeLinesOption(
    [
      { name: "Strategy", dates: c.dates, values: c.equity, color: EQUITY, width: 1.6 },
      { name: c.name, dates: c.dates, values: c.benchmark, color: AXIS_LINE, width: 1.4 },
    ],
    { format: compactDollars, legend: true, reference: { value: c.capital, label: `Capital ${compactDollars(c.capital)}` } },
  );
  return renderSvg(option, BENCHMARK_SIZE);
}

export const COMBINED_LABEL = "Combined";

/**
 * Across the page (the strategies section is below the two columns): each strategy's equity and
 * the combined account's above; below, the net P&L to date of each and of the account (equity less
 * the capital), on one scale, so that what each contributed shows whatever its weight.
 */
export function strategiesChart(dates: readonly number[], combined: readonly number[], capital: number, curves: readonly StrategyCurve[]): string {
  const lines = (value: (c: StrategyCurve) => readonly number[], account: readonly number[]): TimeLine[] => [
    { name: COMBINED_LABEL, dates, values: account, color: INK, width: 1.8 },
    ...curves.map((c, i) => ({ name: c.name, dates: c.dates, values: value(c), color: seriesColor(i) })),
  ];
  const { option, height } = timePanelsOption(
    [
      { title: "Equity", lines: lines((c) => c.equity, combined), format: compactDollars, height: 200 },
      { title: "Net P&L to date", lines: lines((c) => c.pnl, combined.map((e) => e - capital)), format: compactDollars, height: 160, zeroLine: true },
    ],
    { start: dates[0] ?? 0, end: dates[dates.length - 1] ?? 0, legend: true },
  );
  return renderSvg(option, { width: WIDE_CHART_WIDTH, height });
}
