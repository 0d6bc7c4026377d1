// aegis-data import-series as a user meets it: the CSV forms it reads, the merge with the dataset's
// series, the manifest it rewrites, and every bad input refused in one line with the dataset unchanged.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readManifest } from "../src/manifest.js";
import { readSeries, type SeriesPoint } from "../src/series.js";
import { importSeries } from "../src/series-import.js";
import { generateDataset } from "../src/synth/index.js";
import { datasetKit, run, sha256, snapshot } from "./dataset-kit.js";

const { tempRoot, copyOf, csv, expectRefused, expectMissingAndDamagedRefused, expectManifestWrittenLast } = datasetKit("aegis-import-series-");

// Two generated datasets: SPX (spx-like, March 2023: its VIX, no events) and AAA, BBB (equity-like,
// 2023 Q1: events, no series), and a fresh copy for each test (partitions hard-linked).
let index: string;
let equity: string;
let vix: SeriesPoint[];

beforeAll(async () => {
  const root = tempRoot();
  index = join(root, "index");
  equity = join(root, "equity");
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-03-01", end: "2023-03-31", seed: 1, out: index });
  await generateDataset({ profile: "equity-like", tickers: ["AAA", "BBB"], start: "2023-01-03", end: "2023-03-31", seed: 7, out: equity });
  vix = readSeries(index);
});

describe("import-series: what it reads and writes", () => {
  it("sees the generated dataset as expected", () => {
    expect(vix).toHaveLength(23);
    expect(vix.slice(0, 2)).toEqual([
      { name: "VIX", date: "2023-03-01", value: 15.78 },
      { name: "VIX", date: "2023-03-02", value: 16.54 },
    ]);
    expect(vix.at(-1)).toEqual({ name: "VIX", date: "2023-03-31", value: 14.27 });
    expect(readManifest(equity).series).toBeUndefined();
  });

  it("merges new series into series.arrow and rewrites only the manifest's series entry", () => {
    const ds = copyOf(index);
    const before = readManifest(ds);
    const files = snapshot(ds);
    const file = csv(
      "name,date,value\n" +
        "MYIDX,2023-03-02,101.5\n" +
        "VIX,2023-03-01,15.78\n" + // already there (generated): counted, not added
        "MYIDX,2023-03-01,100\n" +
        "SKEW,2023-03-31,130.25\n" +
        "VIX,2023-03-02,16.540\n", // the same value, written otherwise
    );
    const r = run("import-series", file, "--dataset", ds);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("5 rows read, 3 added to series.arrow, 2 already present (MYIDX, SKEW, VIX; 2023-03-01 to 2023-03-31)\n");

    const series = readSeries(ds);
    expect(series.slice(0, 3)).toEqual([
      { name: "MYIDX", date: "2023-03-01", value: 100 },
      { name: "MYIDX", date: "2023-03-02", value: 101.5 },
      { name: "SKEW", date: "2023-03-31", value: 130.25 },
    ]);
    expect(series.slice(3)).toEqual(vix);
    const after = readManifest(ds);
    const bytes = readFileSync(join(ds, "series.arrow"));
    expect(after.series).toEqual({
      path: "series.arrow",
      rows: 26,
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
      names: ["MYIDX", "SKEW", "VIX"],
      firstDate: "2023-03-01",
      lastDate: "2023-03-31",
    });
    const { series: _a, ...restAfter } = after;
    const { series: _b, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(readFileSync(join(ds, "manifest.json"), "utf8")).toBe(`${JSON.stringify(after, null, 2)}\n`);
    const now = snapshot(ds);
    for (const [path, hash] of Object.entries(files)) if (path.includes("/")) expect(now[path], path).toBe(hash);
    expect(readdirSync(ds).sort()).toEqual(["SPX", "manifest.json", "series.arrow"]);

    // The same file again adds nothing and writes nothing.
    const again = snapshot(ds);
    const r2 = run("import-series", file, "--dataset", ds);
    expect(r2.stdout).toBe("5 rows read, 0 added to series.arrow, 5 already present (MYIDX, SKEW, VIX; 2023-03-01 to 2023-03-31)\n");
    expect(snapshot(ds)).toEqual(again);

    // info lists each series with its rows and span; validate passes.
    const info = run("info", ds);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain(
      "series      3 series, 26 rows   2023-03-01 to 2023-03-31\n" +
        "  MYIDX    2023-03-01 to 2023-03-02  2 rows\n" +
        "  SKEW     2023-03-31 to 2023-03-31  1 rows\n" +
        "  VIX      2023-03-01 to 2023-03-31  23 rows\n",
    );
    expect(JSON.parse(run("info", ds, "--json").stdout).series).toEqual({
      rows: 26,
      firstDate: "2023-03-01",
      lastDate: "2023-03-31",
      byName: {
        MYIDX: { rows: 2, firstDate: "2023-03-01", lastDate: "2023-03-02" },
        SKEW: { rows: 1, firstDate: "2023-03-31", lastDate: "2023-03-31" },
        VIX: { rows: 23, firstDate: "2023-03-01", lastDate: "2023-03-31" },
      },
    });
    expect(run("validate", ds).stdout).toMatch(/^ok: /);
  });

  it("creates series.arrow and the manifest's entry, after events, in a dataset that had none", async () => {
    const ds = copyOf(equity);
    const before = readFileSync(join(ds, "manifest.json"), "utf8");
    expect(run("info", ds).stdout).toContain("series      none\n");
    const r = await importSeries(ds, csv("name,date,value\nRATE,2023-03-03,4.6\nRATE,2023-01-03,4.1\nRATE,2023-02-01,-0.25\n"));
    expect(r).toEqual({ file: expect.any(String), read: 3, added: 3, present: 0, names: ["RATE"], firstDate: "2023-01-03", lastDate: "2023-03-03", total: 3 });
    expect(readSeries(ds)).toEqual([
      { name: "RATE", date: "2023-01-03", value: 4.1 },
      { name: "RATE", date: "2023-02-01", value: -0.25 },
      { name: "RATE", date: "2023-03-03", value: 4.6 },
    ]);
    const m = readManifest(ds);
    expect(Object.keys(m).slice(-3)).toEqual(["partitions", "events", "series"]);
    const { series: _s, ...rest } = m;
    expect(`${JSON.stringify(rest, null, 2)}\n`).toBe(before);
  });

  it("reads CRLF, CR-only, a BOM, quoted cells, blank lines and columns in any order", () => {
    const forms: [string, Buffer][] = [
      ["crlf-bom", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("name,date,value\r\nMYIDX,2023-03-01,1.5\r\n\r\nMYIDX,2023-03-02,2\r\n")])],
      ["cr", Buffer.from("name,date,value\rMYIDX,2023-03-01,1.5\rMYIDX,2023-03-02,2")],
      ["quoted", Buffer.from('"value","date","name"\n"1.5","2023-03-01","MYIDX"\n 2 , 2023-03-02 ,MYIDX\n')],
      ["blank lines", Buffer.from("\n\ndate,name,value\n\n2023-03-01,MYIDX,15e-1\n  \n2023-03-02,MYIDX,+2.0\n\n")],
    ];
    for (const [name, text] of forms) {
      const ds = copyOf(index);
      const r = run("import-series", csv(text, `${name}.csv`), "--dataset", ds);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toBe("2 rows read, 2 added to series.arrow, 0 already present (MYIDX; 2023-03-01 to 2023-03-02)\n");
      expect(readSeries(ds).filter((p) => p.name === "MYIDX"), name).toEqual([
        { name: "MYIDX", date: "2023-03-01", value: 1.5 },
        { name: "MYIDX", date: "2023-03-02", value: 2 },
      ]);
    }
  });

  it("reads a header-only file as nothing to add", () => {
    const ds = copyOf(index);
    const before = snapshot(ds);
    const r = run("import-series", csv("name,date,value\n"), "--dataset", ds);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("0 rows read, 0 added to series.arrow, 0 already present\n");
    expect(snapshot(ds)).toEqual(before);
  });

  it("shows its CSV format and an example in --help", () => {
    const r = run("import-series", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("name,date,value");
    expect(r.stdout).toContain("aegis-data import-series series.csv --dataset");
    expect(run("--help").stdout).toContain("import-series");
  });
});

describe("import-series: bad input is refused in one line, the dataset unchanged", () => {
  const H = "name,date,value\n";
  const HELP = "expected name,date,value, in any order";
  // [what, file contents, expected message after "<file>:"]
  const cases: [string, string | Buffer, string][] = [
    ["empty file", "", `1: header: the file is empty; ${HELP}`],
    ["only a BOM and blank lines", Buffer.from([0xef, 0xbb, 0xbf, 0x0d, 0x0a, 0x0d, 0x0a]), `1: header: the file is empty; ${HELP}`],
    ["wrong header", "series,date,value\nVIX,2023-03-01,20\n", `1: header: unknown column "series"; ${HELP}, got "series,date,value"`],
    ["no header", "VIX,2023-03-01,20\n", `1: header: unknown column "VIX"; ${HELP}, got "VIX,2023-03-01,20"`],
    ["header without value", "name,date\nVIX,2023-03-01\n", `1: header: no value column; ${HELP}, got "name,date"`],
    ["column twice", "name,date,value,date\n", `1: header: column date appears twice; ${HELP}, got "name,date,value,date"`],
    ["empty name", `${H},2023-03-01,20\n`, "2: name: empty"],
    ["name starting with a digit", `${H}9D,2023-03-01,20\n`, '2: name: "9D" is not a series name: 1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter'],
    ["name with a space", `${H}MY IDX,2023-03-01,20\n`, '2: name: "MY IDX" is not a series name: 1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter'],
    ["name of 65 characters", `${H}${"N".repeat(65)},2023-03-01,20\n`, `2: name: "${"N".repeat(65)}" is not a series name: 1 to 64 characters`],
    ["date not YYYY-MM-DD", `${H}MYIDX,3/1/2023,20\n`, '2: date: "3/1/2023" is not a date as YYYY-MM-DD'],
    ["no such day", `${H}MYIDX,2023-02-30,20\n`, '2: date: "2023-02-30" is not a date as YYYY-MM-DD'],
    ["empty date", `${H}MYIDX,,20\n`, '2: date: "" is not a date as YYYY-MM-DD'],
    ["date before the data", `${H}MYIDX,2023-03-01,20\nMYIDX,2023-02-28,20\n`, "3: date: 2023-02-28 is outside the dataset's data, 2023-03-01 to 2023-03-31"],
    ["date after the data", `${H}MYIDX,2023-04-03,20\n`, "2: date: 2023-04-03 is outside the dataset's data, 2023-03-01 to 2023-03-31"],
    ["a dollar value", `${H}MYIDX,2023-03-01,$5\n`, '2: value: "$5" is not a number'],
    ["NaN", `${H}MYIDX,2023-03-01,NaN\n`, '2: value: "NaN" is not a number'],
    ["Infinity", `${H}MYIDX,2023-03-01,Infinity\n`, '2: value: "Infinity" is not a number'],
    ["beyond a double", `${H}MYIDX,2023-03-01,1e999\n`, '2: value: "1e999" is not a finite number'],
    ["a decimal comma", `${H}MYIDX,2023-03-01,"1,5"\n`, '2: value: "1,5" is not a number'],
    ["a percentage", `${H}MYIDX,2023-03-01,5%\n`, '2: value: "5%" is not a number'],
    ["empty value", `${H}MYIDX,2023-03-01,\n`, "2: value: empty; every row needs a value"],
    ["too few fields", `${H}MYIDX,2023-03-01\n`, "2: fields: 2 fields, the header has 3"],
    ["broken quote", `${H}"MYIDX,2023-03-01,20\n`, "2: quote: the line has a quote in field 1 that never closes"],
    ["not UTF-8 (Latin-1)", Buffer.concat([Buffer.from(`${H}MYIDX,2023-03-01,20\r\n`), Buffer.from([0x4d, 0xc9, 0x2c])]), "3: encoding: not UTF-8 text; save the file as UTF-8"],
    ["a row twice in the file", `${H}MYIDX,2023-03-01,20\nMYIDX,2023-03-02,21\nMYIDX,2023-03-01,20\n`, "4: date: MYIDX 2023-03-01 is on line 2 too; each name and date may stand once in a file"],
    ["a conflict inside the file", `${H}MYIDX,2023-03-01,20\nMYIDX,2023-03-01,20.5\n`, "3: value: MYIDX 2023-03-01 value 20.5 conflicts with line 2 (MYIDX 2023-03-01 value 20)"],
    [
      "a conflict with the dataset",
      `${H}MYIDX,2023-03-01,20\nVIX,2023-03-02,16.55\n`,
      "3: value: VIX 2023-03-02 value 16.55 conflicts with the value already in the dataset (series.arrow row 2: VIX 2023-03-02 value 16.54)",
    ],
    ["good lines then bad ones", `${H}MYIDX,2023-03-01,20\nMYIDX,2023-03-02,x\nMYIDX,2023-13-01,1\nVIX,2023-03-01,99\n`, '3: value: "x" is not a number (and 2 more problems after it)'],
  ];

  it.each(cases)("%s", (_what, text, message) => {
    expectRefused("import-series", copyOf(index), text, message);
  });

  it("refuses a missing file, a missing dataset and series.arrow that differs from the manifest or is gone", () => {
    const ds = copyOf(index);
    expectMissingAndDamagedRefused("import-series", ds, "series.arrow", `${H}MYIDX,2023-03-01,1\n`);
    const path = join(ds, "series.arrow");
    rmSync(path);
    const r = run("import-series", csv(`${H}MYIDX,2023-03-01,1\n`), "--dataset", ds);
    expect(r.stderr).toBe(`aegis-data: error: ${path}: listed in the manifest but cannot be read (ENOENT)\n`);
  });

  it("keeps the manifest the last thing written: a failure before it leaves the dataset as it was", async () => {
    await expectManifestWrittenLast(copyOf(index), importSeries, `${H}MYIDX,2023-03-01,1\n`);
  });
});
