// events.arrow as the generator writes it: quarterly ex-dividends (and earnings: synth-earnings.test.ts)
// for equity-like tickers, none for spx-like, amounts from the chain's own yield and closes, and the
// manifest entry that lists the file.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareOutputDir } from "../src/datasets.js";
import { daysFromYmd, isoFromDays, parseIsoDate } from "../src/dates.js";
import { EVENT_COLUMNS, decodeEvents, eventsFileBytes, readEvents, type DatasetEvent } from "../src/events.js";
import { readManifest, type Manifest } from "../src/manifest.js";
import { exDividendIndices, quarterDayOffset } from "../src/synth/dividends.js";
import { generateDataset, tradingDays, type GenerateOptions } from "../src/synth/index.js";

const tempRoots: string[] = [];
function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), "aegis-events-"));
  tempRoots.push(root);
  return join(root, "dataset");
}
afterAll(() => {
  for (const root of tempRoots) rmSync(root, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const EQUITY: Omit<GenerateOptions, "out"> = {
  profile: "equity-like",
  tickers: ["AAA", "BBB"],
  start: "2022-11-01",
  end: "2023-12-29",
  seed: 7,
};

/** Each ticker's close and divRate by trade date, from its partitions. */
function closesOf(dir: string): Map<string, Map<string, { close: number; divRate: number }>> {
  const out = new Map<string, Map<string, { close: number; divRate: number }>>();
  for (const p of readManifest(dir).partitions) {
    const t = tableFromIPC(readFileSync(join(dir, p.path)));
    const day = t.getChild("tradeDate")!.toArray() as ArrayLike<number>;
    const close = t.getChild("stkPx")!.toArray() as Float64Array;
    const q = t.getChild("divRate")!.toArray() as Float64Array;
    const byDate = out.get(p.ticker) ?? new Map();
    for (let i = 0; i < t.numRows; i++) byDate.set(isoFromDays(Math.round(day[i]! / 86_400_000)), { close: close[i]!, divRate: q[i]! });
    out.set(p.ticker, byDate);
  }
  return out;
}

describe("synthetic events: equity-like", () => {
  let out: string;
  let events: DatasetEvent[];

  beforeAll(async () => {
    out = tempDir();
    await generateDataset({ ...EQUITY, out });
    events = readEvents(out);
  });

  it("writes events.arrow with the contract's columns, listed in the manifest after the partitions", () => {
    const bytes = readFileSync(join(out, "events.arrow"));
    const table = tableFromIPC(bytes);
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ["ticker", "Dictionary<Int32, Utf8>", false],
      ["date", "Date32<DAY>", false],
      ["kind", "Dictionary<Int32, Utf8>", false],
      ["amount", "Float64", true],
      ["session", "Utf8", true],
    ]);
    expect(table.schema.fields.map((f) => f.name)).toEqual([...EVENT_COLUMNS]);
    const m = readManifest(out);
    expect(Object.keys(m)).toEqual(["schemaVersion", "name", "createdBy", "source", "tickers", "partitions", "events"]);
    expect(m.events).toEqual({
      path: "events.arrow",
      rows: events.length,
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
      firstDate: events[0]!.date,
      lastDate: events.map((e) => e.date).sort().at(-1),
    });
    expect(readdirSync(out).sort()).toEqual(["AAA", "BBB", "events.arrow", "manifest.json"]);
  });

  it("gives each ticker one ex-dividend per quarter, on a trading day, at its own offset into the quarter", () => {
    const closes = closesOf(out);
    // Besides the earnings dates, only ex-dividends.
    const dividends = events.filter((e) => e.kind !== "earnings");
    expect(dividends.every((e) => e.kind === "ex_dividend" && e.session === null)).toBe(true);
    expect(dividends.map((e) => `${e.ticker} ${e.date}`)).toEqual([
      "AAA 2022-11-11",
      "AAA 2023-02-13", // 2023-02-11 is a Saturday
      "AAA 2023-05-12",
      "AAA 2023-08-11",
      "AAA 2023-11-13", // 2023-11-11 is a Saturday
      "BBB 2023-01-30", // its 2022 Q4 date, 2022-10-30, was before the data
      "BBB 2023-04-28",
      "BBB 2023-07-28",
      "BBB 2023-10-30",
    ]);
    for (const ticker of EQUITY.tickers) {
      const mine = dividends.filter((e) => e.ticker === ticker);
      const quarters = mine.map((e) => e.date.slice(0, 4) + "Q" + Math.ceil(Number(e.date.slice(5, 7)) / 3));
      expect(new Set(quarters).size).toBe(quarters.length);
      const offsets = mine.map((e) => {
        const d = parseIsoDate(e.date);
        const [y, m] = [Number(e.date.slice(0, 4)), Number(e.date.slice(5, 7))];
        return d - daysFromYmd(y, m - ((m - 1) % 3), 1);
      });
      // The same calendar offset each quarter, moved on by at most a weekend and a holiday.
      expect(Math.max(...offsets) - Math.min(...offsets)).toBeLessThanOrEqual(3);
      expect(Math.min(...offsets)).toBeGreaterThanOrEqual(15);
      for (const e of mine) expect(closes.get(ticker)!.has(e.date), e.date).toBe(true);
    }
  });

  it("pays the yield the chain prices with: divRate × previous close / 4, to the cent", () => {
    const closes = closesOf(out);
    const dividends = events.filter((e) => e.kind === "ex_dividend");
    expect(dividends).toHaveLength(9);
    for (const e of dividends) {
      const dates = [...closes.get(e.ticker)!.keys()].sort();
      const before = closes.get(e.ticker)!.get(dates[dates.indexOf(e.date) - 1]!)!;
      expect(Math.abs(e.amount! - (before.divRate * before.close) / 4), `${e.ticker} ${e.date}`).toBeLessThanOrEqual(0.005 + 1e-12);
      expect(Math.round(e.amount! * 100)).toBeCloseTo(e.amount! * 100, 9);
    }
    // Checked by hand: AAA yields 0.75% (divRate 0.0075), BBB 0.67%. (The closes are aegis-synth/3's:
    // the earnings moves since the first reaction day, 2022-11-09, changed them.)
    const hand = [
      { ticker: "AAA", date: "2023-02-13", before: "2023-02-10", close: 108.61, q: 0.0075, amount: 0.2 }, // 0.20364375
      { ticker: "AAA", date: "2023-05-12", before: "2023-05-11", close: 136.46, q: 0.0075, amount: 0.26 }, // 0.2558625
      { ticker: "BBB", date: "2023-07-28", before: "2023-07-27", close: 215.48, q: 0.0067, amount: 0.36 }, // 0.3609290
    ];
    for (const h of hand) {
      expect(closes.get(h.ticker)!.get(h.before)).toEqual({ close: h.close, divRate: h.q });
      expect(events.find((e) => e.ticker === h.ticker && e.date === h.date && e.kind === "ex_dividend")?.amount).toBe(h.amount);
    }
  });

  it("is removed with the dataset by an overwrite", () => {
    const copy = tempDir();
    return generateDataset({ ...EQUITY, end: "2022-12-30", out: copy }).then(() => {
      expect(existsSync(join(copy, "events.arrow"))).toBe(true);
      prepareOutputDir(copy, true);
      expect(readdirSync(copy)).toEqual([]);
    });
  });
});

describe("synthetic events: spx-like and determinism", () => {
  it("writes no events.arrow and no manifest entry for spx-like", async () => {
    const out = tempDir();
    const r = await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-02-01", end: "2023-02-28", seed: 1, out });
    expect(existsSync(join(out, "events.arrow"))).toBe(false);
    expect("events" in r.manifest).toBe(false);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).not.toContain('"events"');
    expect(readEvents(out)).toEqual([]);
  });

  async function generate(opts: Omit<GenerateOptions, "out">): Promise<{ dir: string; bytes: Buffer; manifest: Buffer }> {
    const dir = tempDir();
    await generateDataset({ ...opts, out: dir });
    return { dir, bytes: readFileSync(join(dir, "events.arrow")), manifest: readFileSync(join(dir, "manifest.json")) };
  }
  const base = { ...EQUITY, end: "2023-04-28" };

  it("gives the same events.arrow bytes for the same options, whatever the order of the tickers", async () => {
    const a = await generate(base);
    const b = await generate(base);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(b.manifest.equals(a.manifest)).toBe(true);
    const reordered = await generate({ ...base, tickers: ["BBB", "AAA"] });
    expect(reordered.bytes.equals(a.bytes)).toBe(true);
    const other = await generate({ ...base, seed: 8 });
    expect(other.bytes.equals(a.bytes)).toBe(false);
  });

  it("leaves the other tickers' events as they were when a ticker is added", async () => {
    const two = readEvents((await generate(base)).dir);
    const three = readEvents((await generate({ ...base, tickers: ["AAA", "BBB", "CCC"] })).dir);
    expect(three.filter((e) => e.ticker !== "CCC")).toEqual(two);
    expect(three.filter((e) => e.ticker === "CCC").length).toBeGreaterThan(0);
  });
});

describe("partitions: spx-like still aegis-synth/1's bytes, equity-like aegis-synth/3's", () => {
  // spx-like: the hashes aegis-synth/1 gave for these options. Neither dividends (aegis-synth/2) nor
  // earnings (aegis-synth/3) touch an spx-like ticker, and the VIX series (aegis-synth/4) draws
  // nothing, so its partitions are the same bytes and its manifest differs only in the generator's
  // name and the added `series` entry. Equity-like: the hashes of aegis-synth/3, whose earnings moved
  // the paths (both tickers report in this window: AAA on 2023-05-09, BBB on 2023-04-24) and added
  // the event variance to the surfaces; aegis-synth/1 and /2 gave dcf7b71d… (AAA) and 1d1ae1f3…
  // (BBB). aegis-synth/4 changed no equity-like byte: the partitions and events.arrow are
  // aegis-synth/3's. A change here changes generated datasets: bump GENERATOR_VERSION.
  it("are the same bytes for spx-like (its manifest differs only in the generator and the series entry) and changed for equity-like", async () => {
    const eq = tempDir();
    await generateDataset({ profile: "equity-like", tickers: ["AAA", "BBB"], start: "2023-04-03", end: "2023-05-31", seed: 7, out: eq });
    expect(sha256(readFileSync(join(eq, "AAA", "2023.arrow")))).toBe("19b02115f0875ed0a4bad7030cfdbbdc6f48a3afd622c0e9699e73aaf8e75d39");
    expect(sha256(readFileSync(join(eq, "BBB", "2023.arrow")))).toBe("ca78a151701866117a62951f6d5a3f1f54d8228167e6eb5d8a40c66871675d05");
    expect(sha256(readFileSync(join(eq, "events.arrow")))).toBe("0c05991b9e2b1de2157fd0c782a7661fef3c828aac2a4a8931cf20ab082de810");
    expect(existsSync(join(eq, "series.arrow"))).toBe(false);

    const spx = tempDir();
    await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-03-01", end: "2023-03-14", seed: 3, out: spx });
    expect(sha256(readFileSync(join(spx, "SPX", "2023.arrow")))).toBe("43defa38f88779ac5ab799067e2fb6f7567c9eeaf05fefebdf05d14bf439ee55");
    const text = readFileSync(join(spx, "manifest.json"), "utf8");
    const { series, ...rest } = JSON.parse(text) as Manifest;
    // The series entry stands right after the partitions (there are no events) and lists series.arrow.
    expect(Object.keys(JSON.parse(text))).toEqual(["schemaVersion", "name", "createdBy", "source", "tickers", "partitions", "series"]);
    const bytes = readFileSync(join(spx, "series.arrow"));
    expect(series).toEqual({ path: "series.arrow", rows: 10, bytes: bytes.byteLength, sha256: sha256(bytes), names: ["VIX"], firstDate: "2023-03-01", lastDate: "2023-03-14" });
    // Without it, and with aegis-synth/1's generator and createdBy, the manifest is aegis-synth/1's, byte for byte.
    expect(rest.source).toMatchObject({ generator: "aegis-synth/4" });
    const before = `${JSON.stringify({ ...rest, source: { ...rest.source, generator: "aegis-synth/1" } }, null, 2)}\n`.replace(
      /"createdBy": "[^"]*"/,
      `"createdBy": "aegis-data 0.1.0"`, // as it was then
    );
    expect(sha256(Buffer.from(before))).toBe("3bfbb2805db9365ff574a05de1dc52c1093838c9e1e0ba579502ebeaae8957d0");
  });
});

describe("ex-dividend dates", () => {
  it("draw offsets from 15 to 75 days into the quarter", () => {
    expect(quarterDayOffset(0)).toBe(15);
    expect(quarterDayOffset(0.999999)).toBe(75);
  });

  it("fall on the first business day on or after the quarter's start plus the offset, after the first day of data", () => {
    const days = tradingDays(parseIsoDate("2023-01-03"), parseIsoDate("2023-12-29"));
    const dates = exDividendIndices({ quarterDayOffset: 15 }, days).map((i) => isoFromDays(days[i]!));
    // Jan 16 is Martin Luther King Jr. Day; Apr 16 and Jul 16 are Sundays.
    expect(dates).toEqual(["2023-01-17", "2023-04-17", "2023-07-17", "2023-10-16"]);
    const late = tradingDays(parseIsoDate("2023-01-17"), parseIsoDate("2023-10-13"));
    expect(exDividendIndices({ quarterDayOffset: 15 }, late).map((i) => isoFromDays(late[i]!))).toEqual(["2023-04-17", "2023-07-17"]);
  });
});

describe("readEvents", () => {
  const sample: DatasetEvent[] = [
    { ticker: "AAA", date: "2023-01-05", kind: "earnings", amount: null, session: "amc" },
    { ticker: "AAA", date: "2023-01-05", kind: "ex_dividend", amount: 0.25, session: null },
    { ticker: "BBB", date: "2023-01-04", kind: "split", amount: 4, session: null },
  ];

  it("round-trips every kind, with nulls where the contract has them", () => {
    expect(decodeEvents(eventsFileBytes(sample), "x")).toEqual(sample);
  });

  it("refuses unsorted or repeated rows when writing", () => {
    expect(() => eventsFileBytes([sample[1]!, sample[0]!])).toThrow(/out of order or repeated/);
    expect(() => eventsFileBytes([sample[0]!, sample[0]!])).toThrow(/out of order or repeated/);
  });

  it("refuses a file that differs from the manifest, naming it", async () => {
    const out = tempDir();
    await generateDataset({ ...EQUITY, end: "2022-12-30", out });
    const path = join(out, "events.arrow");
    const bytes = readFileSync(path);
    bytes[bytes.length - 20]! ^= 1;
    writeFileSync(path, bytes);
    expect(() => readEvents(out)).toThrow(`${path}: sha256 ${sha256(bytes)} differs from the manifest's`);
    rmSync(path);
    expect(() => readEvents(out)).toThrow(`${path}: listed in the manifest but cannot be read (ENOENT)`);
  });
});
