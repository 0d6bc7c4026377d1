// Rolling risk over a trailing window of daily returns: the annualised Sharpe ratio (risk-free 0)
// and volatility, computed as the engine computes the run's (docs/results.md, metric definitions).

/** Trading days in the window: about six months. */
export const ROLLING_WINDOW = 126;
export const TRADING_DAYS_PER_YEAR = 252;

/** The window ending on `date`. */
export interface RollingPoint {
  date: number;
  /** mean / sample sd × √252; 0 when the window has no variation. */
  sharpe: number;
  /** sample sd × √252. */
  volatility: number;
}

/**
 * One point per day with a full window behind it: the `window` daily returns ending that day.
 * The first return (0 by contract: there is no prior close) is not a return and is left out, as
 * the engine leaves it out of its metrics, so the first point is on day index `window`.
 */
export function rollingSharpeVol(dates: readonly number[], returns: readonly number[], window = ROLLING_WINDOW): RollingPoint[] {
  if (dates.length !== returns.length) throw new Error(`rollingSharpeVol: ${dates.length} dates but ${returns.length} returns`);
  if (!Number.isInteger(window) || window < 2) throw new Error(`rollingSharpeVol: a window of ${window} days (at least 2)`);
  const points: RollingPoint[] = [];
  const annualise = Math.sqrt(TRADING_DAYS_PER_YEAR);
  for (let end = window; end < returns.length; end += 1) {
    const sample = returns.slice(end - window + 1, end + 1);
    const mean = sample.reduce((a, b) => a + b, 0) / window;
    const raw = Math.sqrt(sample.reduce((a, r) => a + (r - mean) ** 2, 0) / (window - 1));
    // Equal returns leave a deviation of rounding noise (about 1e-19 for 0.1% a day): that is none.
    const sd = raw <= 1e-12 * Math.abs(mean) ? 0 : raw;
    points.push({ date: dates[end] as number, sharpe: sd === 0 ? 0 : (mean / sd) * annualise, volatility: sd * annualise });
  }
  return points;
}
