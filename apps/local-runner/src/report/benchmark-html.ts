// The report's benchmark: the run's equity against the benchmark bought and held with the same
// capital (from market.arrow), and what the engine measured against it (summary.json `benchmark`).
// Nothing is computed here beyond the buy-and-hold line; without a benchmark, one line says why.
import { benchmarkChart } from "./charts/comparison.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { buyAndHold, closesOn, findSeries, type MarketKind, type MarketSeries } from "./market.js";
import { figure, noteLine } from "./page.js";
import type { BenchmarkSummary } from "./summary.js";
import { kvTable } from "./tables.js";

export interface BenchmarkInput {
  /** summary.json `benchmark`: undefined when the summary predates benchmarks, null when the engine had none to compare with. */
  benchmark: BenchmarkSummary | null | undefined;
  /** market.arrow's series; undefined without the file. */
  market: readonly MarketSeries[] | undefined;
  /** equity.arrow's dates and equity. */
  dates: readonly number[];
  equity: readonly number[];
  capital: number;
  /** The run's own CAGR, shown beside the benchmark's. */
  cagr: number | null;
}

export interface BenchmarkView {
  /** The chart, or a one-line note in its place. */
  figure: string;
  /** The table of the engine's measures; empty without a benchmark. */
  table: string;
  /** The benchmark's closes on equity.arrow's dates, when market.arrow has them (for the yearly table). */
  closes?: number[];
}

/** The benchmark chart and table, or the note saying why there are none. */
export function benchmarkView(input: BenchmarkInput): BenchmarkView {
  const { benchmark } = input;
  if (benchmark === undefined) {
    return { figure: noteLine("benchmark-missing", "No benchmark: this summary.json was written before the engine compared runs with one."), table: "" };
  }
  if (benchmark === null) {
    return { figure: noteLine("benchmark-missing", "No benchmark: summary.json’s <code>benchmark</code> is null (none was named, or it had no price on the run’s first day)."), table: "" };
  }
  const label = `${benchmark.name} (${benchmark.kind})`;
  const table = kvTable("benchmark", "Benchmark", [
    ["Benchmark", label],
    ["Its total return", formatValue(benchmark.total_return, "percent")],
    ["Its CAGR", formatValue(benchmark.cagr, "percent")],
    ["Strategy CAGR", formatValue(input.cagr, "percent")],
    ["Excess return (CAGR)", formatValue(benchmark.excess_return, "percent")],
    ["Beta", formatValue(benchmark.beta, "ratio")],
    ["Correlation", formatValue(benchmark.correlation, "ratio")],
  ]);
  const series = input.market && findSeries(input.market, benchmark.name, benchmark.kind as MarketKind); // checked by parseSummary
  if (!series) {
    const why = input.market ? `market.arrow has no closes of ${escapeHtml(label)}` : "this results directory has no market.arrow";
    return { figure: noteLine("benchmark-chart-missing", `No benchmark line: ${why}.`), table };
  }
  const closes = closesOn(series, input.dates);
  const caption =
    `Equity against ${escapeHtml(benchmark.name)} bought with the starting capital at its first close and held (price only, no dividends); ` +
    `beta and correlation are the engine’s, of daily returns.`;
  const svg = input.dates.length > 0
    ? benchmarkChart({ dates: input.dates, equity: input.equity, benchmark: buyAndHold(closes, input.capital), name: benchmark.name, capital: input.capital })
    : "";
  return { figure: figure("chart-benchmark", "Benchmark", caption, svg), table, closes };
}
