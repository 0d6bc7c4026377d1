// series.arrow as the generator writes it: for an spx-like dataset, VIX = 100 × the first ticker's
// 30-day ATM implied volatility each trading day, from the variance that day's chain uses, to the
// cent; nothing for equity-like datasets.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareOutputDir } from "../src/datasets.js";
import { isoFromDays, parseIsoDate } from "../src/dates.js";
import { readManifest } from "../src/manifest.js";
import { readSeries, type SeriesPoint } from "../src/series.js";
import { VIX_YEARS, vixLevel } from "../src/synth/generate.js";
import { generateDataset, tradingDays, type GenerateOptions } from "../src/synth/index.js";
import { tickerModel } from "../src/synth/profiles.js";
import { Rng } from "../src/synth/rng.js";
import { RatePath, UnderlyingPath } from "../src/synth/underlying.js";
import { atmVol } from "../src/synth/vol-surface.js";
import { datasetKit, sha256 } from "./dataset-kit.js";

const { tempDir } = datasetKit("aegis-series-");

const cents = (x: number) => Math.round(x * 100) / 100;

const SPX: Omit<GenerateOptions, "out"> = { profile: "spx-like", tickers: ["SPX"], start: "2023-01-03", end: "2023-03-31", seed: 1 };

/**
 * The instantaneous variance of `ticker`'s path on each trading day, recomputed from the model
 * alone: the same streams the generator uses, stepped once a trading day (an spx-like path has no
 * earnings moves, and the rate moves only the price, not the variance).
 */
function variances(seed: number, ticker: string, start: string, end: string): { day: number; variance: number; model: ReturnType<typeof tickerModel> }[] {
  const days = tradingDays(parseIsoDate(start), parseIsoDate(end));
  const model = tickerModel("spx-like", Rng.stream(seed, "params", ticker));
  const path = new UnderlyingPath(model.path, Rng.stream(seed, "path", ticker));
  const rates = new RatePath(seed);
  return days.map((day, i) => {
    if (i > 0) path.step(rates.at(days[i - 1]!));
    return { day, variance: path.variance, model };
  });
}

describe("synthetic series: spx-like VIX", () => {
  let out: string;
  let vix: SeriesPoint[];

  beforeAll(async () => {
    out = tempDir();
    await generateDataset({ ...SPX, out });
    vix = readSeries(out);
  });

  it("writes one VIX value per trading day, in date order, to the cent", () => {
    const days = tradingDays(parseIsoDate("2023-01-03"), parseIsoDate("2023-03-31")).map(isoFromDays);
    expect(days).toHaveLength(62);
    expect(vix.map((p) => p.name)).toEqual(days.map(() => "VIX"));
    expect(vix.map((p) => p.date)).toEqual(days);
    for (const p of vix) expect(cents(p.value), p.date).toBe(p.value);
    const m = readManifest(out);
    const bytes = readFileSync(join(out, "series.arrow"));
    expect(m.series).toEqual({ path: "series.arrow", rows: 62, bytes: bytes.byteLength, sha256: sha256(bytes), names: ["VIX"], firstDate: "2023-01-03", lastDate: "2023-03-31" });
  });

  it("is 100 × atmVol(surface, the day's variance, 30/365), recomputed from the model", () => {
    const model = variances(1, "SPX", "2023-01-03", "2023-03-31");
    expect(vix.map((p) => p.value)).toEqual(model.map((d) => cents(100 * atmVol(d.model.surface, d.variance, 30 / 365))));
    expect(VIX_YEARS).toBe(30 / 365);

    // By hand, the first day: the variance is the model's v0 (no step yet). spx-like: κ = 3.5,
    // θ = 0.17² = 0.0289, premium 10%; T = 30/365, so κT = 0.287671 and (1 − e^(−κT))/(κT) = 0.869019.
    const { surface, path } = model[0]!.model;
    expect([surface.kappa, surface.theta, surface.premium]).toEqual([3.5, 0.17 * 0.17, 0.1]);
    const v0 = path.v0;
    expect(model[0]!.variance).toBe(v0);
    const x = 3.5 * (30 / 365);
    const byHand = 100 * 1.1 * Math.sqrt(0.0289 + (v0 - 0.0289) * ((1 - Math.exp(-x)) / x));
    expect(vix[0]!.value).toBe(cents(byHand));
    expect(vix[0]!.value).toBe(vixLevel(surface, v0));
    // seed 1: v0 = 0.0193191, so 100 × 1.1 × √(0.0289 − 0.0095809 × 0.869019) = 110 × √0.0205740
    // = 110 × 0.143437 = 15.778 → 15.78.
    expect(v0).toBeCloseTo(0.0193191, 6);
    expect(vix[0]).toEqual({ name: "VIX", date: "2023-01-03", value: 15.78 });
  });

  it("equals the chain's own 30-day at-the-money volatility", () => {
    // 2023-01-18 + 30 days = 2023-02-17, a listed (monthly) expiry: its smile at the forward, read off
    // the partition between the two strikes around it, is the VIX of that day.
    const table = tableFromIPC(readFileSync(join(out, "SPX", "2023.arrow")));
    const col = (name: string) => table.getChild(name)!.toArray() as ArrayLike<number>;
    const [trade, expiry, strike, vol, spot, r, q, yte] = ["tradeDate", "expirDate", "strike", "smvVol", "stkPx", "iRate", "divRate", "yte"].map(col);
    const day = parseIsoDate("2023-01-18") * 86_400_000;
    const exp = parseIsoDate("2023-02-17") * 86_400_000;
    const rows: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (trade![i] === day && expiry![i] === exp) rows.push(i);
    expect(rows.length).toBeGreaterThan(20);
    const i0 = rows[0]!;
    expect(yte![i0]).toBeCloseTo(30 / 365, 12);
    const forward = spot![i0]! * Math.exp((r![i0]! - q![i0]!) * yte![i0]!);
    const above = rows.find((i) => strike![i]! >= forward)!;
    const below = above - 1;
    expect(strike![below]!).toBeLessThan(forward);
    const k0 = Math.log(strike![below]! / forward);
    const k1 = Math.log(strike![above]! / forward);
    const atForward = vol![below]! + ((vol![above]! - vol![below]!) * (0 - k0)) / (k1 - k0);
    const value = vix.find((p) => p.date === "2023-01-18")!.value;
    // The cent of rounding, and a strike step's worth of the smile's curvature.
    expect(Math.abs(100 * atForward - value)).toBeLessThan(0.006);
  });

  it("stays in a plausible band for 7 years (2017–2023, recomputed from the model): 8 to 90", () => {
    const values = variances(1, "SPX", "2017-01-03", "2023-12-29").map((d) => vixLevel(d.model.surface, d.variance));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(8);
    expect(Math.max(...values)).toBeLessThanOrEqual(90);
    // And within the 3 months generated above.
    for (const p of vix) expect(p.value, p.date).toBeGreaterThanOrEqual(8);
    for (const p of vix) expect(p.value, p.date).toBeLessThanOrEqual(90);
  });

  it("gives the same series.arrow bytes for the same options, other bytes for another seed", async () => {
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    const short = { ...SPX, end: "2023-01-31" };
    await generateDataset({ ...short, out: a });
    await generateDataset({ ...short, out: b });
    await generateDataset({ ...short, seed: 2, out: c });
    expect(readFileSync(join(b, "series.arrow")).equals(readFileSync(join(a, "series.arrow")))).toBe(true);
    expect(readFileSync(join(c, "series.arrow")).equals(readFileSync(join(a, "series.arrow")))).toBe(false);
    // The same days as the longer dataset: a day's value does not depend on the end date.
    expect(readSeries(a)).toEqual(vix.filter((p) => p.date <= "2023-01-31"));
  });

  it("comes from the dataset's first ticker (the manifest's tickers are sorted), whatever the order of --tickers", async () => {
    const short = { ...SPX, end: "2023-01-20" };
    const ndxOnly = tempDir();
    await generateDataset({ ...short, tickers: ["NDX"], out: ndxOnly });
    const both = tempDir();
    await generateDataset({ ...short, tickers: ["SPX", "NDX"], out: both });
    const reversed = tempDir();
    await generateDataset({ ...short, tickers: ["NDX", "SPX"], out: reversed });
    expect(readManifest(both).tickers).toEqual(["NDX", "SPX"]);
    expect(readSeries(both)).toEqual(readSeries(ndxOnly));
    expect(readFileSync(join(reversed, "series.arrow")).equals(readFileSync(join(both, "series.arrow")))).toBe(true);
    expect(readSeries(both)).not.toEqual(vix.filter((p) => p.date <= "2023-01-20"));
  });

  it("is removed with the dataset by an overwrite, and not left behind by a failed run", async () => {
    const copy = tempDir();
    await generateDataset({ ...SPX, end: "2023-01-10", out: copy });
    expect(existsSync(join(copy, "series.arrow"))).toBe(true);
    prepareOutputDir(copy, true);
    expect(readdirSync(copy)).toEqual([]);
    // A manifest that cannot be written (a directory put in its way once the last day is done) fails
    // the run after series.arrow was written: everything the run wrote is removed again.
    const block = (p: { daysDone: number; daysTotal: number }) => {
      if (p.daysDone === p.daysTotal) mkdirSync(join(copy, "manifest.json.partial"), { recursive: true });
    };
    await expect(generateDataset({ ...SPX, end: "2023-01-10", out: copy, onProgress: block })).rejects.toThrow(/manifest\.json\.partial/);
    expect(readdirSync(copy)).toEqual(["manifest.json.partial"]);
  });

  it("writes no series for equity-like datasets", async () => {
    const eq = tempDir();
    const r = await generateDataset({ profile: "equity-like", tickers: ["AAA"], start: "2023-02-01", end: "2023-02-28", seed: 7, out: eq });
    expect(existsSync(join(eq, "series.arrow"))).toBe(false);
    expect("series" in r.manifest).toBe(false);
    expect(readFileSync(join(eq, "manifest.json"), "utf8")).not.toContain('"series"');
    expect(readSeries(eq)).toEqual([]);
  });
});
