// The underlying's daily path and the interest rate.
//
// Choices:
// - Heston-like stochastic variance, stepped once per trading day (dt = 1/252, so weekends and
//   holidays carry no diffusion) with full-truncation Euler: the variance reverts to θ at speed κ
//   with vol-of-vol ξ, and its shock is correlated (ρ < 0: the leverage effect) with the log-price
//   shock. Log-price drift: r − q + an equity premium − v/2, minus the jump compensator.
// - Jumps: Poisson arrivals (rate λ per year) of normal log-jumps with a negative mean; a jump also
//   lifts the variance by boost · J², so crashes come with volatility spikes.
// - Earnings: `shock` adds a reaction day's log move (earnings.ts) on top of the day's step; it
//   draws nothing from the path's stream, so the path's own shocks are the same with or without it.
// - Closes are rounded to the cent; options are priced off the rounded close (stkPx = spotPx).
// - Rate: a deterministic function of the seed and the date only (two slow sinusoids with seeded
//   phases around 3.5%, staying within 2–5%), the same for every ticker on a day.
import { Rng } from "./rng.js";

export interface PathParams {
  s0: number;
  /** Dividend yield (continuous). */
  divYield: number;
  /** Expected return over the risk-free rate, per year. */
  equityPremium: number;
  v0: number;
  kappa: number;
  theta: number;
  xi: number;
  rho: number;
  jumpRate: number;
  jumpMean: number;
  jumpStd: number;
  jumpVarianceBoost: number;
}

const DT = 1 / 252;

export class UnderlyingPath {
  private logS: number;
  /** Instantaneous variance (may dip below zero; read through `variance`). */
  private v: number;
  private readonly rhoBar: number;
  private readonly compensator: number;

  constructor(
    private readonly p: PathParams,
    private readonly rng: Rng,
  ) {
    this.logS = Math.log(p.s0);
    this.v = p.v0;
    this.rhoBar = Math.sqrt(1 - p.rho * p.rho);
    this.compensator = p.jumpRate * (Math.exp(p.jumpMean + 0.5 * p.jumpStd * p.jumpStd) - 1);
  }

  /** Close rounded to the cent. */
  get close(): number {
    return Math.max(0.01, Math.round(Math.exp(this.logS) * 100) / 100);
  }

  /** Instantaneous variance, floored at zero. */
  get variance(): number {
    return this.v > 0 ? this.v : 0;
  }

  /** Advances one trading day at risk-free rate `r`. */
  step(r: number): void {
    const p = this.p;
    const vPos = this.v > 0 ? this.v : 0;
    const sd = Math.sqrt(vPos * DT);
    const zv = this.rng.normal();
    const zs = p.rho * zv + this.rhoBar * this.rng.normal();
    let jump = 0;
    let boost = 0;
    const n = this.rng.poisson(p.jumpRate * DT);
    for (let i = 0; i < n; i++) {
      const j = p.jumpMean + p.jumpStd * this.rng.normal();
      jump += j;
      boost += p.jumpVarianceBoost * j * j;
    }
    const drift = r - p.divYield + p.equityPremium - this.compensator - 0.5 * vPos;
    this.logS += drift * DT + sd * zs + jump;
    this.v += p.kappa * (p.theta - vPos) * DT + p.xi * sd * zv + boost;
  }

  /** Moves the log price by `logReturn` (an earnings reaction), leaving the variance as it is. */
  shock(logReturn: number): void {
    this.logS += logReturn;
  }
}

/** The risk-free rate by date: slow, smooth, deterministic by seed, within about 2–5%. */
export class RatePath {
  private readonly phase1: number;
  private readonly phase2: number;
  private readonly period1: number;
  private readonly period2: number;

  constructor(seed: number) {
    const rng = Rng.stream(seed, "rates");
    this.phase1 = rng.between(0, 2 * Math.PI);
    this.phase2 = rng.between(0, 2 * Math.PI);
    this.period1 = rng.between(2200, 3400); // days: a 6–9 year cycle
    this.period2 = rng.between(450, 800); // a 1–2 year wiggle
  }

  at(days: number): number {
    const r =
      0.035 +
      0.011 * Math.sin((2 * Math.PI * days) / this.period1 + this.phase1) +
      0.0035 * Math.sin((2 * Math.PI * days) / this.period2 + this.phase2);
    return Math.round(r * 1e6) / 1e6;
  }
}
