// Hand-computed cases for the tearsheet's computations: rolling Sharpe and volatility, yearly
// returns, drawdown periods, a benchmark's buy-and-hold, and the entries and exits drawn on a
// ticker's close; and the readers of market.arrow and strategies.arrow.
import { Table, vectorFromArray, Float64 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  buyAndHold, closesOn, drawdownPeriods, periodReturns, readMarket, readStrategyCurves, rollingSharpeVol, tradeMarks, worstDrawdowns, yearKey, yearlyReturns,
  type MarketSeries, type PositionRow,
} from "../src/report/index.js";
import { checkMarketKinds } from "../src/report/market.js";
import { date32, float64, int32, utf8 } from "./report-fixture.js";

const DAY_MS = 86_400_000;
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe("rollingSharpeVol", () => {
  it("annualises each window's mean over its sample deviation, and the deviation, with 252 days", () => {
    // window 3 over the returns after day 0 (whose 0 is a placeholder):
    // days 1–3, r = 1%, 3%, 2%: mean 2%, sample sd √((1² + 1² + 0²)/2) % = 1% → Sharpe 2√252, vol 0.01√252.
    // days 2–4, r = 3%, 2%, −1%: mean 4/300, deviations 5, 2, −7 (/300) → sd √(78/2)/300 = √39/300 →
    //   Sharpe (4/300)/(√39/300)·√252 = 4√(252/39), vol √39·√252/300.
    const dates = [0, 1, 2, 3, 4].map((d) => d * DAY_MS);
    const points = rollingSharpeVol(dates, [0, 0.01, 0.03, 0.02, -0.01], 3);
    expect(points.map((p) => p.date)).toEqual([3 * DAY_MS, 4 * DAY_MS]);
    expect(points[0]?.sharpe).toBeCloseTo(2 * Math.sqrt(252), 10);
    expect(points[0]?.volatility).toBeCloseTo(0.01 * Math.sqrt(252), 12);
    expect(points[1]?.sharpe).toBeCloseTo(4 * Math.sqrt(252 / 39), 10);
    expect(points[1]?.volatility).toBeCloseTo((Math.sqrt(39) * Math.sqrt(252)) / 300, 12);
  });

  it("never counts the first day's return, so its value does not matter (the engine's √504 case)", () => {
    // r = [1%, 3%]: mean 2%, sd 0.01√2 → Sharpe √2·√252 = √504, as the engine's own Sharpe test.
    const [point] = rollingSharpeVol([0, DAY_MS, 2 * DAY_MS], [5, 0.01, 0.03], 2);
    expect(point?.sharpe).toBeCloseTo(Math.sqrt(504), 10);
  });

  it("starts on day index 126 by default, and gives 0 for a window without variation (rounding noise included)", () => {
    const n = 130;
    const dates = Array.from({ length: n }, (_, i) => i * DAY_MS);
    const flat = rollingSharpeVol(dates, dates.map(() => 0.001));
    expect(flat.map((p) => p.date / DAY_MS)).toEqual([126, 127, 128, 129]);
    for (const p of flat) expect([p.sharpe, p.volatility]).toEqual([0, 0]);
    for (const p of rollingSharpeVol(dates, dates.map(() => 0))) expect([p.sharpe, p.volatility]).toEqual([0, 0]);
    expect(rollingSharpeVol(dates.slice(0, 126), dates.slice(0, 126).map(() => 0.01))).toEqual([]);
  });

  it("refuses series of different lengths and a window under 2", () => {
    expect(() => rollingSharpeVol([0], [])).toThrow(/1 dates but 0 returns/);
    expect(() => rollingSharpeVol([0, 1], [0, 0], 1)).toThrow(/window of 1/);
  });
});

describe("yearlyReturns", () => {
  const dates = ["2023-12-28", "2023-12-29", "2024-01-02", "2024-06-03", "2024-12-31", "2025-01-02"].map(day);
  const equity = [100, 110, 99, 121, 115, 126.5];

  it("compounds each year from the previous year-end and finds its deepest drawdown from that base", () => {
    // 2023: 110/100 − 1 = 10%, never below its peak. 2024: 115/110 − 1; from the base 110, 99 is −10%
    // (121 is a new peak, 115/121 − 1 ≈ −4.96% is shallower). 2025: 126.5/115 − 1 = 10%.
    const years = yearlyReturns(dates, equity);
    expect(years.map((y) => y.year)).toEqual([2023, 2024, 2025]);
    expect(years.map((y) => y.benchmark)).toEqual([null, null, null]);
    const expected = [[0.1, 0], [115 / 110 - 1, -0.1], [0.1, 0]];
    years.forEach((y, i) => {
      expect(y.value).toBeCloseTo((expected[i] as number[])[0] as number, 12);
      expect(y.maxDrawdown).toBeCloseTo((expected[i] as number[])[1] as number, 12);
    });
  });

  it("adds the benchmark's price return by year, from its first known close, NaN for a year without one", () => {
    const closes = [Number.NaN, Number.NaN, 20, 25, 30, 33];
    const years = yearlyReturns(dates, equity, closes);
    expect(years[0]?.benchmark).toBeNaN();
    expect(years[1]?.benchmark).toBeCloseTo(0.5, 12); // 30 / 20 − 1
    expect(years[2]?.benchmark).toBeCloseTo(0.1, 12); // 33 / 30 − 1
  });

  it("shares the month's compounding: periodReturns by year gives the same returns", () => {
    expect(periodReturns(dates, equity, yearKey).map((p) => [p.key, p.first, p.last])).toEqual([[2023, 0, 1], [2024, 2, 4], [2025, 5, 5]]);
  });
});

describe("drawdownPeriods and worstDrawdowns", () => {
  it("measures a recovered drawdown from its peak to the first day back at it", () => {
    // peak 110 on day 1, trough 99 on day 2 (−10%), back above on day 3: 3 − 1 = 2 days.
    expect(drawdownPeriods([100, 110, 99, 121])).toEqual([{ peak: 1, trough: 2, recovery: 3, depth: 99 / 110 - 1, length: 2 }]);
  });

  it("counts an unrecovered drawdown to the last day", () => {
    // peak 120 on day 1, trough 90 on day 2 (−25%), never back: 4 − 1 = 3 days.
    expect(drawdownPeriods([100, 120, 90, 100, 110])).toEqual([{ peak: 1, trough: 2, recovery: null, depth: -0.25, length: 3 }]);
  });

  it("keeps a second dip inside a drawdown in that drawdown, and a day equal to the peak ends it", () => {
    // 100 → 90 → 95 → 92 → 100: one period (peak 0, trough day 1, −10%, back at 100 on day 4, 4 days);
    // then 80 on day 5 (−20% from the new peak on day 4) and 101 on day 6: 2 days.
    const equity = [100, 90, 95, 92, 100, 80, 101];
    const first = { peak: 0, trough: 1, recovery: 4, depth: 90 / 100 - 1, length: 4 };
    const second = { peak: 4, trough: 5, recovery: 6, depth: 80 / 100 - 1, length: 2 };
    expect(drawdownPeriods(equity)).toEqual([first, second]);
    // Fewer than five: all of them, deepest first.
    expect(worstDrawdowns(equity)).toEqual([second, first]);
  });

  it("lists the five deepest of more, deepest first, equal depths in time order", () => {
    // Seven dips from 100: −1%, −3%, −2%, −5%, −4%, −5% (ties the fourth), −7% (not recovered).
    const equity = [100, 99, 100, 97, 100, 98, 100, 95, 100, 96, 100, 95, 100, 93];
    const worst = worstDrawdowns(equity, 5);
    expect(worst.map((p) => [p.peak, p.trough, p.recovery])).toEqual([[12, 13, null], [6, 7, 8], [10, 11, 12], [8, 9, 10], [2, 3, 4]]);
    expect(worst.map((p) => Number(p.depth.toFixed(10)))).toEqual([-0.07, -0.05, -0.05, -0.04, -0.03]);
    expect(worst[0]?.length).toBe(1);
  });

  it("finds no drawdown in a rising, flat, single-day or empty series", () => {
    for (const equity of [[100, 101, 102], [100, 100, 100], [100], []]) expect(drawdownPeriods(equity)).toEqual([]);
  });

  it("agrees with the engine's max_drawdown_days on its own cases: the longest period's length", () => {
    const cases: [number[], number][] = [
      [[100, 110, 99, 121], 2],
      [[100, 120, 90, 100, 110], 3],
      [[100, 90, 95, 100, 80, 101], 3],
      [[100, 99, 100, 105, 104, 103, 104.9], 3],
      [[100, 90], 1],
    ];
    for (const [equity, days] of cases) expect(Math.max(...drawdownPeriods(equity).map((p) => p.length)), String(equity)).toBe(days);
  });
});

describe("the benchmark's buy-and-hold", () => {
  it("puts the capital in at the first known close and holds it", () => {
    // 100,000 at 50: 2,000 units; 55 → 110,000, 40 → 80,000; no price → no value.
    const values = buyAndHold([Number.NaN, 50, 55, Number.NaN, 40], 100_000);
    expect(values[0]).toBeNaN();
    expect(values.slice(1, 3)).toEqual([100_000, 110_000]);
    expect(values[3]).toBeNaN();
    expect(values[4]).toBe(80_000);
  });

  it("has no value at all without a positive first close", () => {
    for (const closes of [[0, 10], [-5, 10], [Number.NaN]]) for (const v of buyAndHold(closes, 1000)) expect(v).toBeNaN();
  });

  it("aligns a series' closes on the run's days", () => {
    const series: MarketSeries = { name: "SPX", kind: "ticker", dates: [day("2024-01-02"), day("2024-01-03")], closes: [10, Number.NaN] };
    const aligned = closesOn(series, [day("2024-01-01"), day("2024-01-02"), day("2024-01-03")]);
    expect(aligned[1]).toBe(10);
    expect(aligned.filter(Number.isNaN)).toHaveLength(2);
  });
});

describe("market.arrow and strategies.arrow", () => {
  const d = (i: number) => day("2024-03-01") / DAY_MS + i;
  const market = new Table({
    date: date32([d(0), d(0), d(0), d(1), d(1), d(1)]),
    name: utf8(["SPX", "ACME", "VIX", "SPX", "ACME", "VIX"]),
    kind: utf8(["ticker", "ticker", "series", "ticker", "ticker", "series"]),
    close: vectorFromArray([4000, null, 14.5, 4040, 150, 15], new Float64()),
  });

  it("groups market.arrow by name in the order names first appear, null closes as NaN", () => {
    const series = readMarket(market);
    expect(series.map((s) => [s.name, s.kind])).toEqual([["SPX", "ticker"], ["ACME", "ticker"], ["VIX", "series"]]);
    expect(series[0]?.closes).toEqual([4000, 4040]);
    expect(series[1]?.closes[0]).toBeNaN();
    expect(series[2]?.dates.map(iso)).toEqual(["2024-03-01", "2024-03-02"]);
  });

  it("refuses a kind that is neither ticker nor series, naming the row", () => {
    const bad = new Table({ date: date32([d(0), d(0)]), name: utf8(["SPX", "X"]), kind: utf8(["ticker", "index"]), close: float64([1, 2]) });
    expect(() => checkMarketKinds(bad)).toThrow('column `kind` should be "ticker" or "series", found "index" in row 1');
    expect(() => checkMarketKinds(market)).not.toThrow();
  });

  it("reads each strategy's equity curve from strategies.arrow, in scenario order", () => {
    const table = new Table({
      date: date32([d(0), d(0), d(1), d(1)]),
      strategy: utf8(["put", "condor", "put", "condor"]),
      equity: float64([60_000, 40_000, 60_500, 39_800]),
      pnl: float64([0, 0, 500, -200]),
      daily_return: float64([0, 0, 500 / 60_000, -0.005]),
      drawdown: float64([0, 0, 0, -0.005]),
      open_positions: int32([0, 0, 1, 1]),
    });
    expect(readStrategyCurves(table)).toEqual([
      { name: "put", dates: [d(0) * DAY_MS, d(1) * DAY_MS], equity: [60_000, 60_500], pnl: [0, 500] },
      { name: "condor", dates: [d(0) * DAY_MS, d(1) * DAY_MS], equity: [40_000, 39_800], pnl: [0, -200] },
    ]);
  });
});

describe("tradeMarks", () => {
  const dates = [0, 1, 2, 3, 4].map((i) => day("2024-05-06") + i * DAY_MS);
  const series: MarketSeries = { name: "SPX", kind: "ticker", dates, closes: [Number.NaN, 10, 11, 12, 13] };
  const position = (p: Partial<PositionRow>): PositionRow => ({
    positionId: 1, ticker: "SPX", opened: dates[1] as number, closed: dates[3] as number, legs: 2, rolls: 0, units: 1, premium: 1, pnl: 5, fees: 1, dividends: 0,
    bySource: { delta: 0, gamma: 0, theta: 0, vega: 0, residual: 0, hedge: 0, other: 5 }, reason: "profit_target", ...p,
  });

  it("marks each position of the ticker at its opening and closing day's close, and nothing where the close is unknown", () => {
    const marks = tradeMarks(series, [
      position({}),
      position({ positionId: 2, ticker: "ACME" }),
      position({ positionId: 3, opened: dates[0] as number, closed: dates[4] as number, pnl: -2 }),
      position({ positionId: 4, legs: 0, reason: "hedge" }), // the ticker's hedge book: not a trade
    ]);
    expect(marks.entries.map((m) => [m.positionId, m.price])).toEqual([[1, 10]]);
    expect(marks.exits.map((m) => [m.positionId, m.price, m.pnl])).toEqual([[1, 12, 5], [3, 13, -2]]);
  });
});
