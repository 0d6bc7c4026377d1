// The standard normal distribution, accurate to about 1e-15 relative error in both tails.
//
// Option prices far out of the money are differences of tiny tail probabilities, so the cheap
// polynomial approximations (absolute error ~1e-7) are not good enough. Choices:
// - erfc(y) for 0 <= y < 5 by a Taylor expansion around the nearest anchor a = j/32, using
//   d^n/dy^n erfc(y) = -(2/sqrt(pi)) (-1)^(n-1) H_(n-1)(y) exp(-y^2) (physicists' Hermite polynomials,
//   by their three-term recurrence). With |y - a| <= 1/64 about ten terms reach double precision and
//   no exp is evaluated per call. The anchors' erfc(a) and exp(-a^2) are computed once, at load:
//   erfc(a) = 1 - erf(a) by erf's everywhere-positive series for a <= 1 (no cancellation beyond
//   a factor 1/erfc(1) ~ 6), Laplace's continued fraction (modified Lentz) above.
// - erfc(y) for y >= 5 by the continued fraction directly (fewer than 20 steps).
// - Phi(-|x|) = erfc(|x|/sqrt2)/2, the smaller tail always computed directly, never as 1 - (~1).
//   The rounding of |x|/sqrt2 would cost ~x^2 ulps of relative accuracy deep in the tail, so the
//   Taylor step uses the exact offset (Dekker's product error plus the low part of 1/sqrt2) and the
//   continued-fraction branch takes exp(-x^2/2) from x itself.

const SQRT_PI = Math.sqrt(Math.PI);
const TWO_OVER_SQRT_PI = 2 / SQRT_PI;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** 1/sqrt2 = INV_SQRT_2 + INV_SQRT_2_LO to about 1e-33. */
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2_LO = -4.833646656726456e-17;

const ANCHORS_PER_UNIT = 32;
const ANCHOR_STEP = 1 / ANCHORS_PER_UNIT;
const TAYLOR_LIMIT = 5;
const ANCHORS = TAYLOR_LIMIT * ANCHORS_PER_UNIT + 1;
/** erfc(y) is below the smallest subnormal double beyond this. */
const UNDERFLOW = 27.3;

/** Veltkamp splitting constant 2^27 + 1. */
const SPLITTER = 134217729;
const C_SPLIT = SPLITTER * INV_SQRT_2;
const C_HI = C_SPLIT - (C_SPLIT - INV_SQRT_2);
const C_LO = INV_SQRT_2 - C_HI;

/** erf by the series exp(-y^2) * 2/sqrt(pi) * sum y^(2n+1) 2^n / (2n+1)!!: all terms positive. */
function erfSeries(y: number): number {
  const y2 = y * y;
  let term = y;
  let sum = y;
  for (let n = 1; n < 500; n++) {
    term *= (2 * y2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-y2) * sum;
}

/**
 * The continued fraction y + (1/2)/(y + 1/(y + (3/2)/(y + ...))) by modified Lentz, y > 0;
 * erfc(y) = exp(-y^2) / (sqrt(pi) * this).
 */
function continuedFraction(y: number, maxTerms: number): number {
  const tiny = 1e-300;
  let f = y;
  let c = y;
  let d = 0;
  for (let n = 1; n <= maxTerms; n++) {
    const a = n / 2;
    d = y + a * d;
    if (d === 0) d = tiny;
    d = 1 / d;
    c = y + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}

/** exp(-x^2 * scale) for scale 1 or 1/2, without the rounding error of x*x that exp would magnify. */
function expNegSquare(x: number, scale: number): number {
  const hi = Math.round(x * 65536) / 65536; // few enough bits that hi*hi is exact
  const lo = x - hi;
  return Math.exp(-hi * hi * scale) * Math.exp(-lo * (x + hi) * scale);
}

const anchorErfc = new Float64Array(ANCHORS);
/** 2/sqrt(pi) * exp(-a^2): the scale of the derivatives at each anchor. */
const anchorScale = new Float64Array(ANCHORS);
for (let j = 0; j < ANCHORS; j++) {
  const a = j * ANCHOR_STEP;
  anchorErfc[j] = a <= 1 ? 1 - erfSeries(a) : expNegSquare(a, 1) / (SQRT_PI * continuedFraction(a, 20000));
  anchorScale[j] = TWO_OVER_SQRT_PI * Math.exp(-a * a);
}

/** erfc(y + yLow) for 0 <= y < TAYLOR_LIMIT, with `yLow` a tiny correction to y. */
function erfcTaylor(y: number, yLow: number): number {
  const j = Math.round(y * ANCHORS_PER_UNIT);
  const a = j * ANCHOR_STEP;
  const h = y - a + yLow; // y - a is exact (Sterbenz)
  // sum_{n>=1} (-1)^(n-1) H_(n-1)(a) h^n / n!, Hermite by H_(m+1) = 2a H_m - 2m H_(m-1).
  let hPrev = 0; // H_(m-1)
  let hCur = 1; // H_m, m = 0
  let power = h; // h^n / n!, n = 1
  let sum = power; // n = 1 term: H_0 h
  let small = 0;
  for (let n = 2; n < 40; n++) {
    const m = n - 2;
    const hNext = 2 * a * hCur - 2 * m * hPrev; // H_(n-1)
    hPrev = hCur;
    hCur = hNext;
    power *= h / n;
    const term = (n & 1 ? 1 : -1) * hCur * power;
    sum += term;
    // Two negligible terms in a row: a single one may just sit near a root of H_(n-1).
    small = Math.abs(term) <= Math.abs(sum) * 1e-17 ? small + 1 : 0;
    if (small === 2 || power === 0) break;
  }
  return anchorErfc[j]! - anchorScale[j]! * sum;
}

function erfcPositive(y: number): number {
  if (y >= TAYLOR_LIMIT) {
    if (y > UNDERFLOW) return 0;
    return expNegSquare(y, 1) / (SQRT_PI * continuedFraction(y, 200));
  }
  if (!(y >= 0)) return Number.NaN;
  return erfcTaylor(y, 0);
}

/** Complementary error function, ~1e-15 relative error for every x (0 beyond underflow). */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfcPositive(-x);
  return erfcPositive(x);
}

/** Phi(-|x|): the smaller tail probability of a standard normal, computed directly. */
export function normTail(x: number): number {
  const ax = x < 0 ? -x : x;
  const y = ax * INV_SQRT_2;
  if (y >= TAYLOR_LIMIT) {
    if (y > UNDERFLOW) return 0;
    return (0.5 * expNegSquare(ax, 0.5)) / (SQRT_PI * continuedFraction(y, 200));
  }
  if (!(y >= 0)) return Number.NaN;
  // Dekker: the rounding error of ax * INV_SQRT_2, plus ax times the low part of 1/sqrt2.
  const t = SPLITTER * ax;
  const xHi = t - (t - ax);
  const xLo = ax - xHi;
  const productError = xHi * C_HI - y + xHi * C_LO + xLo * C_HI + xLo * C_LO;
  return 0.5 * erfcTaylor(y, productError + ax * INV_SQRT_2_LO);
}

/** Standard normal cumulative distribution function. */
export function normCdf(x: number): number {
  const t = normTail(x);
  return x < 0 ? t : 1 - t;
}

/** Standard normal density. */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
