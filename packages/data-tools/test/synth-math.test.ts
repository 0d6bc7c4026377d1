import { describe, expect, it } from "vitest";
import { bsm } from "../src/synth/bsm.js";
import { erfc, normCdf } from "../src/synth/normal.js";
import { tickerModel } from "../src/synth/profiles.js";
import { askIv, bidIv, halfSpread, roundAsk, roundBid, type QuoteParams } from "../src/synth/quotes.js";
import { Rng } from "../src/synth/rng.js";
import { StrikeGrid, type StrikeRules } from "../src/synth/strikes.js";
import { RatePath } from "../src/synth/underlying.js";
import { atmVol, smileVol } from "../src/synth/vol-surface.js";

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

describe("normal distribution", () => {
  it("matches reference values to ~1e-15 relative, deep into both tails", () => {
    // References: Phi evaluated to 60 digits (series / continued fraction in decimal arithmetic).
    const refs: [number, number][] = [
      [-1, 0.15865525393145705],
      [-3, 0.0013498980316300946],
      [-5, 2.866515718791939e-7],
      [-7, 1.279812543885835e-12],
      [-8, 6.220960574271784e-16],
      [-10, 7.619853024160525e-24],
      [-20, 2.7536241186062337e-89],
      [-37, 5.725571222524577e-300],
      [0.5, 0.6914624612740131],
      [2.5, 0.9937903346742238],
    ];
    for (const [x, p] of refs) expect(rel(normCdf(x), p), `Phi(${x})`).toBeLessThan(5e-15);
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(40)).toBe(1);
    expect(rel(erfc(1), 0.15729920705028513)).toBeLessThan(3e-15);
    expect(rel(erfc(3), 2.2090496998585438e-5)).toBeLessThan(3e-15);
    expect(rel(erfc(10), 2.088487583762545e-45)).toBeLessThan(3e-15);
    expect(rel(erfc(-1.5), 2 - 0.033894853524689274)).toBeLessThan(3e-16);
  });

  it("is monotone across the Taylor anchors and the continued-fraction switch", () => {
    let prev = normCdf(-12);
    for (let x = -12; x <= 12; x += 1 / 1024) {
      const p = normCdf(x);
      if (p < prev) throw new Error(`Phi decreases at ${x}`);
      prev = p;
    }
  });
});

describe("Black-Scholes-Merton", () => {
  it("reproduces the textbook example S=K=100, T=1, r=5%, q=0, vol 20%", () => {
    const v = bsm(100, 100, 1, 0.05, 0, 0.2);
    expect(v.call).toBeCloseTo(10.4506, 4);
    expect(v.put).toBeCloseTo(5.5735, 4);
    expect(v.delta).toBeCloseTo(0.6368, 4);
    expect(v.gamma).toBeCloseTo(0.018762, 6);
    expect(v.vega).toBeCloseTo(0.37524, 5); // per vol point
    expect(v.theta).toBeCloseTo(-6.41403 / 365, 6); // per calendar day
    expect(v.rho).toBeCloseTo(0.53232, 5); // per 1% of rate
  });

  it("keeps relative precision far out of the money", () => {
    // References computed independently with erfc-based formulas.
    const deepPut = bsm(4000, 2400, 7 / 365, 0.03, 0.015, 0.6);
    expect(rel(deepPut.put, 1.5312315128775878e-8)).toBeLessThan(1e-7);
    const deepCall = bsm(100, 160, 0.25, 0.04, 0.01, 0.25);
    expect(rel(deepCall.call, 0.00040653377089430905)).toBeLessThan(1e-10);
    expect(rel(deepCall.delta, 0.00013728943254264498)).toBeLessThan(1e-12);
    expect(bsm(100, 300, 0.1, 0.02, 0.01, 0.2).call).toBeGreaterThan(0);
  });

  it("satisfies put-call parity with dividends", () => {
    const rng = new Rng("parity");
    for (let i = 0; i < 2000; i++) {
      const s = rng.between(50, 5000);
      const k = s * Math.exp(rng.between(-0.6, 0.4));
      const t = rng.between(1, 730) / 365;
      const r = rng.between(0.0, 0.06);
      const q = rng.between(0, 0.03);
      const v = bsm(s, k, t, r, q, rng.between(0.05, 1.5));
      const parity = s * Math.exp(-q * t) - k * Math.exp(-r * t);
      const gap = Math.abs(v.call - v.put - parity);
      if (gap > 1e-11 * Math.max(s, k)) throw new Error(`parity off by ${gap} at S=${s} K=${k} T=${t}`);
    }
  });
});

describe("random streams", () => {
  it("gives the same numbers for the same label and different ones otherwise", () => {
    const a = Rng.stream(7, "path", "SPX");
    const b = Rng.stream(7, "path", "SPX");
    const c = Rng.stream(7, "path", "NDX");
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
    // Golden values: a change here changes every generated dataset (bump GENERATOR_VERSION).
    expect(xs).toEqual(GOLDEN_U32);
  });

  it("draws standard normals and uniforms with the right moments", () => {
    const rng = new Rng("moments");
    let sum = 0;
    let sum2 = 0;
    let usum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sum2 += z * z;
      const u = rng.uniform();
      if (!(u >= 0 && u < 1)) throw new Error(`uniform ${u} outside [0, 1)`);
      usum += u;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sum2 / n - 1)).toBeLessThan(0.02);
    expect(Math.abs(usum / n - 0.5)).toBeLessThan(0.005);
  });

  it("keeps the rate between 2% and 5%, moving slowly", () => {
    const rates = new RatePath(3);
    let prev = rates.at(17000);
    for (let day = 17000; day < 17000 + 3650; day++) {
      const r = rates.at(day);
      if (!(r >= 0.02 && r <= 0.05 && Math.abs(r - prev) < 0.0002)) throw new Error(`rate ${r} on day ${day}`);
      prev = r;
    }
    expect(new RatePath(3).at(19000)).toBe(rates.at(19000));
    expect(new RatePath(4).at(19000)).not.toBe(rates.at(19000));
  });
});

const GOLDEN_U32 = [658112278, 742311693, 2226521972, 1425412878, 299981636];

describe("volatility surface", () => {
  const spx = tickerModel("spx-like", new Rng("s")).surface;
  const eq = tickerModel("equity-like", new Rng("e")).surface;

  it("reverts the ATM term structure toward the long-run vol", () => {
    const high = 4 * spx.theta;
    const low = spx.theta / 4;
    expect(atmVol(spx, high, 1 / 52)).toBeGreaterThan(atmVol(spx, high, 1));
    expect(atmVol(spx, low, 1 / 52)).toBeLessThan(atmVol(spx, low, 1));
    const longRun = Math.sqrt(spx.theta) * (1 + spx.premium);
    expect(Math.abs(atmVol(spx, high, 30) - longRun)).toBeLessThan(Math.abs(atmVol(spx, high, 1) - longRun));
  });

  it("has a put skew for spx-like and a milder smile for equity-like", () => {
    const sqrtT = Math.sqrt(30 / 365);
    const atm = 0.16;
    const put10 = smileVol(spx, atm, -0.1, sqrtT);
    const call10 = smileVol(spx, atm, 0.1, sqrtT);
    expect(smileVol(spx, atm, 0, sqrtT)).toBeCloseTo(atm, 12);
    expect(put10).toBeGreaterThan(atm + 0.04);
    expect(call10).toBeLessThan(atm);
    const eqAtm = 0.35;
    const eqPut = smileVol(eq, eqAtm, -0.1, sqrtT);
    const eqCall = smileVol(eq, eqAtm, 0.5, sqrtT);
    expect(eqPut / eqAtm - 1).toBeGreaterThan(0);
    expect(eqPut / eqAtm - 1).toBeLessThan(put10 / atm - 1);
    expect(eqCall).toBeGreaterThan(eqAtm); // the smile turns up on the call side
  });

  it("keeps the SSVI no-arbitrage bound and reasonable wing vols", () => {
    for (const p of [spx, eq]) expect(p.skewEta * p.skewEta * (1 + Math.abs(p.skewRho))).toBeLessThanOrEqual(4);
    // One day to expiry, 25% below the forward: high but finite, well under the guard clamp.
    const wing = smileVol(spx, 0.15, Math.log(0.75), Math.sqrt(1 / 365));
    expect(wing).toBeGreaterThan(0.5);
    expect(wing).toBeLessThan(spx.maxVol);
  });
});

describe("quotes", () => {
  const spx: QuoteParams = tickerModel("spx-like", new Rng("q")).quotes;
  const eq: QuoteParams = tickerModel("equity-like", new Rng("q")).quotes;

  it("rounds bids down and asks up to the tick, as exact decimals", () => {
    expect(roundBid(spx, 3.17)).toBe(3.1);
    expect(roundBid(spx, 2.97)).toBe(2.95);
    expect(roundAsk(spx, 2.96)).toBe(3);
    expect(roundAsk(spx, 3.01)).toBe(3.1);
    expect(roundBid(spx, -0.2)).toBe(0);
    expect(roundBid(eq, 1.239)).toBe(1.23);
    expect(roundAsk(eq, 1.231)).toBe(1.24);
    expect(roundAsk(spx, 0.001 + halfSpread(spx, 0.001, 0, 5, 1))).toBe(0.05); // worthless: 0 bid, one tick offer
  });

  it("brackets the value: 0 <= bid <= value <= ask, spread at least one tick", () => {
    const rng = new Rng("brackets");
    for (let i = 0; i < 20000; i++) {
      const value = Math.exp(rng.between(-12, 7));
      const vegaUnit = rng.between(0, 500);
      const h = halfSpread(spx, value, vegaUnit, rng.between(0, 6), rng.between(1, 2));
      const bid = roundBid(spx, value - h);
      const ask = roundAsk(spx, value + h);
      const vol = 0.2;
      const bIv = bidIv(bid, value, vol, vegaUnit || 1e-9);
      const aIv = askIv(ask, value, vol, vegaUnit || 1e-9);
      const ok =
        bid >= 0 &&
        bid <= value &&
        ask >= value &&
        ask - bid >= 0.05 - 1e-12 &&
        Math.abs(bid * 100 - Math.round(bid * 100)) < 1e-9 &&
        Math.abs(ask * 100 - Math.round(ask * 100)) < 1e-9 &&
        bIv <= vol &&
        aIv >= vol &&
        (bid > 0 ? bIv > 0 : bIv === 0);
      if (!ok) throw new Error(`value ${value}: bid ${bid} (iv ${bIv}) ask ${ask} (iv ${aIv})`);
    }
  });
});

describe("strike grid", () => {
  const rules: StrikeRules = tickerModel("spx-like", new Rng("k")).strikes;

  it("lists exact multiples of the steps, ascending, finer near the money, never delisting", () => {
    const grid = new StrikeGrid(rules.steps(4012.34, 45 / 365));
    grid.extend(rules, 4012.34, 0.16 * Math.sqrt(45 / 365), 45 / 365);
    const out = new Float64Array(grid.maxCount());
    const n = grid.fill(out);
    const strikes = Array.from(out.subarray(0, n));
    for (let i = 1; i < n; i++) expect(strikes[i]!).toBeGreaterThan(strikes[i - 1]!);
    for (const k of strikes) expect(k % 5).toBe(0);
    expect(strikes).toContain(4010);
    expect(strikes).toContain(4015);
    expect(strikes.filter((k) => k < 3500).every((k) => k % 50 === 0)).toBe(true);
    // The spot falls 10%: strikes are added below, none removed.
    grid.extend(rules, 3611.1, 0.25 * Math.sqrt(40 / 365), 40 / 365);
    const out2 = new Float64Array(grid.maxCount());
    const after = Array.from(out2.subarray(0, grid.fill(out2)));
    for (const k of strikes) expect(after).toContain(k);
    expect(after[0]!).toBeLessThan(strikes[0]!);
    expect(after).toContain(3610);
  });

  it("uses price-level steps for equities, with exact half-dollar strikes", () => {
    const eqRules = tickerModel("equity-like", new Rng("k")).strikes;
    const grid = new StrikeGrid(eqRules.steps(187.3, 0.25));
    grid.extend(eqRules, 187.3, 0.35 * 0.5, 0.25);
    const out = new Float64Array(grid.maxCount());
    const strikes = Array.from(out.subarray(0, grid.fill(out)));
    expect(strikes).toContain(187.5);
    expect(strikes).toContain(185);
    for (const k of strikes) {
      expect(Number.isInteger(k * 2)).toBe(true);
      expect(String(k)).toMatch(/^\d+(\.5)?$/);
    }
  });
});
