// Calendar-period returns compounded from a daily series (equity, or a benchmark's closes): by
// month for the heatmap, by year for the yearly table.

/** The return of one calendar month (UTC); `month` is 1–12. */
export interface MonthlyReturn {
  year: number;
  month: number;
  /** Month-end equity / previous month-end equity − 1 (first month: / first day's equity). NaN when that base is 0. */
  value: number;
}

/** The return of one period; `key` is what `keyOf` gave its days. */
export interface PeriodReturn {
  key: number;
  /** Index of the period's first and last day in the series. */
  first: number;
  last: number;
  /** Last known value / the previous period's last known value − 1; NaN when the base is 0 or the period has no value. */
  value: number;
}

/**
 * Compounds the daily returns of each calendar month: Π(1 + rₜ) − 1 over the month's days, which is
 * the month's last equity over the previous month's last equity, minus one. The first month starts
 * from the first day's equity (its daily return is 0 by contract). `dates` are ascending epoch ms.
 */
export function monthlyReturns(dates: ArrayLike<number>, equity: ArrayLike<number>): MonthlyReturn[] {
  return periodReturns(dates, equity, monthKey).map((p) => ({ year: Math.floor(p.key / 12), month: (p.key % 12) + 1, value: p.value }));
}

/**
 * The return of each run of days sharing a `keyOf(date)` (a calendar month, a year), as
 * monthlyReturns describes. A value that is not finite (a price not known yet) is passed over: a
 * period runs from the last known value before it (the first known value, for the first) to its
 * own last known value, and one with none is NaN.
 */
export function periodReturns(dates: ArrayLike<number>, values: ArrayLike<number>, keyOf: (ms: number) => number): PeriodReturn[] {
  if (dates.length !== values.length) throw new Error(`${dates.length} dates but ${values.length} values`);
  const periods: PeriodReturn[] = [];
  let base = Number.NaN;
  let end = Number.NaN;
  let first = 0;
  for (let i = 0; i < dates.length; i += 1) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      if (Number.isNaN(base)) base = v;
      end = v;
    }
    const key = keyOf(dates[i] as number);
    if (i + 1 < dates.length && keyOf(dates[i + 1] as number) === key) continue;
    const known = Number.isFinite(end);
    periods.push({ key, first, last: i, value: known && base !== 0 ? end / base - 1 : Number.NaN });
    if (known) base = end;
    end = Number.NaN;
    first = i + 1;
  }
  return periods;
}

/** Months since year 0: year × 12 + month − 1 (UTC). */
export function monthKey(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** The UTC calendar year. */
export function yearKey(ms: number): number {
  return new Date(ms).getUTCFullYear();
}
