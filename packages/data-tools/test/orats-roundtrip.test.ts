// exportOratsCsv: a generated dataset exported as ORATS CSV and imported again gives back the same
// rows, value for value; and the files look like ORATS' (header, dates, OPRA symbols, numbers).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC, type Table } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainBatch, type ChainRow } from "../src/chain-batch.js";
import { daysFromYmd, isoFromDays, parseIsoDate } from "../src/dates.js";
import { buildManifest, readManifest, writeManifest, type Manifest } from "../src/manifest.js";
import { parseDecimalAt } from "../src/orats/columns.js";
import {
  ORATS_COLUMNS,
  ORATS_HEADER,
  exportOratsCsv,
  formatNumber,
  importOrats,
  type ExportProgress,
  type ImportSummary,
} from "../src/orats/index.js";
import { PartitionWriter } from "../src/partition-writer.js";
import { COLUMN_NAMES } from "../src/schema.js";
import { generateDataset, tradingDays } from "../src/synth/index.js";

const roots: string[] = [];
function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), "aegis-roundtrip-"));
  roots.push(root);
  return root;
}
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const START = "2022-12-15";
const END = "2023-01-20";

/** One dataset from several: partitions copied side by side under one manifest. */
function combine(parts: { dir: string; manifest: Manifest }[], out: string): Manifest {
  for (const { dir, manifest } of parts) {
    for (const p of manifest.partitions) {
      mkdirSync(join(out, p.ticker), { recursive: true });
      copyFileSync(join(dir, p.path), join(out, p.path));
    }
  }
  const manifest = buildManifest("combined", "test", parts[0]!.manifest.source, parts.flatMap((p) => p.manifest.partitions));
  writeManifest(out, manifest);
  return manifest;
}

/** Index of the first element where `a` and `b` differ by Object.is (so 0 ≠ −0), or -1. */
function firstDifference(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** A column's values: numbers as their typed array, dates (as ms) and the ticker through the vector. */
function columnValues(table: Table, name: string): ArrayLike<unknown> {
  const column = table.getChild(name);
  if (!column) throw new Error(`no column ${name}`);
  return name === "ticker" || name.endsWith("Date") ? Array.from(column) : (column.toArray() as ArrayLike<unknown>);
}

describe("exportOratsCsv → importOrats round trip", () => {
  let source: string;
  let imported: string;
  let expected: Manifest;
  let files: string[];
  let exportRows: number;
  let exportBytes: number;
  let summary: ImportSummary;
  const progress: ExportProgress[] = [];

  beforeAll(async () => {
    const root = tempDir();
    const spx = await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: START, end: END, seed: 5, out: join(root, "spx") });
    const eq = await generateDataset({ profile: "equity-like", tickers: ["ACME"], start: START, end: END, seed: 5, out: join(root, "eq") });
    source = join(root, "source");
    expected = combine(
      [
        { dir: join(root, "spx"), manifest: spx.manifest },
        { dir: join(root, "eq"), manifest: eq.manifest },
      ],
      source,
    );
    const result = await exportOratsCsv(source, join(root, "csv"), { onProgress: (p) => progress.push(p) });
    ({ files, rows: exportRows, bytes: exportBytes } = result);
    imported = join(root, "imported");
    summary = await importOrats(files, { out: imported });
  }, 120_000);

  it("writes one file per trading day, named by date, and reports what it wrote", () => {
    const days = tradingDays(parseIsoDate(START), parseIsoDate(END));
    expect(files.map((f) => basename(f))).toEqual(days.map((d) => `orats_${isoFromDays(d).replaceAll("-", "")}.csv`));
    expect(readdirSync(join(files[0]!, "..")).sort()).toEqual(files.map((f) => basename(f)).sort()); // no .partial left
    expect(exportRows).toBe(expected.partitions.reduce((sum, p) => sum + p.rows, 0));
    expect(exportBytes).toBe(files.reduce((sum, f) => sum + readFileSync(f).byteLength, 0));
    expect(progress.map((p) => p.files)).toEqual(days.map((_, i) => i + 1));
    expect(progress.at(-1)).toMatchObject({ rows: exportRows, bytes: exportBytes, tradeDate: END });
  });

  it("groups each file by ticker in name order, each ticker's rows in dataset order", () => {
    const lines = readFileSync(files[0]!, "utf8").split("\n");
    expect(lines[0]).toBe(ORATS_HEADER);
    expect(lines.at(-1)).toBe("");
    const tickers = lines.slice(1, -1).map((l) => l.slice(0, l.indexOf(",")));
    const firstSpx = tickers.indexOf("SPX");
    expect(firstSpx).toBeGreaterThan(0);
    expect(tickers.slice(0, firstSpx).every((t) => t === "ACME")).toBe(true);
    expect(tickers.slice(firstSpx).every((t) => t === "SPX")).toBe(true);
  });

  it("imports every row, skipping and filling none", () => {
    expect(summary.rowsRead).toBe(exportRows);
    expect(summary.rowsWritten).toBe(exportRows);
    expect(summary.rowsSkipped).toBe(0);
    expect(summary.skippedByReason).toEqual({});
    expect(summary.filled).toEqual({});
    expect(summary.problems).toEqual([]);
  });

  it("gives back the manifest's partitions: same paths, tickers, years, rows and date ranges", () => {
    const got = readManifest(imported);
    const shape = (m: Manifest) =>
      m.partitions.map(({ path, ticker, year, rows, firstTradeDate, lastTradeDate }) => ({ path, ticker, year, rows, firstTradeDate, lastTradeDate }));
    expect(got.tickers).toEqual(["ACME", "SPX"]);
    expect(got.tickers).toEqual(expected.tickers);
    expect(shape(got)).toEqual(shape(expected));
    expect(got.partitions.map((p) => p.path)).toEqual(["ACME/2022.arrow", "ACME/2023.arrow", "SPX/2022.arrow", "SPX/2023.arrow"]);
  });

  it("gives back every partition's rows, all 31 columns exactly equal", () => {
    expect(COLUMN_NAMES).toHaveLength(31);
    for (const p of expected.partitions) {
      const want = tableFromIPC(readFileSync(join(source, p.path)));
      const got = tableFromIPC(readFileSync(join(imported, p.path)));
      expect(got.numRows, p.path).toBe(want.numRows);
      for (const name of COLUMN_NAMES) {
        const a = columnValues(want, name);
        const b = columnValues(got, name);
        const at = firstDifference(a, b);
        expect(at === -1 ? "equal" : `${p.path} ${name} row ${at}: ${String(a[at])} ≠ ${String(b[at])}`).toBe("equal");
      }
    }
  });
});

describe("exportOratsCsv: file format", () => {
  const day = daysFromYmd(2022, 12, 29);
  const expiry = daysFromYmd(2023, 1, 20);
  // The first QQQ row of test/fixtures/orats/orats_20221229.csv, with yte as calendar days / 365.
  const qqq: ChainRow = {
    tradeDate: day,
    expirDate: expiry,
    strike: 255,
    stkPx: 266.41,
    spotPx: 266.36,
    yte: 22 / 365,
    cBidPx: 13.85,
    cAskPx: 13.91,
    cValue: 13.8797,
    pBidPx: 1.88,
    pAskPx: 1.94,
    pValue: 1.9136,
    cBidIv: 0.2363,
    cMidIv: 0.2403,
    cAskIv: 0.2443,
    pBidIv: 0.2353,
    pMidIv: 0.2406,
    pAskIv: 0.2453,
    smvVol: 0.241,
    iRate: 0.0425,
    divRate: 0.006,
    delta: 0.790387,
    gamma: 0.018296,
    theta: -0.122156,
    vega: 0.188076,
    rho: 0.118551,
    cVolu: 137,
    cOi: 1211,
    pVolu: 133,
    pOi: 1073,
  };
  // A deep out-of-the-money SPY put-side row: tiny and negative-zero values, a fractional strike.
  const spy: ChainRow = {
    ...qqq,
    strike: 382.5,
    stkPx: 383.44,
    spotPx: 383.44,
    cBidPx: 0,
    cAskPx: 0.01,
    cValue: 1.5e-7,
    cBidIv: 0,
    theta: -0,
    cVolu: 0,
  };
  let dataset: string;

  beforeAll(async () => {
    dataset = join(tempDir(), "hand");
    const partitions = [];
    for (const [ticker, row] of [
      ["QQQ", qqq],
      ["SPY", spy],
    ] as const) {
      const writer = new PartitionWriter(dataset, ticker, 2022);
      const batch = new ChainBatch(1);
      batch.push(row);
      await writer.write(batch);
      partitions.push(await writer.close());
    }
    writeManifest(dataset, buildManifest("hand", "test", { kind: "orats-import", importer: "test", files: [] }, partitions));
  });

  it("writes ORATS' 39-column header in ORATS' order", () => {
    const fixture = fileURLToPath(new URL("./fixtures/orats/orats_20221229.csv", import.meta.url));
    expect(ORATS_COLUMNS).toHaveLength(39);
    expect(ORATS_HEADER).toBe(readFileSync(fixture, "utf8").split("\n")[0]);
  });

  it("writes exact numbers, M/D/YYYY dates, OSI symbols and the derived columns", async () => {
    const out = join(tempDir(), "csv");
    const { files, rows } = await exportOratsCsv(dataset, out);
    expect(files).toEqual([join(out, "orats_20221229.csv")]);
    expect(rows).toBe(2);
    expect(readFileSync(files[0]!, "utf8")).toBe(
      `${ORATS_HEADER}\n` +
        "QQQ,QQQ230120C00255000,QQQ230120P00255000,266.41,1/20/2023,0.06027397260273973,255,137,1211,133,1073," +
        "13.85,13.8797,13.91,1.88,1.9136,1.94,0.2363,0.2403,0.2443,0.241,0.2353,0.2406,0.2453,0.0425,0.006,0," +
        "0.790387,0.018296,-0.122156,0.188076,0.118551,-0.12691709629424658,-0.10301435454545455,0.241,13.8797,1.9136," +
        "266.36,12/29/2022\n" +
        "SPY,SPY230120C00382500,SPY230120P00382500,383.44,1/20/2023,0.06027397260273973,382.5,0,1211,133,1073," +
        "0,1.5e-7,0.01,1.88,1.9136,1.94,0,0.2403,0.2443,0.241,0.2353,0.2406,0.2453,0.0425,0.006,0," +
        "0.790387,0.018296,-0,0.188076,0.118551,-0.18266991255232878,-0.10301435454545455,0.241,1.5e-7,1.9136," +
        "383.44,12/29/2022\n",
    );
  });

  it("writes ORATS' own decimals with numbers: \"orats\"", async () => {
    const { files } = await exportOratsCsv(dataset, join(tempDir(), "csv"), { numbers: "orats", tickers: ["qqq"] });
    // The fixture's line but for three columns the schema does not carry (residualRateData, driftlessTheta, extVol);
    // phi = −S·T·delta/100 comes out as the fixture's −0.126917.
    expect(readFileSync(files[0]!, "utf8").split("\n")[1]).toBe(
      "QQQ,QQQ230120C00255000,QQQ230120P00255000,266.41,1/20/2023,0.060274,255,137,1211,133,1073,13.85,13.8797,13.91," +
        "1.88,1.9136,1.94,0.2363,0.2403,0.2443,0.2410,0.2353,0.2406,0.2453,0.0425,0.0060,0,0.790387,0.018296,-0.122156," +
        "0.188076,0.118551,-0.126917,-0.103014,0.2410,13.8797,1.9136,266.36,12/29/2022",
    );
  });

  it("exports only the tickers asked for, and refuses one the dataset lacks", async () => {
    const { files } = await exportOratsCsv(dataset, join(tempDir(), "csv"), { tickers: ["SPY"] });
    const lines = readFileSync(files[0]!, "utf8").split("\n");
    expect(lines.slice(1, -1).map((l) => l.split(",")[0])).toEqual(["SPY"]);
    const out = join(tempDir(), "missing");
    await expect(exportOratsCsv(dataset, out, { tickers: ["IWM"] })).rejects.toThrow(/IWM is not in .* \(it holds QQQ, SPY\)/);
    expect(readdirSync(join(out, ".."))).toEqual([]);
  });

  it("formats numbers so the importer's parser reads back the same double", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [-0, "-0"],
      [255, "255"],
      [0.1 + 0.2, "0.30000000000000004"],
      [22 / 365, "0.06027397260273973"],
      [1.5e-7, "1.5e-7"],
      [-2.5e-10, "-2.5e-10"],
      [1e21, "1e+21"],
      [Number.MIN_VALUE, "5e-324"],
      [Number.MAX_VALUE, "1.7976931348623157e+308"],
    ];
    for (const [x, text] of cases) {
      expect(formatNumber(x)).toBe(text);
      expect(Object.is(parseDecimalAt(text, 0, text.length), x), text).toBe(true);
    }
    for (const bad of [Number.NaN, Infinity, -Infinity]) expect(() => formatNumber(bad)).toThrow(/cannot write/);
  });
});
