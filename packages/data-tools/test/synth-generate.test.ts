import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC, type Table } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIsoDate } from "../src/dates.js";
import { readManifest, sha256File } from "../src/manifest.js";
import { COLUMN_NAMES } from "../src/schema.js";
import { GENERATOR_VERSION, generateDataset, tradingDays, type GenerateOptions } from "../src/synth/index.js";

const MS_PER_DAY = 86_400_000;

const tempRoots: string[] = [];

/** A dataset path that does not exist yet, inside a fresh temporary directory removed after the tests. */
function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), "aegis-synth-"));
  tempRoots.push(root);
  return join(root, "dataset");
}

afterAll(() => {
  for (const root of tempRoots) rmSync(root, { recursive: true, force: true });
});

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** One partition's columns as flat typed arrays (dates as days since the epoch). */
interface Cols {
  n: number;
  batches: number;
  batchFirstDay: number[];
  batchLastDay: number[];
  day: Int32Array;
  exp: Int32Array;
  f: (name: string) => Float64Array;
  i: (name: string) => Int32Array;
}

function readPartition(path: string): Cols {
  const table: Table = tableFromIPC(readFileSync(path));
  // Date32 columns read back as milliseconds since the epoch.
  const dates = (name: string) =>
    Int32Array.from(table.getChild(name)!.toArray() as ArrayLike<number>, (ms) => Math.round(ms / MS_PER_DAY));
  const day = dates("tradeDate");
  const batchFirstDay: number[] = [];
  const batchLastDay: number[] = [];
  let offset = 0;
  for (const b of table.batches) {
    batchFirstDay.push(day[offset]!);
    offset += b.numRows;
    batchLastDay.push(day[offset - 1]!);
  }
  expect(table.schema.fields.map((x) => x.name)).toEqual([...COLUMN_NAMES]);
  return {
    n: table.numRows,
    batches: table.batches.length,
    batchFirstDay,
    batchLastDay,
    day,
    exp: dates("expirDate"),
    f: (name) => table.getChild(name)!.toArray() as Float64Array,
    i: (name) => table.getChild(name)!.toArray() as Int32Array,
  };
}

/** Row ranges [start, end) of each (tradeDate, expirDate) group. */
function groups(c: Cols): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let r = 1; r <= c.n; r++) {
    if (r === c.n || c.day[r] !== c.day[start] || c.exp[r] !== c.exp[start]) {
      out.push([start, r]);
      start = r;
    }
  }
  return out;
}

const SPX_OPTS: Omit<GenerateOptions, "out"> = {
  profile: "spx-like",
  tickers: ["SPX"],
  start: "2022-12-01",
  end: "2023-02-10",
  seed: 11,
};

describe("generateDataset: spx-like dataset", () => {
  let out: string;
  let result: Awaited<ReturnType<typeof generateDataset>>;
  let cols: Cols[];
  const progress: number[] = [];

  beforeAll(async () => {
    out = tempDir();
    result = await generateDataset({ ...SPX_OPTS, out, onProgress: (p) => progress.push(p.daysDone) });
    cols = result.manifest.partitions.map((p) => readPartition(join(out, p.path)));
  });

  it("writes one partition per year and a manifest that describes them", async () => {
    const m = readManifest(out);
    expect(m).toEqual(result.manifest);
    expect(m.name).toBe("synthetic-spx-like-2022-12-01-2023-02-10");
    expect(m.createdBy).toMatch(/^aegis-data \d+\.\d+\.\d+/);
    expect(m.source).toEqual({
      kind: "synthetic",
      generator: GENERATOR_VERSION,
      profile: "spx-like",
      seed: 11,
      start: "2022-12-01",
      end: "2023-02-10",
    });
    expect(m.tickers).toEqual(["SPX"]);
    expect(m.partitions.map((p) => p.path)).toEqual(["SPX/2022.arrow", "SPX/2023.arrow"]);
    expect(m.partitions[0]).toMatchObject({ firstTradeDate: "2022-12-01", lastTradeDate: "2022-12-30" });
    expect(m.partitions[1]).toMatchObject({ firstTradeDate: "2023-01-03", lastTradeDate: "2023-02-10" });
    for (const p of m.partitions) {
      expect(p.sha256).toBe(await sha256File(join(out, p.path)));
      expect(p.bytes).toBe(readFileSync(join(out, p.path)).byteLength);
    }
    expect(result.rows).toBe(m.partitions.reduce((a, p) => a + p.rows, 0));
    expect(cols.reduce((a, c) => a + c.n, 0)).toBe(result.rows);
    expect(readdirSync(out).sort()).toEqual(["SPX", "manifest.json", "series.arrow"]); // VIX: synth-series.test.ts
    expect(readdirSync(join(out, "SPX")).sort()).toEqual(["2022.arrow", "2023.arrow"]);
    const total = tradingDays(parseIsoDate("2022-12-01"), parseIsoDate("2023-02-10")).length;
    expect(progress.at(-1)).toBe(total);
  });

  it("covers exactly the trading days, in batches of whole days (at most 20)", () => {
    const expected = tradingDays(parseIsoDate("2022-12-01"), parseIsoDate("2023-02-10"));
    const seen = cols.flatMap((c) => [...new Set(c.day)]);
    expect(seen).toEqual(expected);
    for (const c of cols) {
      for (let b = 0; b < c.batches; b++) {
        const daysInBatch = expected.filter((d) => d >= c.batchFirstDay[b]! && d <= c.batchLastDay[b]!).length;
        expect(daysInBatch).toBeLessThanOrEqual(20);
        if (b > 0) expect(c.batchFirstDay[b]).toBeGreaterThan(c.batchLastDay[b - 1]!);
      }
    }
    expect(cols[1]!.batches).toBe(2); // 28 trading days in 2023: 20 + 8
  });

  it("keeps rows strictly sorted by (tradeDate, expirDate, strike), with exact decimal strikes", () => {
    for (const c of cols) {
      const k = c.f("strike");
      for (let r = 1; r < c.n; r++) {
        const ordered =
          c.day[r]! > c.day[r - 1]! ||
          (c.day[r] === c.day[r - 1] && (c.exp[r]! > c.exp[r - 1]! || (c.exp[r] === c.exp[r - 1] && k[r]! > k[r - 1]!)));
        if (!ordered) throw new Error(`row ${r} out of order`);
      }
      for (let r = 0; r < c.n; r++) if (k[r]! % 5 !== 0) throw new Error(`strike ${k[r]} is not a multiple of 5`);
    }
  });

  it("has positive yte consistent with the dates, stkPx = spotPx, rates and yields in range", () => {
    for (const c of cols) {
      const yte = c.f("yte");
      const stk = c.f("stkPx");
      const spot = c.f("spotPx");
      const r = c.f("iRate");
      const q = c.f("divRate");
      for (let i = 0; i < c.n; i++) {
        if (!(c.exp[i]! > c.day[i]!)) throw new Error(`row ${i} expires on or before its trade date`);
        if (yte[i] !== (c.exp[i]! - c.day[i]!) / 365) throw new Error(`row ${i}: yte ${yte[i]}`);
        if (stk[i] !== spot[i] || !(stk[i]! > 0)) throw new Error(`row ${i}: stkPx ${stk[i]} spotPx ${spot[i]}`);
        if (!(r[i]! >= 0.02 && r[i]! <= 0.05) || q[i] !== 0.015) throw new Error(`row ${i}: iRate ${r[i]} divRate ${q[i]}`);
      }
    }
  });

  it("quotes 0 <= bid <= theo <= ask for calls and puts, and bid/ask IVs around the mid IV", () => {
    for (const c of cols) {
      const [cb, ca, cv, pb, pa, pv] = ["cBidPx", "cAskPx", "cValue", "pBidPx", "pAskPx", "pValue"].map(c.f);
      const ivNames = ["cBidIv", "cMidIv", "cAskIv", "pBidIv", "pMidIv", "pAskIv", "smvVol"];
      const [cbi, cmi, cai, pbi, pmi, pai, smv] = ivNames.map(c.f);
      for (let i = 0; i < c.n; i++) {
        for (const [bid, theo, ask] of [
          [cb![i]!, cv![i]!, ca![i]!],
          [pb![i]!, pv![i]!, pa![i]!],
        ] as const) {
          if (!(bid >= 0 && bid <= theo && theo <= ask && ask - bid >= 0.05 - 1e-9)) {
            throw new Error(`row ${i}: bid ${bid} theo ${theo} ask ${ask}`);
          }
          // Whole cents, on the $0.05 / $0.10 grid.
          const tick = (x: number) =>
            Math.round(x * 100) % (x < 3 ? 5 : 10) === 0 && Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;
          if (!tick(bid) || !tick(ask)) throw new Error(`row ${i}: off-tick quote ${bid} / ${ask}`);
        }
        const vol = smv![i]!;
        if (cmi![i] !== vol || pmi![i] !== vol || !(vol > 0)) throw new Error(`row ${i}: mid IVs differ from smvVol`);
        for (const [b, a, bid] of [
          [cbi![i]!, cai![i]!, cb![i]!],
          [pbi![i]!, pai![i]!, pb![i]!],
        ] as const) {
          if (!(b <= vol && vol <= a && (bid > 0 ? b > 0 : b === 0))) throw new Error(`row ${i}: IVs ${b} ${vol} ${a}`);
        }
      }
    }
  });

  it("keeps put-call parity on the theos and within the quotes", () => {
    for (const c of cols) {
      const names = ["strike", "stkPx", "yte", "iRate", "divRate", "cBidPx", "cAskPx", "cValue", "pBidPx", "pAskPx", "pValue"];
      const [k, s, t, r, q, cb, ca, cv, pb, pa, pv] = names.map(c.f);
      for (let i = 0; i < c.n; i++) {
        const parity = s![i]! * Math.exp(-q![i]! * t![i]!) - k![i]! * Math.exp(-r![i]! * t![i]!);
        const eps = 1e-9 * Math.max(s![i]!, k![i]!);
        const gap = cv![i]! - pv![i]! - parity;
        if (Math.abs(gap) > eps) throw new Error(`row ${i}: theo parity off by ${gap}`);
        if (!(cb![i]! - pa![i]! <= parity + eps && parity <= ca![i]! - pb![i]! + eps)) {
          throw new Error(`row ${i}: parity ${parity} outside [${cb![i]! - pa![i]!}, ${ca![i]! - pb![i]!}]`);
        }
      }
    }
  });

  it("has call delta falling with strike within each expiry (strictly where not saturated), call prices convex", () => {
    let strict = 0;
    for (const c of cols) {
      const [delta, cv, k, t, q] = ["delta", "cValue", "strike", "yte", "divRate"].map(c.f);
      for (const [a, b] of groups(c)) {
        const cap = Math.exp(-q![a]! * t![a]!);
        for (let i = a + 1; i < b; i++) {
          const d0 = delta![i - 1]!;
          const d1 = delta![i]!;
          if (d1 > d0) throw new Error(`delta rises with strike at row ${i}: ${d0} → ${d1}`);
          const saturated = d0 >= cap * (1 - 1e-13) || d1 < 1e-300;
          if (!saturated) {
            if (!(d1 < d0)) throw new Error(`delta flat at row ${i}: ${d0}`);
            strict++;
          }
          // Theo call prices: non-increasing and convex in strike (no static arbitrage).
          if (cv![i]! > cv![i - 1]! + 1e-9) throw new Error(`call value rises with strike at row ${i}`);
          if (i + 1 < b) {
            const w = (k![i]! - k![i - 1]!) / (k![i + 1]! - k![i - 1]!);
            const interpolated = (1 - w) * cv![i - 1]! + w * cv![i + 1]!;
            if (cv![i]! > interpolated + 1e-7 * Math.max(1, cv![i]!)) throw new Error(`call values not convex at row ${i}`);
          }
        }
      }
    }
    expect(strict).toBeGreaterThan(10_000);
  });

  it("lists wider strike ranges for longer expirations", () => {
    const c = cols[0]!;
    const k = c.f("strike");
    const first = groups(c).filter(([a]) => c.day[a] === c.day[0]);
    const widths = first.map(([a, b]) => k[b - 1]! - k[a]!);
    for (let g = 1; g < widths.length; g++) expect(widths[g]!).toBeGreaterThanOrEqual(widths[g - 1]!);
    expect(widths.at(-1)!).toBeGreaterThan(3 * widths[0]!);
    // On every day, the longest expiration spans more strikes in dollars than the nearest one.
    for (const cc of cols) {
      const kk = cc.f("strike");
      const byDay = new Map<number, number[]>();
      for (const [a, b] of groups(cc)) byDay.set(cc.day[a]!, [...(byDay.get(cc.day[a]!) ?? []), kk[b - 1]! - kk[a]!]);
      for (const w of byDay.values()) expect(w.at(-1)!).toBeGreaterThan(w[0]!);
    }
  });

  it("has a put skew: OTM put IV above ATM IV on every expiry", () => {
    for (const c of cols) {
      const [k, s, iv] = ["strike", "stkPx", "smvVol"].map(c.f);
      for (const [a, b] of groups(c)) {
        let atm = a;
        for (let i = a; i < b; i++) if (Math.abs(k![i]! - s![i]!) < Math.abs(k![atm]! - s![atm]!)) atm = i;
        const target = s![a]! * Math.exp(-iv![atm]! * Math.sqrt((c.exp[a]! - c.day[a]!) / 365));
        let put = a;
        for (let i = a; i < b; i++) if (Math.abs(k![i]! - target) < Math.abs(k![put]! - target)) put = i;
        expect(k![put]!).toBeLessThan(k![atm]!);
        expect(iv![put]!).toBeGreaterThan(iv![atm]! + 0.01);
        expect(iv![a]!).toBeGreaterThan(iv![put]!); // and more so further out
      }
    }
  });

  it("has integer volume and open interest, concentrated near the money and in near expirations", () => {
    let nearOi = 0;
    let nearN = 0;
    let farOi = 0;
    let farN = 0;
    let shortVol = 0;
    let shortN = 0;
    let longVol = 0;
    let longN = 0;
    for (const c of cols) {
      const [k, s, iv, t] = ["strike", "stkPx", "smvVol", "yte"].map(c.f);
      const [cOi, pOi, cVolu, pVolu] = ["cOi", "pOi", "cVolu", "pVolu"].map(c.i);
      for (let i = 0; i < c.n; i++) {
        for (const x of [cOi![i]!, pOi![i]!, cVolu![i]!, pVolu![i]!]) {
          if (!(Number.isInteger(x) && x >= 0)) throw new Error(`row ${i}: ${x}`);
        }
        const z = Math.abs(Math.log(k![i]! / s![i]!)) / (iv![i]! * Math.sqrt(t![i]!));
        const oi = cOi![i]! + pOi![i]!;
        if (z < 0.5) {
          nearOi += oi;
          nearN++;
        } else if (z > 2.5) {
          farOi += oi;
          farN++;
        }
        const vol = cVolu![i]! + pVolu![i]!;
        if (z < 1 && t![i]! < 14 / 365) {
          shortVol += vol;
          shortN++;
        } else if (z < 1 && t![i]! > 180 / 365) {
          longVol += vol;
          longN++;
        }
      }
    }
    expect(nearOi / nearN).toBeGreaterThan(10 * (farOi / farN));
    expect(shortVol / shortN).toBeGreaterThan(3 * (longVol / longN));
  });
});

describe("generateDataset: equity-like dataset", () => {
  it("generates several tickers with their own prices, a milder skew and price-level strike steps", async () => {
    const out = tempDir();
    const r = await generateDataset({
      profile: "equity-like",
      tickers: ["AAA", "BBB.B"],
      start: "2023-05-01",
      end: "2023-05-31",
      seed: 5,
      out,
    });
    expect(r.manifest.tickers).toEqual(["AAA", "BBB.B"]);
    expect(r.manifest.partitions.map((p) => p.path)).toEqual(["AAA/2023.arrow", "BBB.B/2023.arrow"]);
    const spots: number[] = [];
    for (const p of r.manifest.partitions) {
      const c = readPartition(join(out, p.path));
      const [k, s, cb, ca, pb, pa, q] = ["strike", "stkPx", "cBidPx", "cAskPx", "pBidPx", "pAskPx", "divRate"].map(c.f);
      spots.push(s![0]!);
      expect(q![0]!).toBeGreaterThan(0);
      expect(q![0]!).toBeLessThan(0.02);
      for (let i = 0; i < c.n; i++) {
        if (!Number.isInteger(k![i]! * 2)) throw new Error(`strike ${k![i]}`);
        for (const [bid, ask] of [
          [cb![i]!, ca![i]!],
          [pb![i]!, pa![i]!],
        ] as const) {
          if (!(bid >= 0 && bid <= ask && ask >= 0.01)) throw new Error(`row ${i}: ${bid} ${ask}`);
          if (Math.abs(bid * 100 - Math.round(bid * 100)) > 1e-6) throw new Error(`row ${i}: bid ${bid} not in cents`);
        }
      }
    }
    expect(spots[0]).not.toBe(spots[1]);
  });
});

describe("generateDataset: determinism", () => {
  async function hashes(opts: Omit<GenerateOptions, "out">): Promise<Record<string, string>> {
    const out = tempDir();
    const r = await generateDataset({ ...opts, out });
    const h: Record<string, string> = { manifest: sha256(readFileSync(join(out, "manifest.json"))) };
    for (const p of r.manifest.partitions) h[p.path] = sha256(readFileSync(join(out, p.path)));
    return h;
  }
  const base = { profile: "spx-like" as const, tickers: ["SPX"], start: "2023-03-01", end: "2023-03-14", seed: 3 };

  it("gives byte-identical partitions and manifest for the same options", async () => {
    const a = await hashes(base);
    const b = await hashes(base);
    expect(b).toEqual(a);
    expect(Object.keys(a)).toEqual(["manifest", "SPX/2023.arrow"]);
  });

  it("changes with the seed, and adding a ticker leaves the others' partitions unchanged", async () => {
    const a = await hashes(base);
    const other = await hashes({ ...base, seed: 4 });
    expect(other["SPX/2023.arrow"]).not.toBe(a["SPX/2023.arrow"]);
    const two = await hashes({ ...base, tickers: ["SPX", "XSP"] });
    expect(two["SPX/2023.arrow"]).toBe(a["SPX/2023.arrow"]);
    expect(two["XSP/2023.arrow"]).not.toBe(a["SPX/2023.arrow"]);
    const reordered = await hashes({ ...base, tickers: ["XSP", "SPX"] });
    expect(reordered["SPX/2023.arrow"]).toBe(a["SPX/2023.arrow"]);
    expect(reordered["XSP/2023.arrow"]).toBe(two["XSP/2023.arrow"]);
  });
});

describe("generateDataset: options and failures", () => {
  const good: GenerateOptions = {
    profile: "spx-like",
    tickers: ["SPX"],
    start: "2023-03-01",
    end: "2023-03-03",
    seed: 1,
    out: "",
  };

  it.each([
    [{ profile: "spx" }, /profile: unknown profile "spx"; expected one of spx-like, equity-like/],
    [{ tickers: [] }, /tickers: at least one ticker is required/],
    [{ tickers: ["spx"] }, /tickers: "spx" is not a valid ticker/],
    [{ tickers: ["SP X"] }, /tickers: "SP X" is not a valid ticker/],
    [{ tickers: ["../SPX"] }, /not a valid ticker/],
    [{ tickers: ["SPX", "SPX"] }, /tickers: SPX is listed twice/],
    [{ start: "2023-03-05", end: "2023-03-01" }, /end: 2023-03-01 is before start 2023-03-05/],
    [{ start: "03/01/2023" }, /start: expected a date as YYYY-MM-DD, got "03\/01\/2023"/],
    [{ end: "2023-02-30" }, /end: "2023-02-30" is not a calendar date/],
    [{ seed: 1.5 }, /seed: expected an integer, got 1.5/],
    [{ seed: Number.NaN }, /seed: expected an integer, got NaN/],
    [{ seed: "7" }, /seed: expected an integer, got "7"/],
    [{ start: "2023-12-23", end: "2023-12-25" }, /no trading days between 2023-12-23 and 2023-12-25/],
  ])("rejects %j", async (patch, message) => {
    const out = tempDir();
    await expect(generateDataset({ ...good, out, ...(patch as Partial<GenerateOptions>) })).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a non-empty output directory", async () => {
    const out = tempDir();
    mkdirSync(out);
    writeFileSync(join(out, "old.txt"), "x");
    await expect(generateDataset({ ...good, out })).rejects.toThrow(/out: .* is not empty/);
  });

  it("removes finished and unfinished partitions when generation fails", async () => {
    const out = tempDir();
    let calls = 0;
    const failing = generateDataset({
      ...good,
      start: "2022-12-20",
      end: "2023-01-31",
      out,
      onProgress: () => {
        if (++calls === 3) throw new Error("disk full");
      },
    });
    await expect(failing).rejects.toThrow("disk full");
    expect(existsSync(out)).toBe(false);
  });

  it("stops on an abort signal, leaving nothing behind", async () => {
    const out = tempDir();
    const controller = new AbortController();
    const onProgress = () => controller.abort();
    const run = generateDataset({ ...good, end: "2023-04-28", out, signal: controller.signal, onProgress });
    await expect(run).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
  });
});
