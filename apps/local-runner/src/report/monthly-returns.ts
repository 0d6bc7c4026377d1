// Calendar-month returns compounded from a daily equity series.

/** The return of one calendar month (UTC); `month` is 1–12. */
export interface MonthlyReturn {
  year: number;
  month: number;
  /** Month-end equity / previous month-end equity − 1 (first month: / first day's equity). NaN when that base is 0. */
  value: number;
}

/**
 * Compounds the daily returns of each calendar month: Π(1 + rₜ) − 1 over the month's days, which is
 * the month's last equity over the previous month's last equity, minus one. The first month starts
 * from the first day's equity (its daily return is 0 by contract). `dates` are ascending epoch ms.
 */
export function monthlyReturns(dates: ArrayLike<number>, equity: ArrayLike<number>): MonthlyReturn[] {
  if (dates.length !== equity.length) throw new Error(`monthlyReturns: ${dates.length} dates but ${equity.length} equity values`);
  const months: MonthlyReturn[] = [];
  if (dates.length === 0) return months;
  let base = equity[0] as number;
  let key = monthKey(dates[0] as number);
  for (let i = 1; i <= dates.length; i += 1) {
    const next = i < dates.length ? monthKey(dates[i] as number) : Number.NaN;
    if (next === key) continue;
    const end = equity[i - 1] as number;
    months.push({ year: Math.floor(key / 12), month: (key % 12) + 1, value: base === 0 ? Number.NaN : end / base - 1 });
    base = end;
    key = next;
  }
  return months;
}

function monthKey(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}
