// Drawdown periods of an equity series: from a peak, through the trough, to the first day equity is
// back at the peak (or the end). The same stretches the engine's max_drawdown_days measures.

/** One period below a peak; every field but depth is a day index into the series. */
export interface DrawdownPeriod {
  /** The last day at the running peak before equity fell below it. */
  peak: number;
  /** The lowest day of the period (the first of equal lows). */
  trough: number;
  /** The first day equity is back at (≥) the peak; null when it never is. */
  recovery: number | null;
  /** trough equity / peak equity − 1, < 0. */
  depth: number;
  /** Trading days from the peak to the recovery, or to the last day when not recovered. */
  length: number;
}

/**
 * Every drawdown period of `equity`, in time order. The running peak starts at the first value;
 * a day equal to the peak ends a period (as in the engine's max_drawdown_days), so periods never
 * overlap: a dip inside a deeper one is part of it.
 */
export function drawdownPeriods(equity: readonly number[]): DrawdownPeriod[] {
  const periods: DrawdownPeriod[] = [];
  if (equity.length === 0) return periods;
  let peak = 0;
  let trough = -1; // -1: at the peak
  const close = (recovery: number | null, last: number) => {
    const top = equity[peak] as number;
    periods.push({ peak, trough, recovery, depth: (equity[trough] as number) / top - 1, length: last - peak });
  };
  for (let i = 1; i < equity.length; i += 1) {
    const e = equity[i] as number;
    if (e >= (equity[peak] as number)) {
      if (trough >= 0) close(i, i);
      trough = -1;
      peak = i;
    } else if (trough < 0 || e < (equity[trough] as number)) {
      trough = i;
    }
  }
  if (trough >= 0) close(null, equity.length - 1);
  return periods;
}

/** The `n` deepest periods of `equity`, deepest first (equal depths: the earlier first). */
export function worstDrawdowns(equity: readonly number[], n = 5): DrawdownPeriod[] {
  return drawdownPeriods(equity)
    .sort((a, b) => a.depth - b.depth || a.peak - b.peak)
    .slice(0, n);
}
