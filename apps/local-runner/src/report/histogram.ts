// Histogram bins on round edges (1, 2, 2.5 or 5 × 10ᵏ wide), so that 0 is an edge whenever the
// values straddle it and wins and losses never share a bin.

/** Values in [lo, hi) — the last bin also holds hi. A bin with lo === hi holds identical values. */
export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

/**
 * Bins the finite `values` into about `targetBins` bins of a round width (default: √n, between 10
 * and 30). No values → no bins; identical values → one bin with lo === hi.
 */
export function histogram(values: Iterable<number>, targetBins?: number): HistogramBin[] {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) return [];
  const min = finite.reduce((a, b) => Math.min(a, b));
  const max = finite.reduce((a, b) => Math.max(a, b));
  if (min === max) return [{ lo: min, hi: max, count: finite.length }];
  const target = targetBins ?? Math.min(30, Math.max(10, Math.ceil(Math.sqrt(finite.length))));
  const step = niceStep((max - min) / Math.max(1, target));
  const first = Math.floor(clean(min / step));
  const count = Math.max(1, Math.ceil(clean(max / step)) - first);
  const bins = Array.from({ length: count }, (_, i) => ({ lo: clean((first + i) * step), hi: clean((first + i + 1) * step), count: 0 }));
  for (const v of finite) {
    const index = Math.min(count - 1, Math.floor(clean(v / step)) - first);
    (bins[index] as HistogramBin).count += 1;
  }
  return bins;
}

/** The smallest of 1, 2, 2.5, 5, 10 × 10ᵏ that is ≥ `raw` (raw > 0). */
export function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = [1, 2, 2.5, 5, 10].find((n) => fraction <= n * (1 + 1e-12)) ?? 10;
  return clean(nice * magnitude);
}

/** Drops floating-point noise (0.30000000000000004 → 0.3) so edges and bin indices come out exact. */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}
