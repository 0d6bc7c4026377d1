// The yearly returns table: each calendar year's return, its deepest drawdown and, with a
// benchmark, the benchmark's return that year.
import { periodReturns, yearKey } from "./monthly-returns.js";

export interface YearlyReturn {
  year: number;
  /** Compounded from the daily returns: year-end equity / previous year-end equity − 1 (first year: / first day's). */
  value: number;
  /** The deepest fall below the running peak within the year, the peak starting at the previous year-end (≤ 0). */
  maxDrawdown: number;
  /** The benchmark's price return that year, from its closes; null without a benchmark, NaN when it has no close that year. */
  benchmark: number | null;
}

/** One row per calendar year of `dates` (ascending epoch ms); `benchmark` holds the benchmark's closes on the same days. */
export function yearlyReturns(dates: readonly number[], equity: readonly number[], benchmark?: readonly number[]): YearlyReturn[] {
  const bench = benchmark && new Map(periodReturns(dates, benchmark, yearKey).map((p) => [p.key, p.value]));
  return periodReturns(dates, equity, yearKey).map((p) => {
    let peak = (equity[p.first === 0 ? 0 : p.first - 1] as number);
    let maxDrawdown = 0;
    for (let i = p.first; i <= p.last; i += 1) {
      const e = equity[i] as number;
      peak = Math.max(peak, e);
      maxDrawdown = Math.min(maxDrawdown, e / peak - 1);
    }
    return { year: p.key, value: p.value, maxDrawdown, benchmark: bench ? (bench.get(p.key) ?? Number.NaN) : null };
  });
}
