// Bid/ask quotes around the theoretical value, on the exchange's tick grid.
//
// Choices: the half-spread is a volatility distance turned into dollars by the option's vega
// (so it is largest where vega is, and shrinks for cheap far wings), widened for distance from the
// money (per standard deviation |ln(K/F)|/(σ√T)) and for the last days before expiry (1/√DTE), plus
// a small fraction of the value (deep in-the-money options are quoted wide in dollars), and never
// less than half a tick. Bid = theo − half rounded down to the tick and floored at 0, ask =
// theo + half rounded up, so 0 ≤ bid ≤ theo ≤ ask and ask − bid ≥ one tick; an option worth less
// than a tick is bid 0 and offered at one tick. Ticks: $0.05 below $3 and $0.10 from $3 up
// (spx-like), $0.01 (equity-like). Prices are whole cents divided by 100, i.e. the double nearest to
// the decimal quote. Bid/ask IVs move the mid IV by the quote's distance from theo over vega,
// clamped to [σ/4, 4σ] (and 0 when the bid is 0): a first-order inversion, good near the money.

export interface QuoteParams {
  /** Half-spread at the money, as a volatility distance (0.001 = 0.1 vol point). */
  volHalfSpread: number;
  /** Widening per standard deviation out of (or into) the money. */
  moneynessWiden: number;
  /** Widening factor 1 + this/√DTE. */
  expiryWiden: number;
  /** Extra half-spread as a fraction of the option's value. */
  valueHalfSpread: number;
  /** Tick in cents below `tickSwitch` dollars, and at or above it. */
  smallTickCents: number;
  largeTickCents: number;
  tickSwitch: number;
}

/**
 * Half-spread in dollars for one side. `vegaUnit` is vega per 1.00 of volatility, `sd`
 * |ln(K/F)|/(σ√T), `expiryFactor` 1 + expiryWiden/√DTE (computed once per expiration).
 */
export function halfSpread(q: QuoteParams, value: number, vegaUnit: number, sd: number, expiryFactor: number): number {
  const h = q.volHalfSpread * vegaUnit * (1 + q.moneynessWiden * sd) * expiryFactor + q.valueHalfSpread * value;
  const minHalf = (0.5 * (value < q.tickSwitch ? q.smallTickCents : q.largeTickCents)) / 100;
  return h > minHalf ? h : minHalf;
}

/** `raw` rounded down to the tick grid, floored at 0. */
export function roundBid(q: QuoteParams, raw: number): number {
  if (!(raw > 0)) return 0;
  const tick = raw < q.tickSwitch ? q.smallTickCents : q.largeTickCents;
  return (Math.floor((raw * 100) / tick) * tick) / 100;
}

/** `raw` rounded up to the tick grid. */
export function roundAsk(q: QuoteParams, raw: number): number {
  const tick = raw < q.tickSwitch ? q.smallTickCents : q.largeTickCents;
  return (Math.ceil((raw * 100) / tick) * tick) / 100;
}

/** Implied vol of the bid, to first order; 0 when nothing is bid. */
export function bidIv(bid: number, value: number, vol: number, vegaUnit: number): number {
  if (!(bid > 0)) return 0;
  const iv = vol - (value - bid) / vegaUnit;
  const lo = 0.25 * vol;
  return iv > lo ? (iv < vol ? iv : vol) : lo;
}

/** Implied vol of the ask, to first order. */
export function askIv(ask: number, value: number, vol: number, vegaUnit: number): number {
  const iv = vol + (ask - value) / vegaUnit;
  const hi = 4 * vol;
  return iv < hi ? (iv > vol ? iv : vol) : hi;
}
