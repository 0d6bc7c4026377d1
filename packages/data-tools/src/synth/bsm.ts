// Black-Scholes-Merton prices and call greeks with a continuous dividend yield, ORATS conventions:
// T in years (calendar days / 365), theta per calendar day, vega per vol point (0.01), rho per 1%
// (0.01) of rate. d1 and d2 are computed once for both sides, and each tail probability is taken
// directly (normTail) so deep in- and out-of-the-money prices keep their relative precision.
// `bsmInto` writes into a caller's scratch array so the generator's hot loop allocates nothing.
import { normPdf, normTail } from "./normal.js";

// Module-local aliases: keeps the calls direct under loaders that rewrite imports into namespace
// property reads (see chain.ts).
const tail = normTail;
const density = normPdf;

/** Slots of the scratch array filled by `bsmInto`. */
export const BSM_CALL = 0;
export const BSM_PUT = 1;
export const BSM_DELTA = 2;
export const BSM_GAMMA = 3;
export const BSM_THETA = 4;
export const BSM_VEGA = 5;
export const BSM_RHO = 6;
export const BSM_D1 = 7;
/** Vega per 1.00 of vol (not per point): what converts a price distance into an IV distance. */
export const BSM_VEGA_UNIT = 8;
export const BSM_SLOTS = 9;

/**
 * Prices a call and a put with spot `s`, strike `k`, time `t` years, rate `r`, dividend yield `q`,
 * volatility `sigma` (all > 0), writing the slots above into `out`.
 */
export function bsmInto(out: Float64Array, s: number, k: number, t: number, r: number, q: number, sigma: number): void {
  bsmIntoWith(out, s, k, t, Math.sqrt(t), Math.exp(-q * t), Math.exp(-r * t), r, q, sigma);
}

/**
 * `bsmInto` with the per-expiration quantities precomputed: `sqrtT` = √t, `dq` = e^(−qt),
 * `dr` = e^(−rt). The generator calls this once per strike.
 */
export function bsmIntoWith(
  out: Float64Array,
  s: number,
  k: number,
  t: number,
  sqrtT: number,
  dq: number,
  dr: number,
  r: number,
  q: number,
  sigma: number,
): void {
  const volT = sigma * sqrtT;
  const d1 = (Math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / volT;
  const d2 = d1 - volT;
  const t1 = tail(d1);
  const t2 = tail(d2);
  const nd1 = d1 < 0 ? t1 : 1 - t1; // N(d1)
  const nmd1 = d1 < 0 ? 1 - t1 : t1; // N(-d1)
  const nd2 = d2 < 0 ? t2 : 1 - t2;
  const nmd2 = d2 < 0 ? 1 - t2 : t2;
  const sq = s * dq;
  const kr = k * dr;
  const pdf = density(d1);
  const vegaUnit = sq * pdf * sqrtT;
  out[BSM_CALL] = Math.max(0, sq * nd1 - kr * nd2);
  out[BSM_PUT] = Math.max(0, kr * nmd2 - sq * nmd1);
  out[BSM_DELTA] = dq * nd1;
  out[BSM_GAMMA] = (dq * pdf) / (s * volT);
  out[BSM_THETA] = (-(sq * pdf * sigma) / (2 * sqrtT) - r * kr * nd2 + q * sq * nd1) / 365;
  out[BSM_VEGA] = vegaUnit / 100;
  out[BSM_RHO] = (kr * t * nd2) / 100;
  out[BSM_D1] = d1;
  out[BSM_VEGA_UNIT] = vegaUnit;
}

export interface BsmResult {
  call: number;
  put: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  rho: number;
}

/** Convenience form of `bsmInto` (tests, one-off use). */
export function bsm(s: number, k: number, t: number, r: number, q: number, sigma: number): BsmResult {
  const out = new Float64Array(BSM_SLOTS);
  bsmInto(out, s, k, t, r, q, sigma);
  return {
    call: out[BSM_CALL]!,
    put: out[BSM_PUT]!,
    delta: out[BSM_DELTA]!,
    gamma: out[BSM_GAMMA]!,
    theta: out[BSM_THETA]!,
    vega: out[BSM_VEGA]!,
    rho: out[BSM_RHO]!,
  };
}
