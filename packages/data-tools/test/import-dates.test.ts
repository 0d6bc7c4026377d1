// aegis-data import-dates as a user meets it: a dates file stored as a date set (the series NAME and
// NAME.<TICKER>, every day 1), merged with the dataset's other series, replaced when imported again,
// shown by info, and every bad input refused in one line with the dataset unchanged.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { firstNonUtf8Line } from "../src/csv-import.js";
import { findDateSets } from "../src/date-sets.js";
import { importDates } from "../src/index.js";
import { readManifest } from "../src/manifest.js";
import { readSeries, type SeriesPoint } from "../src/series.js";
import { generateDataset } from "../src/synth/index.js";
import { datasetKit, run, sha256, snapshot } from "./dataset-kit.js";

const { tempRoot, copyOf, csv, expectRefused, expectMissingAndDamagedRefused, expectManifestWrittenLast } = datasetKit("aegis-import-dates-");

// Two generated datasets, as import-series's tests have them: AAA, BBB (equity-like, 2023 Q1,
// events, no series) and SPX (spx-like, March 2023, its VIX series); a fresh copy for each test.
let equity: string;
let index: string;
let vix: SeriesPoint[];

beforeAll(async () => {
  const root = tempRoot();
  equity = join(root, "equity");
  index = join(root, "index");
  await generateDataset({ profile: "equity-like", tickers: ["AAA", "BBB"], start: "2023-01-03", end: "2023-03-31", seed: 7, out: equity });
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-03-01", end: "2023-03-31", seed: 1, out: index });
  vix = readSeries(index);
});

const day = (name: string, date: string): SeriesPoint => ({ name, date, value: 1 });

describe("import-dates: what it reads and writes", () => {
  it("stores the days as the series NAME and NAME.<TICKER>, rewrites only the manifest's series entry, and reads back", () => {
    const ds = copyOf(equity);
    const before = readManifest(ds);
    const files = snapshot(ds);
    const file = csv(
      "date,ticker\n" +
        "2023-03-22,\n" +
        "2023-02-01,\n" +
        "2023-02-02,BBB\n" +
        "2023-01-26,AAA\n" +
        "2023-02-02,AAA\n" +
        "2023-02-01,\n", // the same day again: counted, stored once
    );
    const r = run("import-dates", file, "--dataset", ds, "--name", "FOMC");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "6 rows read (1 repeating an earlier row): date set FOMC, 2023-01-26 to 2023-03-22, days: every ticker 2, AAA 2, BBB 1 → series.arrow, 5 rows\n",
    );

    expect(readSeries(ds)).toEqual([
      day("FOMC", "2023-02-01"),
      day("FOMC", "2023-03-22"),
      day("FOMC.AAA", "2023-01-26"),
      day("FOMC.AAA", "2023-02-02"),
      day("FOMC.BBB", "2023-02-02"),
    ]);
    const after = readManifest(ds);
    const bytes = readFileSync(join(ds, "series.arrow"));
    expect(after.series).toEqual({
      path: "series.arrow",
      rows: 5,
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
      names: ["FOMC", "FOMC.AAA", "FOMC.BBB"],
      firstDate: "2023-01-26",
      lastDate: "2023-03-22",
    });
    const { series: _a, ...restAfter } = after;
    expect(restAfter).toEqual(before);
    expect(Object.keys(after).slice(-3)).toEqual(["partitions", "events", "series"]);
    expect(readFileSync(join(ds, "manifest.json"), "utf8")).toBe(`${JSON.stringify(after, null, 2)}\n`);
    const now = snapshot(ds);
    for (const [path, hash] of Object.entries(files)) if (path !== "manifest.json") expect(now[path], path).toBe(hash);

    // info shows the three series as one date set; validate passes.
    const info = run("info", ds);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain(
      "series      1 date set, 5 rows   2023-01-26 to 2023-03-22\n" + "  FOMC     2023-01-26 to 2023-03-22  date set, days: every ticker 2, AAA 2, BBB 1\n",
    );
    const json = JSON.parse(run("info", ds, "--json").stdout).series;
    expect(json.dateSets).toEqual({ FOMC: { everyTicker: 2, byTicker: { AAA: 2, BBB: 1 }, firstDate: "2023-01-26", lastDate: "2023-03-22" } });
    expect(Object.keys(json.byName)).toEqual(["FOMC", "FOMC.AAA", "FOMC.BBB"]);
    expect(run("validate", ds).stdout).toMatch(/^ok: /);
  });

  it("keeps the dataset's other series as they were, and says so in info", async () => {
    const ds = copyOf(index);
    const r = await importDates(ds, csv("date\n2023-03-22\n2023-03-01\n"), { name: "FOMC" });
    expect(r).toEqual({
      file: expect.any(String),
      name: "FOMC",
      read: 2,
      repeated: 0,
      everyTicker: 2,
      byTicker: {},
      firstDate: "2023-03-01",
      lastDate: "2023-03-22",
      outside: 0,
      unknownTickers: [],
      written: true,
      total: 25,
    });
    expect(readSeries(ds)).toEqual([day("FOMC", "2023-03-01"), day("FOMC", "2023-03-22"), ...vix]);
    expect(readManifest(ds).series?.names).toEqual(["FOMC", "VIX"]);
    expect(run("info", ds).stdout).toContain(
      "series      1 series, 1 date set, 25 rows   2023-03-01 to 2023-03-31\n" +
        "  VIX      2023-03-01 to 2023-03-31  23 rows\n" +
        "  FOMC     2023-03-01 to 2023-03-22  date set, days: every ticker 2\n",
    );
    expect(run("validate", ds).stdout).toMatch(/^ok: /);
  });

  it("replaces a set imported before, saying what it had; the same set again writes nothing", () => {
    const ds = copyOf(index);
    const first = run("import-dates", csv("date,ticker\n2023-03-01,\n2023-03-02,SPX\n2023-03-03,SPX\n"), "--dataset", ds, "--name", "CPI");
    expect(first.status, first.stderr).toBe(0);
    const second = csv("DATE,TICKER\n2023-03-14,\n2023-03-10,SPX\n");
    const r = run("import-dates", second, "--dataset", ds, "--name", "CPI");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      "2 rows read: date set CPI, 2023-03-10 to 2023-03-14, days: every ticker 1, SPX 1 → series.arrow, 25 rows\n" +
        "  replaces the set CPI the dataset had: 2023-03-01 to 2023-03-03, days: every ticker 1, SPX 2\n",
    );
    expect(readSeries(ds)).toEqual([day("CPI", "2023-03-14"), day("CPI.SPX", "2023-03-10"), ...vix]);

    const unchanged = snapshot(ds);
    const again = run("import-dates", second, "--dataset", ds, "--name", "CPI");
    expect(again.stdout).toBe(
      "2 rows read: date set CPI, 2023-03-10 to 2023-03-14, days: every ticker 1, SPX 1; the dataset holds exactly this set already, nothing written\n",
    );
    expect(snapshot(ds)).toEqual(unchanged);

    // A set for one ticker only replaces one for every ticker (and the other way round).
    expect(run("import-dates", csv("date,ticker\n2023-03-15,SPX\n"), "--dataset", ds, "--name", "CPI").status).toBe(0);
    expect(readSeries(ds)).toEqual([day("CPI.SPX", "2023-03-15"), ...vix]);
  });

  it("refuses to replace series that are not a date set", () => {
    const ds = copyOf(index);
    const before = snapshot(ds);
    const r = run("import-dates", csv("date\n2023-03-01\n"), "--dataset", ds, "--name", "VIX");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `aegis-data: error: ${join(ds, "series.arrow")}: the series VIX is not a date set (2023-03-01 holds 15.78; a date set's days hold 1), so the date set VIX cannot replace it; choose another name\n`,
    );
    expect(snapshot(ds)).toEqual(before);
  });

  it("keeps days outside the data, and says how many", () => {
    const ds = copyOf(equity);
    const r = run("import-dates", csv("date,ticker\n2022-12-14,\n2023-02-01,\n2024-01-31,AAA\n"), "--dataset", ds, "--name", "FOMC");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      "3 rows read: date set FOMC, 2022-12-14 to 2024-01-31, days: every ticker 2, AAA 1 → series.arrow, 3 rows\n" +
        "  2 days lie outside the data (kept; a run never meets them)\n",
    );
    expect(readSeries(ds).map((p) => `${p.name} ${p.date}`)).toEqual(["FOMC 2022-12-14", "FOMC 2023-02-01", "FOMC.AAA 2024-01-31"]);
  });

  it("refuses a ticker the dataset lacks, naming the line, and accepts it with --allow-unknown-tickers", async () => {
    const text = "date,ticker\n2023-02-01,AAA\n2023-02-02,XYZ\n";
    expectRefused("import-dates", copyOf(equity), text, `3: ticker: "XYZ" is not in the dataset; it has AAA, BBB (--allow-unknown-tickers imports it anyway)`, "--name", "FOMC");
    expectRefused("import-dates", copyOf(equity), "date,ticker\n2023-02-01,aaa\n", `2: ticker: "aaa" is not in the dataset (did you mean AAA?); it has AAA, BBB`, "--name", "FOMC");

    const ds = copyOf(equity);
    const r = run("import-dates", csv(text), "--dataset", ds, "--name", "FOMC", "--allow-unknown-tickers");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      "2 rows read: date set FOMC, 2023-02-01 to 2023-02-02, days: AAA 1, XYZ 1 → series.arrow, 2 rows\n" +
        "  1 day lies outside the data (kept; a run never meets it)\n" +
        "  tickers the dataset does not have (--allow-unknown-tickers): XYZ\n",
    );
    expect(readSeries(ds)).toEqual([day("FOMC.AAA", "2023-02-01"), day("FOMC.XYZ", "2023-02-02")]);
    const lib = await importDates(copyOf(equity), csv(text), { name: "FOMC", allowUnknownTickers: true });
    expect(lib.unknownTickers).toEqual(["XYZ"]);
    await expect(importDates(copyOf(equity), csv(text), { name: "FOMC" })).rejects.toThrow(/:3: ticker: "XYZ" is not in the dataset/);
  });

  it("reads CRLF, CR-only, a BOM, quoted cells, blank lines and a header in any case; --data is --dataset", () => {
    const forms: [string, Buffer][] = [
      ["crlf-bom", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("Date,Ticker\r\n2023-02-01,\r\n\r\n2023-02-02,AAA\r\n")])],
      ["cr", Buffer.from("date,ticker\r2023-02-01,\r2023-02-02,AAA")],
      ["quoted", Buffer.from('"date","ticker"\n"2023-02-01",""\n 2023-02-02 , AAA \n')],
      ["blank lines", Buffer.from("\n\nDATE,ticker\n\n2023-02-01,\n  \n2023-02-02,AAA\n\n")],
    ];
    for (const [name, text] of forms) {
      const ds = copyOf(equity);
      const r = run("import-dates", csv(text, `${name}.csv`), name === "cr" ? "--data" : "--dataset", ds, "--name", "FOMC");
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toBe("2 rows read: date set FOMC, 2023-02-01 to 2023-02-02, days: every ticker 1, AAA 1 → series.arrow, 2 rows\n");
      expect(readSeries(ds), name).toEqual([day("FOMC", "2023-02-01"), day("FOMC.AAA", "2023-02-02")]);
    }
  });

  it("shows its CSV format and an example in --help", () => {
    const r = run("import-dates", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("date or date,ticker");
    expect(r.stdout).toContain("--allow-unknown-tickers");
    expect(r.stdout).toContain("dates: { set: NAME, on: only | never }");
    expect(r.stdout).toContain("aegis-data import-dates fomc.csv --dataset data/eq --name FOMC");
    expect(run("--help").stdout).toContain("import-dates");
  });
});

describe("import-dates: bad input is refused in one line, the dataset unchanged", () => {
  const H = "date,ticker\n";
  const HELP = "expected date or date,ticker (in that order, any case)";
  // [what, file contents, expected message after "<file>:"]
  const cases: [string, string | Buffer, string][] = [
    ["empty file", "", `1: header: the file is empty; ${HELP}`],
    ["only a BOM and blank lines", Buffer.from([0xef, 0xbb, 0xbf, 0x0a, 0x0a]), `1: header: the file is empty; ${HELP}`],
    ["a header alone", "\ndate\n\n", "2: header: no dates below it; give one YYYY-MM-DD a line"],
    ["wrong header", "day\n2023-02-01\n", `1: header: ${HELP}, got "day"`],
    ["no header", "2023-02-01\n", `1: header: ${HELP}, got "2023-02-01"`],
    ["columns swapped", "ticker,date\nAAA,2023-02-01\n", `1: header: ${HELP}, got "ticker,date"`],
    ["a third column", "date,ticker,note\n", `1: header: ${HELP}, got "date,ticker,note"`],
    ["date not YYYY-MM-DD", `${H}2/1/2023,\n`, '2: date: "2/1/2023" is not a date as YYYY-MM-DD'],
    ["no such day", `${H}2023-02-01,\n2023-02-30,\n`, '3: date: "2023-02-30" is not a date as YYYY-MM-DD'],
    ["empty date", `${H},AAA\n`, '2: date: "" is not a date as YYYY-MM-DD'],
    ["year 0000", `${H}0000-01-01,\n`, "2: date: 0000-01-01 is not a date from 0001 to 9999"],
    ["too many fields", "date\n2023-02-01,AAA\n", "2: fields: 2 fields, the header has 1"],
    ["too few fields", `${H}2023-02-01\n`, "2: fields: 1 field, the header has 2"],
    ["a ticker with a space", `${H}2023-02-01,AA A\n`, '2: ticker: "AA A" is not a ticker: 1 to 32 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit'],
    ["a ticker starting with a dot", `${H}2023-02-01,.AAA\n`, '2: ticker: ".AAA" is not a ticker'],
    ["a ticker of 33 characters", `${H}2023-02-01,${"A".repeat(33)}\n`, `2: ticker: "${"A".repeat(33)}" is not a ticker`],
    ["a broken quote", `${H}"2023-02-01,AAA\n`, "2: quote: the line has a quote in field 1 that never closes"],
    ["not UTF-8", Buffer.concat([Buffer.from(`${H}2023-02-01,AAA\r\n2023-02-02,`), Buffer.from([0xc4, 0x0a])]), "3: encoding: not UTF-8 text; save the file as UTF-8"],
    ["UTF-16", Buffer.from("\ufeffdate\n2023-02-01\n", "utf16le"), "1: encoding: not UTF-8 text"],
    ["good lines then bad ones", `${H}2023-02-01,\n2023-02-31,\n2023-03-01,ZZZ\n2023-03-02,AAA,x\n`, '3: date: "2023-02-31" is not a date as YYYY-MM-DD (and 2 more problems after it)'],
  ];

  it.each(cases)("%s", (_what, text, message) => {
    expectRefused("import-dates", copyOf(equity), text, message, "--name", "FOMC");
  });

  it("refuses a ticker that leaves the series' name longer than 64 characters", () => {
    const name = `S${"x".repeat(59)}`; // 60 characters: room for a ticker of three
    expect(run("import-dates", csv(`${H}2023-02-01,AAA\n`), "--dataset", copyOf(equity), "--name", name).status).toBe(0);
    expectRefused(
      "import-dates",
      copyOf(equity),
      `${H}2023-02-01,AAA\n2023-02-02,AAAA\n`,
      `3: ticker: the series ${name}.AAAA would have more than 64 characters; a shorter set name leaves room for the ticker`,
      "--name",
      name,
      "--allow-unknown-tickers",
    );
  });

  it("refuses a name that is not a date set's, and no name", () => {
    for (const name of ["FO.MC", "9FOMC", "FO MC", "", "F".repeat(65)]) {
      const ds = copyOf(equity);
      const before = snapshot(ds);
      const r = run("import-dates", csv(`${H}2023-02-01,\n`), "--dataset", ds, "--name", name);
      expect(r.status, name).toBe(1);
      expect(r.stderr).toBe(`aegis-data: error: ${JSON.stringify(name)} is not a date set name: a letter, then letters, digits, _ and - (no .), at most 64 characters\n`);
      expect(snapshot(ds)).toEqual(before);
    }
    const r = run("import-dates", csv(`${H}2023-02-01,\n`), "--dataset", copyOf(equity));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("required option '--name <name>' not specified");
    const none = run("import-dates", csv(`${H}2023-02-01,\n`), "--name", "FOMC");
    expect(none.stderr).toBe("aegis-data: error: required option '--dataset <dir>' not specified\n");
  });

  it("refuses a missing file, a missing dataset and series.arrow that differs from the manifest", () => {
    const ds = copyOf(index);
    expectMissingAndDamagedRefused("import-dates", ds, "series.arrow", `${H}2023-03-01,\n`, "--name", "FOMC");
  });

  it("keeps the manifest the last thing written: a failure before it leaves the dataset as it was", async () => {
    await expectManifestWrittenLast(copyOf(index), (ds, file) => importDates(ds, file, { name: "FOMC" }), `${H}2023-03-01,\n`);
  });
});

describe("date sets among series", () => {
  it("groups NAME and NAME.<ticker> when every day holds 1; any other group stays series", () => {
    const points = [
      day("CPI", "2023-01-12"),
      day("CPI.BRK.B", "2023-01-12"),
      day("CPI.BRK.B", "2023-02-14"),
      { name: "FLAGS", date: "2023-01-03", value: 1 },
      { name: "FLAGS.x", date: "2023-01-03", value: 2 },
      { name: "VIX", date: "2023-01-03", value: 22.9 },
    ];
    expect(findDateSets(points)).toEqual({
      dateSets: [{ name: "CPI", everyTicker: 1, byTicker: { "BRK.B": 2 }, firstDate: "2023-01-12", lastDate: "2023-02-14" }],
      series: ["FLAGS", "FLAGS.x", "VIX"],
    });
  });

  it("finds the first line that is not UTF-8, with LF, CRLF or CR line ends", () => {
    expect(firstNonUtf8Line(Buffer.from("date\n2023-02-01 é\n"))).toBeUndefined();
    expect(firstNonUtf8Line(Buffer.from([0x61, 0x0d, 0x0a, 0x62, 0x0d, 0x63, 0x0a, 0xff]))).toBe(4);
    expect(firstNonUtf8Line(Buffer.from([0xe2, 0x82]))).toBe(1);
  });
});
