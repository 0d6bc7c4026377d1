// Earnings in the synthetic generator (src/synth/earnings.ts): dates and reaction days by rule, the
// event variance by hand, the draws of the equity-like profile, and on a generated equity-like
// dataset the rows of events.arrow, the reaction-day move in the closes, the event variance in the
// surface, and what it looks like in the front expiry: a run-up before the report, a crush after.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoFromDays, parseIsoDate } from "../src/dates.js";
import { readEvents, type DatasetEvent } from "../src/events.js";
import { readManifest } from "../src/manifest.js";
import { quarterDayOffset } from "../src/synth/dividends.js";
import {
  earningsDayOffset,
  earningsLogMove,
  earningsSchedule,
  reactionIndex,
  withEarningsVariance,
  type EarningsParams,
} from "../src/synth/earnings.js";
import { generateDataset, tradingDays } from "../src/synth/index.js";
import { tickerModel } from "../src/synth/profiles.js";
import { Rng } from "../src/synth/rng.js";
import { RatePath, UnderlyingPath } from "../src/synth/underlying.js";
import { atmVol, smileVol } from "../src/synth/vol-surface.js";

const MS_PER_DAY = 86_400_000;

const tempRoots: string[] = [];
afterAll(() => {
  for (const root of tempRoots) rmSync(root, { recursive: true, force: true });
});

describe("earnings dates", () => {
  it("draw offsets from 18 to 50 days into the quarter", () => {
    expect(earningsDayOffset(0)).toBe(18);
    expect(earningsDayOffset(0.5)).toBe(34);
    expect(earningsDayOffset(0.999999)).toBe(50);
  });

  const year2023 = tradingDays(parseIsoDate("2023-01-03"), parseIsoDate("2023-12-29"));
  const iso = (days: readonly number[], i: number) => isoFromDays(days[i]!);
  const schedule = (p: EarningsParams, days: readonly number[]) =>
    earningsSchedule(p, days).map((e) => `${iso(days, e.date)} → ${iso(days, e.reaction)}`);

  it("fall on the first business day on or after the quarter's start plus the offset", () => {
    // Jan 1 + 50 = Feb 20, Presidents' Day; Apr 1 + 50 = May 21 and Jul 1 + 50 = Aug 20, Sundays;
    // Oct 1 + 50 = Nov 20, a Monday.
    const bmo = schedule({ dayOffset: 50, afterClose: false, moveSd: 0.05 }, year2023);
    expect(bmo).toEqual(["2023-02-21 → 2023-02-21", "2023-05-22 → 2023-05-22", "2023-08-21 → 2023-08-21", "2023-11-20 → 2023-11-20"]);
    // Jan 1 + 18 = Jan 19, a Thursday; Apr 19, Jul 19 (Wednesdays), Oct 19 (a Thursday).
    const early = schedule({ dayOffset: 18, afterClose: false, moveSd: 0.05 }, year2023);
    expect(early.map((s) => s.slice(0, 10))).toEqual(["2023-01-19", "2023-04-19", "2023-07-19", "2023-10-19"]);
  });

  it("react on the report's own day before the open, on the next trading day after the close", () => {
    expect(reactionIndex(7, false)).toBe(7);
    expect(reactionIndex(7, true)).toBe(8);
    // After the close: Jan 1 + 47 = Friday Feb 17, and Monday Feb 20 is Presidents' Day, so the
    // reaction is Tuesday's close; May 18 and Aug 17 are Thursdays; Nov 17 is a Friday.
    expect(schedule({ dayOffset: 47, afterClose: true, moveSd: 0.05 }, year2023)).toEqual([
      "2023-02-17 → 2023-02-21",
      "2023-05-18 → 2023-05-19",
      "2023-08-17 → 2023-08-18",
      "2023-11-17 → 2023-11-20",
    ]);
    expect(schedule({ dayOffset: 47, afterClose: false, moveSd: 0.05 }, year2023)).toEqual([
      "2023-02-17 → 2023-02-17",
      "2023-05-18 → 2023-05-18",
      "2023-08-17 → 2023-08-17",
      "2023-11-17 → 2023-11-17",
    ]);
  });

  it("leave out a report whose date or reaction day is outside the data", () => {
    const p: EarningsParams = { dayOffset: 50, afterClose: true, moveSd: 0.05 };
    // The data starts on the first report's date and ends on the last one's: its reaction day
    // (2023-11-21) is after the data, so that report is left out.
    const cut = tradingDays(parseIsoDate("2023-02-21"), parseIsoDate("2023-11-20"));
    expect(schedule(p, cut)).toEqual(["2023-02-21 → 2023-02-22", "2023-05-22 → 2023-05-23", "2023-08-21 → 2023-08-22"]);
    expect(earningsSchedule(p, cut)[0]).toEqual({ date: 0, reaction: 1 });
    // Before the open, the same span keeps the last report: its reaction is its own day.
    expect(schedule({ ...p, afterClose: false }, cut).at(-1)).toBe("2023-11-20 → 2023-11-20");
    // A report the day before the data is left out, though its reaction day is inside.
    const later = tradingDays(parseIsoDate("2023-02-22"), parseIsoDate("2023-12-29"));
    expect(schedule(p, later)[0]).toBe("2023-05-22 → 2023-05-23");
    expect(earningsSchedule(p, [])).toEqual([]);
  });
});

describe("earnings variance in the surface", () => {
  const today = parseIsoDate("2023-05-01");
  const event = { day: parseIsoDate("2023-05-10"), variance: 0.05 * 0.05 };

  it("adds moveSd² to the total variance of an expiry that spans the reaction day (by hand)", () => {
    // atm 0.30, moveSd 0.05, t = 10/365: √(0.09 + 0.0025 · 36.5) = √0.18125 = 0.425734…
    const exp = today + 10;
    expect(withEarningsVariance(0.3, 10 / 365, exp, today, event)).toBeCloseTo(0.4257346591, 9);
    // An expiry on the reaction day spans it (it settles on that day's close).
    expect(withEarningsVariance(0.3, 9 / 365, event.day, today, event)).toBeCloseTo(Math.sqrt(0.09 + 0.0025 * (365 / 9)), 12);
    // An expiry before it does not; nor does any expiry without a report ahead.
    expect(withEarningsVariance(0.3, 8 / 365, event.day - 1, today, event)).toBe(0.3);
    expect(withEarningsVariance(0.3, 10 / 365, exp, today, undefined)).toBe(0.3);
  });

  it("rises as the report nears (run-up) and is gone from the reaction day on (crush)", () => {
    const exp = event.day + 5;
    const vol = (day: number) => withEarningsVariance(0.3, (exp - day) / 365, exp, day, event);
    // 30, 10 and 6 days before the expiry: √(0.09 + 0.0025 · 365/t).
    expect(vol(exp - 30)).toBeCloseTo(Math.sqrt(0.09 + 0.0025 * (365 / 30)), 12); // 0.34701
    expect(vol(exp - 10)).toBeCloseTo(0.4257346591, 9);
    expect(vol(event.day - 1)).toBeCloseTo(Math.sqrt(0.09 + 0.0025 * (365 / 6)), 12); // 0.48391
    expect(vol(exp - 30)).toBeLessThan(vol(exp - 10));
    expect(vol(exp - 10)).toBeLessThan(vol(event.day - 1));
    expect(vol(event.day)).toBe(0.3);
    expect(vol(event.day + 1)).toBe(0.3);
  });

  it("moves the log price by moveSd·Z − moveSd²/2", () => {
    expect(earningsLogMove(0.05, 1)).toBeCloseTo(0.04875, 15);
    expect(earningsLogMove(0.05, -2)).toBeCloseTo(-0.10125, 15);
    expect(earningsLogMove(0.1, 0)).toBeCloseTo(-0.005, 15);
  });
});

describe("equity-like earnings parameters", () => {
  it("are drawn after every other parameter: offset, session (60% after the close), then the move", () => {
    const model = tickerModel("equity-like", Rng.stream(7, "params", "AAA"));
    // The stream's draws in order: four normals (price, vol, yield, starting variance), the
    // ex-dividend offset, then the earnings offset, the session and the size of the move.
    const rng = Rng.stream(7, "params", "AAA");
    for (let i = 0; i < 4; i++) rng.normal();
    expect(model.dividends).toEqual({ quarterDayOffset: quarterDayOffset(rng.uniform()) });
    const dayOffset = earningsDayOffset(rng.uniform());
    const afterClose = rng.uniform() < 0.6;
    const moveSd = Math.min(0.12, Math.max(0.02, 0.045 * Math.exp(0.35 * rng.normal())));
    expect(model.earnings).toEqual({ dayOffset, afterClose, moveSd });
    expect(model.earnings).toMatchObject({ dayOffset: 38, afterClose: true });
    expect(model.earnings!.moveSd).toBeCloseTo(0.0512283, 6);
    expect(tickerModel("spx-like", Rng.stream(7, "params", "SPX")).earnings).toBeUndefined();
  });
});

// AAA reports after the close, FFF before the open; with seed 7 both draw a 38-day offset (and a
// 41-day ex-dividend offset), so they report on the same days and react on different ones.
const SEED = 7;
const START = "2022-11-01";
const END = "2023-12-29";

/** The strike nearest the close of one expiry on one day, with its vol and time to expiry. */
interface AtmRow {
  strike: number;
  vol: number;
  t: number;
}

interface TickerData {
  days: number[];
  close: number[];
  rate: number[];
  divRate: number[];
  /** Per trading day: expiry → the row nearest the money. */
  atm: Map<number, AtmRow>[];
}

function readTicker(dir: string, ticker: string): TickerData {
  const data: TickerData = { days: [], close: [], rate: [], divRate: [], atm: [] };
  for (const p of readManifest(dir).partitions.filter((x) => x.ticker === ticker)) {
    const t = tableFromIPC(readFileSync(join(dir, p.path)));
    const col = (name: string) => t.getChild(name)!.toArray() as ArrayLike<number>;
    const [day, exp, strike, stkPx, vol, yte, iRate, divRate] = ["tradeDate", "expirDate", "strike", "stkPx", "smvVol", "yte", "iRate", "divRate"].map(col);
    for (let i = 0; i < t.numRows; i++) {
      const d = Math.round(day![i]! / MS_PER_DAY);
      if (data.days.at(-1) !== d) {
        data.days.push(d);
        data.close.push(stkPx![i]!);
        data.rate.push(iRate![i]!);
        data.divRate.push(divRate![i]!);
        data.atm.push(new Map());
      }
      const byExp = data.atm.at(-1)!;
      const e = Math.round(exp![i]! / MS_PER_DAY);
      const best = byExp.get(e);
      if (!best || Math.abs(strike![i]! - stkPx![i]!) < Math.abs(best.strike - stkPx![i]!)) byExp.set(e, { strike: strike![i]!, vol: vol![i]!, t: yte![i]! });
    }
  }
  return data;
}

describe("earnings in a generated equity-like dataset", () => {
  const tickers = ["AAA", "FFF"];
  let dir: string;
  let events: DatasetEvent[];
  const data = new Map<string, TickerData>();
  /** Per ticker: indices into its days of the reaction days, from the events and their sessions. */
  const reactions = new Map<string, number[]>();

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), "aegis-earnings-"));
    tempRoots.push(root);
    dir = join(root, "dataset");
    await generateDataset({ profile: "equity-like", tickers, start: START, end: END, seed: SEED, out: dir });
    events = readEvents(dir);
    for (const ticker of tickers) {
      const d = readTicker(dir, ticker);
      data.set(ticker, d);
      const mine = events.filter((e) => e.ticker === ticker && e.kind === "earnings");
      reactions.set(
        ticker,
        mine.map((e) => d.days.indexOf(parseIsoDate(e.date)) + (e.session === "amc" ? 1 : 0)),
      );
    }
  });

  it("writes one earnings row per quarter per ticker inside the data, with its session and no amount", () => {
    const earnings = events.filter((e) => e.kind === "earnings");
    // Oct 1 + 38 = Nov 8 (2022); Jan 1 + 38 = Feb 8, Apr 1 + 38 = May 9, Jul 1 + 38 = Aug 8,
    // Oct 1 + 38 = Nov 8 (2023): all weekdays, none a holiday.
    const dates = ["2022-11-08", "2023-02-08", "2023-05-09", "2023-08-08", "2023-11-08"];
    expect(earnings).toEqual([
      ...dates.map((date) => ({ ticker: "AAA", date, kind: "earnings", amount: null, session: "amc" })),
      ...dates.map((date) => ({ ticker: "FFF", date, kind: "earnings", amount: null, session: "bmo" })),
    ]);
    for (const ticker of tickers) {
      const quarters = earnings.filter((e) => e.ticker === ticker).map((e) => `${e.date.slice(0, 4)}Q${Math.ceil(Number(e.date.slice(5, 7)) / 3)}`);
      expect(quarters).toEqual(["2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4"]);
      // Each date is a trading day of the ticker's data.
      for (const e of earnings.filter((x) => x.ticker === ticker)) expect(data.get(ticker)!.days).toContain(parseIsoDate(e.date));
    }
    // The reaction days: the next trading day after the close (AAA), the report's day before the open (FFF).
    expect(reactions.get("AAA")!.map((i) => isoFromDays(data.get("AAA")!.days[i]!))).toEqual(["2022-11-09", "2023-02-09", "2023-05-10", "2023-08-09", "2023-11-09"]);
    expect(reactions.get("FFF")!.map((i) => isoFromDays(data.get("FFF")!.days[i]!))).toEqual(dates);
  });

  it("moves the close on each reaction day by the report's move, from its own stream, and leaves the path's draws as they were", () => {
    for (const ticker of tickers) {
      const d = data.get(ticker)!;
      const model = tickerModel("equity-like", Rng.stream(SEED, "params", ticker));
      const moveSd = model.earnings!.moveSd;
      // The same path without earnings, and the moves drawn from the "earnings" stream in order.
      const free = new UnderlyingPath(model.path, Rng.stream(SEED, "path", ticker));
      const rates = new RatePath(SEED);
      const z = Rng.stream(SEED, "earnings", ticker);
      const reactionDays = new Set(reactions.get(ticker)!);
      let moved = 0;
      let biggest = 0;
      for (let i = 0; i < d.days.length; i++) {
        if (i > 0) free.step(rates.at(d.days[i - 1]!));
        if (reactionDays.has(i)) {
          const move = earningsLogMove(moveSd, z.normal());
          moved += move;
          biggest = Math.max(biggest, Math.abs(move));
        }
        // Both closes are rounded to the cent.
        const expected = free.close * Math.exp(moved);
        const slack = 0.005 * (1 + Math.exp(moved)) + 1e-9;
        if (Math.abs(d.close[i]! - expected) > slack) {
          throw new Error(`${ticker} ${isoFromDays(d.days[i]!)}: close ${d.close[i]}, expected ${expected} (the path without earnings moved by ${moved})`);
        }
      }
      // The moves are there to be seen: at least one of these reports moved the stock by more than 4%.
      expect(biggest).toBeGreaterThan(0.04);
    }
  });

  it("prices the next report's variance into exactly the expiries that span its reaction day", () => {
    for (const ticker of tickers) {
      const d = data.get(ticker)!;
      const model = tickerModel("equity-like", Rng.stream(SEED, "params", ticker));
      const { surface } = model;
      const variance = model.earnings!.moveSd ** 2;
      const path = new UnderlyingPath(model.path, Rng.stream(SEED, "path", ticker)); // its variance is the dataset's
      const rates = new RatePath(SEED);
      const reactionDays = reactions.get(ticker)!.map((i) => d.days[i]!);
      let spanning = 0;
      let rows = 0;
      for (let i = 0; i < d.days.length; i++) {
        if (i > 0) path.step(rates.at(d.days[i - 1]!));
        const day = d.days[i]!;
        const next = reactionDays.find((r) => r > day);
        const event = next === undefined ? undefined : { day: next, variance };
        const [spot, r, q] = [d.close[i]!, d.rate[i]!, d.divRate[i]!];
        for (const [exp, row] of d.atm[i]!) {
          const atm = withEarningsVariance(atmVol(surface, path.variance, row.t), row.t, exp, day, event);
          if (next !== undefined && exp >= next) {
            spanning++;
            expect(atm).toBeGreaterThan(atmVol(surface, path.variance, row.t));
          }
          const forward = (spot * Math.exp(-q * row.t)) / Math.exp(-r * row.t);
          const expected = smileVol(surface, atm, Math.log(row.strike / forward), Math.sqrt(row.t));
          if (row.vol !== expected) throw new Error(`${ticker} ${isoFromDays(day)} ${isoFromDays(exp)} ${row.strike}: smvVol ${row.vol}, expected ${expected}`);
          rows++;
        }
      }
      // Most expiries of most days span the next report.
      expect(spanning).toBeGreaterThan(rows / 2);
    }
  });

  it("shows a run-up in the front expiry's ATM vol before the reaction day and a crush on it", () => {
    for (const ticker of tickers) {
      const d = data.get(ticker)!;
      const r: { crush: number[]; runUp: number[]; crush30: number[] } = { crush: [], runUp: [], crush30: [] };
      for (const e of reactions.get(ticker)!) {
        if (e < 1) continue;
        const before = d.atm[e - 1]!;
        const on = d.atm[e]!;
        // Expiries that span the reaction day and are still listed on it, nearest first.
        const spanning = [...before.keys()].filter((x) => x > d.days[e]! && on.has(x)).sort((a, b) => a - b);
        const front = spanning[0]!;
        r.crush.push(before.get(front)!.vol / on.get(front)!.vol);
        if (e >= 10) r.runUp.push(before.get(front)!.vol / d.atm[e - 10]!.get(front)!.vol);
        const month = spanning.reduce((a, b) => (Math.abs(b - d.days[e - 1]! - 30) < Math.abs(a - d.days[e - 1]! - 30) ? b : a));
        r.crush30.push(before.get(month)!.vol / on.get(month)!.vol);
      }
      // Five reports; the first (2022-11-08) is within 10 trading days of the data's start.
      expect([r.crush.length, r.runUp.length]).toEqual([5, 4]);
      for (const x of r.crush) expect(x, `${ticker} crush`).toBeGreaterThanOrEqual(1.2);
      for (const x of r.runUp) expect(x, `${ticker} run-up`).toBeGreaterThanOrEqual(1.2);
      // The expiry about a month out loses less: the report's variance was spread over more time.
      for (const x of r.crush30) expect(x, `${ticker} 30-day crush`).toBeGreaterThan(1);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(r.crush30)).toBeLessThan(mean(r.crush));
    }
  });
});
