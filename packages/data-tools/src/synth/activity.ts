// Volume and open interest: integers, concentrated near the money and in the near expirations.
//
// Choices: expected open interest = scale · exp(−½(z/width)²) · term weight, where z =
// ln(K/F)/(σ√T) (standard deviations from the forward), the term weight 1/(1 + DTE/120) favours
// near expirations, standard monthlies carry 2.5× the weeklies and round strikes get a boost. Puts
// get `putWeight` times the calls' interest. Daily volume is a turnover of the expected interest that
// rises into expiry. Both carry independent lognormal noise from the ticker's activity stream and
// are truncated to integers (so the far wings show zeros). The noise is drawn by inversion from a
// 4096-point quantile table of the lognormal (one 32-bit draw and a lookup per value, tails cut at
// ~3.5 sd, mean exactly 1): these are cosmetic numbers and millions are drawn per dataset.
import { normCdf } from "./normal.js";
import type { Rng } from "./rng.js";

export interface ActivityParams {
  oiScale: number;
  /** Width of the interest profile, in standard deviations. */
  width: number;
  putWeight: number;
  monthlyWeight: number;
  /** Daily volume / expected open interest at long maturities; it rises × (1 + 4/(1 + DTE/3)). */
  turnover: number;
  /** Strikes that are multiples of this many dollars get `roundBoost` × the interest. */
  roundStrike: number;
  roundBoost: number;
}

const TABLE_BITS = 12;
const TABLE_SIZE = 1 << TABLE_BITS;

/** Multipliers exp(sd·z − sd²/2) at the mid-quantiles of z, rescaled to average exactly 1. */
export function lognormalTable(logSd: number): Float64Array {
  const table = new Float64Array(TABLE_SIZE);
  let sum = 0;
  for (let j = 0; j < TABLE_SIZE; j++) {
    const p = (j + 0.5) / TABLE_SIZE;
    let lo = -10;
    let hi = 10;
    for (let it = 0; it < 60; it++) {
      const mid = 0.5 * (lo + hi);
      if (normCdf(mid) < p) lo = mid;
      else hi = mid;
    }
    const z = 0.5 * (lo + hi);
    table[j] = Math.exp(logSd * z);
    sum += table[j]!;
  }
  const mean = sum / TABLE_SIZE;
  for (let j = 0; j < TABLE_SIZE; j++) table[j] = table[j]! / mean;
  return table;
}

/** Noise on open interest and on volume. */
export const OI_NOISE = lognormalTable(0.6);
export const VOLUME_NOISE = lognormalTable(0.9);

/** Expected open interest of one side-agnostic strike. */
export function expectedInterest(a: ActivityParams, z: number, dte: number, monthly: boolean, strike: number): number {
  const w = z / a.width;
  let oi = (a.oiScale * Math.exp(-0.5 * w * w)) / (1 + dte / 120);
  if (monthly) oi *= a.monthlyWeight;
  const r = strike / a.roundStrike;
  if (r === Math.floor(r)) oi *= a.roundBoost;
  return oi;
}

/** One noisy integer draw around `mean`, with noise from `table` (see `lognormalTable`). */
export function noisyCount(rng: Rng, mean: number, table: Float64Array): number {
  const x = mean * table[rng.nextU32() >>> (32 - TABLE_BITS)]!;
  return x < 2147483647 ? Math.floor(x) : 2147483647;
}

export function turnoverAt(a: ActivityParams, dte: number): number {
  return a.turnover * (1 + 4 / (1 + dte / 3));
}
