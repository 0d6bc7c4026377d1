import { describe, expect, it } from "vitest";
import { parseDecimal, parseDecimalAt, resolveHeader } from "../src/orats/columns.js";
describe("parseDecimal", () => {
  it("reads plain decimals, flags the rest", () => {
    expect(parseDecimal("1.5")).toBe(1.5);
    expect(parseDecimal("-0.25")).toBe(-0.25);
    expect(parseDecimal(".5")).toBe(0.5);
    expect(parseDecimal("2e-3")).toBe(0.002);
    expect(parseDecimal("0")).toBe(0);
    expect(parseDecimal(" 7 ")).toBe(7);
    expect(parseDecimal("")).toBeUndefined();
    expect(parseDecimal("  ")).toBeUndefined();
    for (const bad of ["abc", "1.2.3", "NaN", "Infinity", "-Infinity", "0x10", "0b1", "0o7", " 0x10", "1,5"]) {
      expect(parseDecimal(bad), bad).toBeNaN();
    }
  });
});

describe("parseDecimalAt", () => {
  it("gives exactly what parseDecimal gives, in place", () => {
    const cases = ["", "0", "-0", "-0.00", "1.", ".", "-", "+5", "1e", "1e5", "1.5e-3", "2E+2", "00012", "0x10", " 5", "5 ",
      "1,5", "NaN", "Infinity", "1e400", "123456789012345678901", "0.1234567890123456789", "9007199254740993", "12.5.1", "1-2", "e5"];
    // Deterministic pseudo-random ORATS-like numbers, with the digit counts and exponents the fast path takes or refuses.
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 20000; i++) {
      const v = (rnd() - 0.3) * 10 ** Math.floor(rnd() * 12 - 6);
      cases.push(v.toFixed(Math.floor(rnd() * 9)), String(v), v.toExponential(Math.floor(rnd() * 16)), v.toPrecision(1 + Math.floor(rnd() * 20)));
    }
    for (const c of cases) {
      const padded = `ab,${c},cd`;
      const got = parseDecimalAt(padded, 3, 3 + c.length);
      const want = parseDecimal(c);
      if (want === undefined || Number.isNaN(want)) expect(got, c).toEqual(want);
      else expect(Object.is(got, want), `${c}: ${got} vs ${want}`).toBe(true);
      if (want !== undefined && !Number.isNaN(want)) expect(Object.is(want, Number(c)), c).toBe(true);
    }
  });
});

describe("resolveHeader", () => {
  const orats =
    "ticker,cOpra,pOpra,stkPx,expirDate,yte,strike,cVolu,cOi,pVolu,pOi,cBidPx,cValue,cAskPx,pBidPx,pValue,pAskPx,cBidIv,cMidIv,cAskIv,smoothSmvVol,pBidIv,pMidIv,pAskIv,iRate,divRate,residualRateData,delta,gamma,theta,vega,rho,phi,driftlessTheta,extVol,extCTheo,extPTheo,spot_px,trade_date".split(
      ",",
    );

  it("maps ORATS' names and ignores the extra columns", () => {
    const m = resolveHeader(orats, "f.csv");
    expect(m.width).toBe(39);
    expect(m.index.smvVol).toBe(orats.indexOf("smoothSmvVol"));
    expect(m.index.spotPx).toBe(orats.indexOf("spot_px"));
    expect(m.index.tradeDate).toBe(orats.indexOf("trade_date"));
    expect(m.name.tradeDate).toBe("trade_date");
    expect(m.index.cOi).toBe(orats.indexOf("cOi"));
  });

  it("accepts the schema's own names", () => {
    const renamed = orats.map((h) => ({ trade_date: "tradeDate", spot_px: "spotPx", smoothSmvVol: "smvVol" })[h] ?? h);
    expect(resolveHeader(renamed, "f.csv").name.smvVol).toBe("smvVol");
  });

  it("names every missing or doubled column", () => {
    const without = orats.filter((h) => h !== "delta" && h !== "trade_date");
    expect(() => resolveHeader(without, "x.zip:a.csv")).toThrow(/^x\.zip:a\.csv: missing required columns trade_date, delta /);
    expect(() => resolveHeader([...orats, "strike"], "f.csv")).toThrow(/^f\.csv: column strike appears more than once/);
  });
});
