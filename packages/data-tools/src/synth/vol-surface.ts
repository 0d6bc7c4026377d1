// The implied volatility surface of one day, from the underlying's current instantaneous variance.
//
// Choices:
// - ATM term structure: the variance expected on average over [0, T] when the instantaneous
//   variance v reverts to θ at speed κ (the Heston expectation): θ + (v − θ)(1 − e^(−κT))/(κT), times
//   (1 + premium)² for the variance risk premium (implied above realized, as in real index options).
//   ATM total variance σ²T therefore rises with T.
// - Smile: Gatheral & Jacquier's SSVI in k = ln(K/F): total variance w(k) = θ/2 · (1 + ρφk +
//   √((φk + ρ)² + 1 − ρ²)) with θ = σ_ATM²·T and φ = η/√θ, so the ATM skew ∂σ/∂k = ρη/(2√T) steepens
//   like 1/√T for short expiries (a skew in k/√T), and the wings grow linearly in total variance as
//   Lee's moment formula requires. ρ < 0 gives the put skew (strongly for spx-like, mildly for
//   equity-like, where the curvature gives a smile). With η²(1 + |ρ|) ≤ 4 the surface is free of
//   butterfly and calendar arbitrage (their Theorems 4.1 and 4.2), so theoretical call prices fall
//   and are convex in strike. Vols are clamped to [minVol, maxVol] only as a guard.

export interface SurfaceParams {
  /** Mean-reversion speed of the variance (per year) and its long-run level (variance). */
  kappa: number;
  theta: number;
  /** Implied over expected-realized volatility, e.g. 0.1 for 10% higher. */
  premium: number;
  /** SSVI correlation ρ (skew direction) and level η (skew size); keep η²(1 + |ρ|) ≤ 4. */
  skewRho: number;
  skewEta: number;
  /** Floor on the instantaneous variance the surface starts from. */
  minVariance: number;
  minVol: number;
  maxVol: number;
}

/** ATM implied volatility for `t` years given the instantaneous variance `v`. */
export function atmVol(p: SurfaceParams, v: number, t: number): number {
  const v0 = v > p.minVariance ? v : p.minVariance;
  const x = p.kappa * t;
  const avg = x > 1e-12 ? p.theta + (v0 - p.theta) * (-Math.expm1(-x) / x) : v0;
  return Math.sqrt(avg) * (1 + p.premium);
}

/** Implied volatility at log-moneyness `logMoneyness` = ln(K/F), given the ATM vol and √T. */
export function smileVol(p: SurfaceParams, atm: number, logMoneyness: number, sqrtT: number): number {
  const rho = p.skewRho;
  const x = (p.skewEta / (atm * sqrtT)) * logMoneyness; // φ·k
  const y = x + rho;
  const ratio = 0.5 * (1 + rho * x + Math.sqrt(y * y + 1 - rho * rho)); // w(k) / θ
  const vol = atm * Math.sqrt(ratio);
  return vol < p.minVol ? p.minVol : vol > p.maxVol ? p.maxVol : vol;
}
