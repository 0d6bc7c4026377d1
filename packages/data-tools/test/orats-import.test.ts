import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC, type Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { readManifest, sha256File, type Manifest } from "../src/manifest.js";
import { IMPORTER, importOrats, type ImportOptions, type ImportSummary } from "../src/orats/index.js";
import { COLUMN_NAMES, FLOAT_COLUMNS, INT_COLUMNS } from "../src/schema.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/orats/", import.meta.url));
const fx = (name: string) => join(FIXTURES, name);
const D1229 = fx("orats_20221229.csv");
const D1230 = fx("orats_20221230.csv"); // columns reordered, ISO dates, CRLF, no cOpra/pOpra
const D0103 = fx("orats_20230103.csv");
const BAD = fx("orats_20230104_bad.csv");
const MISSING = fx("orats_20230105_missing_cols.csv");
const ZIP0103 = fx("orats_20230103.zip");
const ZIP_TWO = fx("orats_two_days.zip"); // daily/orats_20230103.csv then daily/orats_20221229.csv
const DAILY = [D1229, D1230, D0103];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "aegis-orats-"));
}

async function run(files: string[], opts: Partial<ImportOptions> = {}): Promise<{ out: string; summary: ImportSummary; manifest: Manifest }> {
  const out = join(tmp(), "ds");
  const summary = await importOrats(files, { out, ...opts });
  return { out, summary, manifest: readManifest(out) };
}

function read(out: string, path: string): Table {
  return tableFromIPC(readFileSync(join(out, path)));
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Partition path → sha256, checked against the files on disk. */
async function hashes(out: string, manifest: Manifest): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const p of manifest.partitions) {
    expect(await sha256File(join(out, p.path))).toBe(p.sha256);
    result[p.path] = p.sha256;
  }
  return result;
}

/** Every file of a dataset directory, relative. */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listing(full).map((f) => `${name}/${f}`));
    else out.push(name);
  }
  return out.sort();
}

// An independent reading of the fixture CSVs: header name → schema column, written out by hand.
const CSV_NAME: Record<string, string> = {
  trade_date: "tradeDate",
  spot_px: "spotPx",
  smoothSmvVol: "smvVol",
};
type Expected = Record<string, number | string>;

function expectedRows(path: string): Map<string, Expected> {
  const lines = readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(",");
  const rows = new Map<string, Expected>();
  for (const line of lines.slice(1)) {
    const cells = line.split(",");
    const r: Expected = {};
    header.forEach((h, i) => (r[CSV_NAME[h] ?? h] = cells[i]!));
    const date = (s: string) => {
      const m = /^(\d+)\/(\d+)\/(\d+)$/.exec(s);
      return m ? `${m[3]}-${m[1]!.padStart(2, "0")}-${m[2]!.padStart(2, "0")}` : s;
    };
    r.tradeDate = date(r.tradeDate as string);
    r.expirDate = date(r.expirDate as string);
    for (const c of ["strike", ...FLOAT_COLUMNS, ...INT_COLUMNS]) r[c] = Number(r[c]);
    const key = `${r.ticker}|${r.tradeDate}|${r.expirDate}|${r.strike}`;
    if (!rows.has(key)) rows.set(key, r); // the first of duplicates, as the importer keeps
  }
  return rows;
}

/** Checks a partition: sort order, one record batch per trade date, and returns its rows as objects. */
function partitionRows(table: Table, ticker: string): Expected[] {
  const rows: Expected[] = [];
  const cols = Object.fromEntries(COLUMN_NAMES.map((c) => [c, table.getChild(c)!]));
  let prev: [string, string, number] | undefined;
  for (let i = 0; i < table.numRows; i++) {
    const r: Expected = {};
    for (const c of COLUMN_NAMES) r[c] = cols[c]!.get(i) as number | string;
    r.tradeDate = iso(r.tradeDate as number);
    r.expirDate = iso(r.expirDate as number);
    expect(r.ticker).toBe(ticker);
    const key: [string, string, number] = [r.tradeDate, r.expirDate, r.strike as number];
    if (prev) {
      const ordered =
        key[0] > prev[0] || (key[0] === prev[0] && (key[1] > prev[1] || (key[1] === prev[1] && key[2] > prev[2])));
      expect(ordered, `row ${i} ${key.join(" ")} after ${prev.join(" ")}`).toBe(true);
    }
    prev = key;
    rows.push(r);
  }
  const days = new Set(rows.map((r) => r.tradeDate));
  expect(table.batches.length).toBe(days.size);
  for (const b of table.batches) {
    const batchDays = new Set<number>();
    for (let i = 0; i < b.numRows; i++) batchDays.add(b.getChild("tradeDate")!.get(i) as number);
    expect(batchDays.size).toBe(1);
  }
  return rows;
}

describe("importOrats: daily files", () => {
  it("writes one partition per ticker and year, sorted, with every value in its column", async () => {
    const { out, summary, manifest } = await run(DAILY);
    expect(summary).toMatchObject({
      files: 3,
      rowsRead: 36,
      rowsWritten: 36,
      rowsSkipped: 0,
      rowsFiltered: 0,
      skippedByReason: {},
      filled: {},
      problems: [],
      partitions: 4,
      tickers: ["QQQ", "SPY"],
    });
    expect(manifest.name).toBe("orats");
    expect(manifest.source).toEqual({
      kind: "orats-import",
      importer: IMPORTER,
      files: ["orats_20221229.csv", "orats_20221230.csv", "orats_20230103.csv"],
    });
    expect(manifest.tickers).toEqual(["QQQ", "SPY"]);
    expect(manifest.partitions.map((p) => [p.path, p.firstTradeDate, p.lastTradeDate, p.rows])).toEqual([
      ["QQQ/2022.arrow", "2022-12-29", "2022-12-30", 12],
      ["QQQ/2023.arrow", "2023-01-03", "2023-01-03", 6],
      ["SPY/2022.arrow", "2022-12-29", "2022-12-30", 12],
      ["SPY/2023.arrow", "2023-01-03", "2023-01-03", 6],
    ]);
    expect(listing(out)).toEqual(["QQQ/2022.arrow", "QQQ/2023.arrow", "SPY/2022.arrow", "SPY/2023.arrow", "manifest.json"]);
    await hashes(out, manifest);

    const expected = new Map([...expectedRows(D1229), ...expectedRows(D1230), ...expectedRows(D0103)]);
    expect(expected.size).toBe(36);
    let seen = 0;
    for (const p of manifest.partitions) {
      const table = read(out, p.path);
      expect(table.schema.fields.map((f) => f.name)).toEqual([...COLUMN_NAMES]);
      for (const r of partitionRows(table, p.ticker)) {
        const want = expected.get(`${r.ticker}|${r.tradeDate}|${r.expirDate}|${r.strike}`);
        expect(want, `${p.path} has an unexpected row`).toBeDefined();
        for (const c of COLUMN_NAMES) expect(r[c], `${p.path} ${c}`).toEqual(want![c]);
        seen++;
      }
    }
    expect(seen).toBe(36);

    // A few cells by hand: the renamed columns, the ISO-dated CRLF file, the row that came unsorted.
    const spy22 = partitionRows(read(out, "SPY/2022.arrow"), "SPY");
    const r = spy22.find((x) => x.tradeDate === "2022-12-29" && x.expirDate === "2023-01-20" && x.strike === 380)!;
    expect(r).toMatchObject({ stkPx: 383.44, spotPx: 383.39, smvVol: 0.2407, cMidIv: 0.24, yte: 0.060274, cVolu: 396, cOi: 2688 });
    expect(spy22.slice(0, 6).map((x) => [x.expirDate, x.strike])).toEqual([
      ["2023-01-20", 370],
      ["2023-01-20", 380],
      ["2023-01-20", 392.5],
      ["2023-02-17", 370],
      ["2023-02-17", 380],
      ["2023-02-17", 392.5],
    ]);
    const q30 = partitionRows(read(out, "QQQ/2022.arrow"), "QQQ").find(
      (x) => x.tradeDate === "2022-12-30" && x.expirDate === "2023-02-17" && x.strike === 275,
    )!;
    expect(q30).toMatchObject({ stkPx: 266.28, spotPx: 266.23, yte: 0.134247, smvVol: 0.2109, delta: 0.375602 });
  });

  it("gives the same dataset whatever order the files come in", async () => {
    const a = await run(DAILY);
    const b = await run([D0103, D1230, D1229]);
    expect(b.manifest).toEqual(a.manifest);
    expect(await hashes(b.out, b.manifest)).toEqual(await hashes(a.out, a.manifest));
  });

  it("reads zipped files like plain ones, entries in date order too", async () => {
    const plain = await run(DAILY);
    const want = await hashes(plain.out, plain.manifest);
    const zipped = await run([D1229, D1230, ZIP0103]);
    expect(await hashes(zipped.out, zipped.manifest)).toEqual(want);
    expect(zipped.manifest.source).toMatchObject({ files: ["orats_20221229.csv", "orats_20221230.csv", "orats_20230103.zip"] });
    // One zip holding 1/3 then 12/29, and the 12/30 file: imported as 12/29, 12/30, 1/3.
    const two = await run([ZIP_TWO, D1230]);
    expect(await hashes(two.out, two.manifest)).toEqual(want);
    expect(two.summary).toMatchObject({ files: 2, rowsRead: 36, rowsWritten: 36, rowsSkipped: 0 });
    expect(two.manifest.source).toMatchObject({ files: ["orats_two_days.zip", "orats_20221230.csv"] });
  });

  it("keeps only the selected tickers", async () => {
    const all = await run(DAILY);
    const { out, summary, manifest } = await run(DAILY, { tickers: ["qqq"], name: "qqq-only" });
    expect(summary).toMatchObject({ rowsRead: 36, rowsWritten: 18, rowsFiltered: 18, rowsSkipped: 0, tickers: ["QQQ"], partitions: 2 });
    expect(manifest.name).toBe("qqq-only");
    expect(listing(out)).toEqual(["QQQ/2022.arrow", "QQQ/2023.arrow", "manifest.json"]);
    const allHashes = await hashes(all.out, all.manifest);
    const got = await hashes(out, manifest);
    for (const [path, sha] of Object.entries(got)) expect(sha).toBe(allHashes[path]);
  });

  it("writes the same bytes with a tiny memory budget", async () => {
    const big = await run([...DAILY, BAD]);
    const tiny = await run([...DAILY, BAD], { memoryBudgetMB: 0.001 });
    expect(await hashes(tiny.out, tiny.manifest)).toEqual(await hashes(big.out, big.manifest));
    expect(tiny.manifest).toEqual(big.manifest);
    const { seconds: _a, ...bigCounts } = big.summary;
    const { seconds: _b, ...tinyCounts } = tiny.summary;
    expect(tinyCounts).toEqual(bigCounts);
  });

  it("reports progress in bytes of the whole input", async () => {
    const calls: { file: string; fileIndex: number; bytesRead: number; bytesTotal: number; rows: number }[] = [];
    const files = [D0103, ZIP_TWO];
    const total = files.reduce((s, f) => s + statSync(f).size, 0);
    const { summary } = await run([D1230, ...files], { onProgress: (p) => calls.push({ ...p }) });
    const grand = total + statSync(D1230).size;
    expect(calls.length).toBeGreaterThan(3);
    for (const c of calls) {
      expect(c.bytesTotal).toBe(grand);
      expect(c.bytesRead).toBeLessThanOrEqual(grand);
    }
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.bytesRead).toBeGreaterThanOrEqual(calls[i - 1]!.bytesRead);
    const last = calls.at(-1)!;
    expect(last.bytesRead).toBe(grand);
    expect(last.rows).toBe(summary.rowsRead);
    // Import order: the zip's 12/29 entry, the 12/30 file, the plain 1/3 file (listed before the zip),
    // then the zip's 1/3 entry, whose rows are all duplicate days.
    expect([...new Set(calls.map((c) => `${c.fileIndex}:${c.file}`))]).toEqual([
      "0:orats_two_days.zip",
      "1:orats_20221230.csv",
      "2:orats_20230103.csv",
    ]);
    expect(summary.skippedByReason).toEqual({ "duplicate day": 12 });
  });
});

describe("importOrats: bad rows", () => {
  it("skips each kind of malformed row and reports file, line, column and raw value", async () => {
    const { out, summary, manifest } = await run([...DAILY, BAD], { maxErrorsShown: 50 });
    expect(summary).toMatchObject({ files: 4, rowsRead: 62, linesRead: 66, rowsWritten: 42, rowsSkipped: 20, rowsFiltered: 0, warnings: [] });
    expect(summary.skippedByReason).toEqual({
      "bad date": 2,
      "blank line": 1,
      "duplicate day": 2,
      "not a number": 2,
      "bid > ask": 1,
      "duplicate row": 1,
      "empty price": 1,
      "empty ticker": 1,
      "empty value": 1,
      "invalid ticker": 1,
      "negative count": 1,
      "negative price": 1,
      "non-positive strike": 1,
      "non-positive underlying price": 1,
      "not an integer": 1,
      "trade date after expiry": 1,
      "wrong field count": 1,
    });
    expect(summary.filled).toEqual({ cBidIv: 1, cVolu: 1, pOi: 1 });
    const file = "orats_20230104_bad.csv";
    expect(summary.problems).toEqual(
      [
        [3, "(row)", "38 fields, header has 39", "wrong field count"],
        [4, "cBidPx", "abc", "not a number"],
        [5, "expirDate", "2/30/2023", "bad date"],
        [6, "cBidPx", "9.99", "bid > ask"],
        [7, "pAskPx", "-0.05", "negative price"],
        [8, "strike", "0", "non-positive strike"],
        [9, "expirDate", "1/3/2023", "trade date after expiry"],
        [11, "strike", "380 (expiry 2023-01-20)", "duplicate row"],
        [12, "cValue", "", "empty price"],
        [15, "ticker", "", "empty ticker"],
        [16, "trade_date", "12/29/2022", "duplicate day"],
        [19, "(row)", "", "blank line"],
        [20, "cOi", "12.5", "not an integer"],
        [21, "trade_date", "13/45/2023", "bad date"],
        [22, "pVolu", "-3", "negative count"],
        [23, "stkPx", "0", "non-positive underlying price"],
        [24, "yte", "", "empty value"],
        [26, "gamma", "1.2.3", "not a number"],
        [27, "ticker", "SP/Y", "invalid ticker"],
      ].map(([line, column, value, reason]) => ({ file, line, column, value, reason })),
    );

    expect(manifest.partitions.map((p) => [p.path, p.rows])).toEqual([
      ["QQQ/2022.arrow", 12],
      ["QQQ/2023.arrow", 8],
      ["SPY/2022.arrow", 12],
      ["SPY/2023.arrow", 10],
    ]);
    const spy = partitionRows(read(out, "SPY/2023.arrow"), "SPY").filter((r) => r.tradeDate === "2023-01-04");
    expect(spy.map((r) => [r.expirDate, r.strike])).toEqual([
      ["2023-01-20", 370],
      ["2023-01-20", 380],
      ["2023-01-20", 392.5],
      ["2023-02-17", 370],
    ]);
    const bad = expectedRows(BAD);
    // The duplicate keeps the first row (line 10), not line 11's cVolu 999999.
    expect(spy[1]!.cVolu).toBe(bad.get("SPY|2023-01-04|2023-01-20|380")!.cVolu);
    expect(spy[1]!.cVolu).not.toBe(999999);
    // Empty IV and greek → 0; empty volume and open interest → 0; the rest as written.
    expect(spy[2]).toMatchObject({ cBidIv: 0, delta: 0.371466, cMidIv: 0.2101, gamma: 0.019548 });
    expect(spy[3]).toMatchObject({ cVolu: 0, pOi: 0, cOi: 7070, pVolu: 90 });
    const qqq = partitionRows(read(out, "QQQ/2023.arrow"), "QQQ").filter((r) => r.tradeDate === "2023-01-04");
    expect(qqq.map((r) => r.strike)).toEqual([265, 275]); // 275 came with a quoted ticker
  });

  it("lists only the first maxErrorsShown problems but counts them all", async () => {
    const { summary } = await run([BAD, ...DAILY], { maxErrorsShown: 3 });
    expect(summary.rowsSkipped).toBe(20);
    expect(summary.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    const none = await run([BAD], { maxErrorsShown: 0 });
    expect(none.summary.problems).toEqual([]);
    // Alone, the bad file's two QQQ 12/29 rows are no duplicates: its days are buffered and written in order.
    expect(none.summary).toMatchObject({ rowsWritten: 8, rowsSkipped: 18, tickers: ["QQQ", "SPY"], partitions: 3 });
  });
});

describe("importOrats: fatal errors", () => {
  it("names the file and every missing column, and writes nothing", async () => {
    const out = join(tmp(), "ds");
    await expect(importOrats([...DAILY, MISSING], { out })).rejects.toThrow(
      /^orats_20230105_missing_cols\.csv:1: missing required columns spot_px, cOi \(/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("leaves nothing half-written when the import stops midway", async () => {
    const parent = tmp();
    const out = join(parent, "ds");
    const ctl = new AbortController();
    const seen: number[] = [];
    const p = importOrats(DAILY, {
      out,
      onProgress: (pr) => {
        seen.push(pr.fileIndex);
        if (pr.fileIndex === 2) ctl.abort(new Error("stop here"));
      },
      signal: ctl.signal,
    });
    await expect(p).rejects.toThrow(/stop here/);
    expect(seen).toContain(1); // the first two files (and the 2022 partitions) were done
    expect(listing(parent)).toEqual([]);
  });

  it("names an unreadable input", async () => {
    const dir = tmp();
    const fake = join(dir, "fake.zip");
    writeFileSync(fake, readFileSync(D1229));
    const out = join(dir, "ds");
    await expect(importOrats([D1229, fake], { out })).rejects.toThrow(/^fake\.zip: not a zip archive, or an incomplete one/);
    await expect(importOrats([join(dir, "nope.csv")], { out })).rejects.toThrow(/nope\.csv: cannot read \(ENOENT/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses to write over a dataset unless asked to", async () => {
    const { out } = await run([D1229]);
    await expect(importOrats(DAILY, { out })).rejects.toThrow(/already holds a dataset/);
    expect(readManifest(out).partitions.map((p) => p.rows)).toEqual([6, 6]);
    writeFileSync(join(out, "notes.txt"), "keep me");
    const summary = await importOrats([D0103], { out, overwrite: true });
    expect(summary.partitions).toBe(2);
    expect(listing(out)).toEqual(["QQQ/2023.arrow", "SPY/2023.arrow", "manifest.json", "notes.txt"]);
  });

  it("fails when nothing at all is imported", async () => {
    const out = join(tmp(), "ds");
    await expect(importOrats(DAILY, { out, tickers: ["IWM"] })).rejects.toThrow(
      /no rows imported: 36 rows read, 0 skipped, 36 not in the selected tickers/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("importOrats: files holding several days", () => {
  /** 12/29 and 1/3 in one file, rows dealt alternately from the two days so no (ticker, day) is contiguous. */
  function interleaved(): string {
    const a = readFileSync(D1229, "utf8").trimEnd().split("\n");
    const b = readFileSync(D0103, "utf8").trimEnd().split("\n");
    const rows: string[] = [];
    for (let i = 1; i < a.length; i++) rows.push(a[i]!, b[b.length - i]!);
    const path = join(tmp(), "two-days.csv");
    writeFileSync(path, `${a[0]}\n${rows.join("\n")}\n`);
    return path;
  }

  it("sorts interleaved rows into the same partitions as daily files", async () => {
    const daily = await run([D1229, D0103]);
    const mixed = await run([interleaved()]);
    expect(mixed.summary).toMatchObject({ rowsRead: 24, rowsWritten: 24, rowsSkipped: 0 });
    expect(await hashes(mixed.out, mixed.manifest)).toEqual(await hashes(daily.out, daily.manifest));
  });

  /** The same, 600 strikes per (ticker, day) and larger than one read chunk, dealt round-robin. */
  function bigInterleaved(): string {
    const groups = [D1229, D0103].flatMap((f) => {
      const lines = readFileSync(f, "utf8").trimEnd().split("\n").slice(1);
      return ["QQQ", "SPY"].map((t) => lines.filter((l) => l.startsWith(`${t},`)));
    });
    const header = readFileSync(D1229, "utf8").split("\n")[0]!;
    const strikeAt = header.split(",").indexOf("strike");
    const rows: string[] = [];
    for (let k = 0; k < 100; k++) {
      for (let i = 0; i < 6; i++) {
        for (const g of groups) {
          const cells = g[i]!.split(",");
          cells[strikeAt] = String(Number(cells[strikeAt]) + k / 100);
          rows.push(cells.join(","));
        }
      }
    }
    const path = join(tmp(), "big-two-days.csv");
    writeFileSync(path, `${header}\n${rows.join("\n")}\n`);
    expect(statSync(path).size).toBeGreaterThan(2 * 256 * 1024); // several read chunks
    return path;
  }

  it("with too little memory for an ungrouped file, skips what it can no longer place and says so", async () => {
    const path = bigInterleaved();
    const roomy = await run([path]);
    expect(roomy.summary).toMatchObject({ rowsRead: 2400, rowsWritten: 2400, rowsSkipped: 0 });
    const { summary } = await run([path], { memoryBudgetMB: 0.001 });
    expect(summary.rowsRead).toBe(summary.rowsWritten + summary.rowsSkipped);
    expect(summary.rowsSkipped).toBeGreaterThan(0);
    for (const reason of Object.keys(summary.skippedByReason)) {
      expect(["day already written", "day out of order"]).toContain(reason);
    }
  });
});
