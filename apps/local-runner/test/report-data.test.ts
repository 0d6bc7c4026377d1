import { Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { formatValue, signedPercent, compactDollars } from "../src/report/format.js";
import { histogram, monthlyReturns, niceStep, positionPnl, readFills, toEpochMs, type Fill } from "../src/report/index.js";
import { float64, int32, utf8 } from "./report-fixture.js";

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

describe("monthlyReturns", () => {
  it("compounds daily equity within each calendar month, across month and year boundaries", () => {
    // Nov: 100 → 102 (+2%). Dec: −2% then +5% → 0.98 × 1.05 − 1 = +2.9%.
    // Jan: −10% then +10% → 0.9 × 1.1 − 1 = −1%. Feb: +10% on one day.
    const series: [string, number][] = [
      ["2023-11-29", 100],
      ["2023-11-30", 102],
      ["2023-12-01", 99.96],
      ["2023-12-29", 104.958],
      ["2024-01-02", 94.4622],
      ["2024-01-31", 103.90842],
      ["2024-02-01", 114.299262],
    ];
    const months = monthlyReturns(series.map(([d]) => day(d)), series.map(([, e]) => e));
    expect(months.map((m) => [m.year, m.month])).toEqual([[2023, 11], [2023, 12], [2024, 1], [2024, 2]]);
    const expected = [0.02, 0.029, -0.01, 0.1];
    months.forEach((m, i) => expect(m.value).toBeCloseTo(expected[i] as number, 12));
  });

  it("gives 0 for a one-day series, nothing for an empty one, NaN from a zero base", () => {
    expect(monthlyReturns([day("2024-03-15")], [5])).toEqual([{ year: 2024, month: 3, value: 0 }]);
    expect(monthlyReturns([], [])).toEqual([]);
    const broke = monthlyReturns([day("2024-03-29"), day("2024-04-01")], [0, 10]);
    expect(broke[1]?.value).toBeNaN();
  });

  it("rejects series of different lengths", () => {
    expect(() => monthlyReturns([day("2024-01-02")], [])).toThrow(/1 dates but 0 values/);
  });
});

describe("histogram", () => {
  it("has no bins without values (NaN and ±∞ ignored)", () => {
    expect(histogram([])).toEqual([]);
    expect(histogram([Number.NaN, Number.POSITIVE_INFINITY])).toEqual([]);
  });

  it("puts one value, or identical values, in one zero-width bin", () => {
    expect(histogram([42])).toEqual([{ lo: 42, hi: 42, count: 1 }]);
    expect(histogram([-5, -5, -5])).toEqual([{ lo: -5, hi: -5, count: 3 }]);
    expect(histogram([7, Number.NaN, 7])).toEqual([{ lo: 7, hi: 7, count: 2 }]);
  });

  it("bins on round edges with 0 as an edge, [lo, hi) and the last bin closed", () => {
    // range 750 / 4 bins = 187.5 → width 200, from −400 to 600.
    expect(histogram([-250, -100, 0, 50, 120, 499, 500], 4)).toEqual([
      { lo: -400, hi: -200, count: 1 },
      { lo: -200, hi: 0, count: 1 },
      { lo: 0, hi: 200, count: 3 },
      { lo: 200, hi: 400, count: 0 },
      { lo: 400, hi: 600, count: 2 },
    ]);
  });

  it("keeps the maximum in the last bin when it falls on an edge", () => {
    expect(histogram([0, 100], 2)).toEqual([{ lo: 0, hi: 50, count: 1 }, { lo: 50, hi: 100, count: 1 }]);
  });

  it("is not fooled by floating-point noise", () => {
    expect(histogram([0.1, 0.2, 0.3], 2)).toEqual([{ lo: 0.1, hi: 0.2, count: 1 }, { lo: 0.2, hi: 0.3, count: 2 }]);
  });

  it("counts every value once, about √n bins by default", () => {
    const values = Array.from({ length: 400 }, (_, i) => Math.sin(i) * 1000 + i);
    const bins = histogram(values);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(400);
    expect(bins.length).toBeGreaterThanOrEqual(10);
    expect(bins.length).toBeLessThanOrEqual(45);
    for (let i = 1; i < bins.length; i += 1) expect(bins[i]?.lo).toBe(bins[i - 1]?.hi);
  });

  it("picks widths of 1, 2, 2.5 or 5 × 10ᵏ", () => {
    expect([0.7, 1.2, 2.2, 3, 7, 187.5, 1000, 0.013].map(niceStep)).toEqual([1, 2, 2.5, 5, 10, 200, 1000, 0.02]);
  });
});

describe("positionPnl", () => {
  const fills: Fill[] = [
    { positionId: 2, leg: 0, action: "open", pnl: 0, fees: 0.65 },
    { positionId: 1, leg: 0, action: "open", pnl: 0, fees: 1.3 },
    { positionId: 1, leg: 1, action: "open", pnl: 0, fees: 1.3 },
    { positionId: 3, leg: 0, action: "open", pnl: 0, fees: 1 },
    { positionId: 3, leg: 1, action: "open", pnl: 0, fees: 1 },
    { positionId: 2, leg: 0, action: "close", pnl: -1000, fees: 0.65 },
    { positionId: 1, leg: 0, action: "close", pnl: 300, fees: 1.3 },
    { positionId: 1, leg: 1, action: "close", pnl: -120, fees: 1.3 },
    { positionId: 3, leg: 0, action: "close", pnl: 50, fees: 1 },
    { positionId: 4, leg: 0, action: "open", pnl: 0, fees: 2 },
  ];

  it("sums close pnl minus all fees per position, in id order, and tells closed from open", () => {
    const result = positionPnl(fills);
    expect(result.map((p) => [p.positionId, p.closed])).toEqual([[1, true], [2, true], [3, false], [4, false]]);
    // 300 − 120 − 4 × 1.3; −1000 − 2 × 0.65; 50 − 3 × 1; −2.
    const expected = [174.8, -1001.3, 47, -2];
    result.forEach((p, i) => expect(p.netPnl).toBeCloseTo(expected[i] as number, 10));
  });

  it("reads the fills of a trades table", () => {
    const table = new Table({
      position_id: int32([1, 1]),
      leg: int32([0, 0]),
      action: utf8(["open", "close"]),
      pnl: float64([0, 250]),
      fees: float64([1.5, 1.5]),
    });
    expect(readFills(table)).toEqual([
      { positionId: 1, leg: 0, action: "open", pnl: 0, fees: 1.5 },
      { positionId: 1, leg: 0, action: "close", pnl: 250, fees: 1.5 },
    ]);
    expect(positionPnl(readFills(table))).toEqual([{ positionId: 1, netPnl: 247, closed: true }]);
  });
});

describe("formatting", () => {
  it("formats each kind and shows missing values as an em dash", () => {
    expect(formatValue(0.3123, "percent")).toBe("31.23%");
    expect(formatValue(-1090, "dollars")).toBe("-$1,090.00");
    expect(formatValue(0.5, "ratio")).toBe("0.50");
    expect(formatValue(1760, "count")).toBe("1,760");
    expect(formatValue(21.44, "days")).toBe("21.4 days");
    expect(formatValue(null, "percent")).toBe("—");
    expect(formatValue(Number.NaN, "ratio")).toBe("—");
  });

  it("never writes a negative zero", () => {
    expect([formatValue(-0.001, "ratio"), formatValue(-0.00004, "percent"), formatValue(-0.001, "dollars")]).toEqual(["0.00", "0.00%", "$0.00"]);
  });

  it("signs percentages without a negative zero, and shortens axis dollars", () => {
    expect([0.0123, -0.004, -0.0004, 0].map((v) => signedPercent(v))).toEqual(["+1.2%", "-0.4%", "0.0%", "0.0%"]);
    expect([131_234, 1_250, -500, 2_500_000].map(compactDollars)).toEqual(["$131k", "$1.25k", "-$500", "$2.5M"]);
  });

  it("reads Arrow dates given as epoch ms, Date or bigint", () => {
    const ms = day("2024-02-29");
    expect([ms, new Date(ms), BigInt(ms)].map(toEpochMs)).toEqual([ms, ms, ms]);
    expect(toEpochMs(null)).toBeNaN();
  });
});
