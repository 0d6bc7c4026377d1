// aegis-data import-events as a user meets it: the CSV forms it reads, the merge with the dataset's
// events, the manifest it rewrites, and every bad input refused in one line with the dataset unchanged.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readEvents, type DatasetEvent } from "../src/events.js";
import { importEvents } from "../src/events-import.js";
import { readManifest } from "../src/manifest.js";
import { generateDataset } from "../src/synth/index.js";
import { datasetKit, run, sha256, snapshot } from "./dataset-kit.js";

const { tempRoot, copyOf, csv, expectRefused, expectMissingAndDamagedRefused, expectManifestWrittenLast } = datasetKit("aegis-import-events-");

// One generated dataset (AAA, BBB: equity-like, with their ex-dividends and earnings; SPX: spx-like,
// no events), and a fresh copy for each test (partitions hard-linked: import-events never writes them).
let equity: string;
let index: string;
let generated: DatasetEvent[];

beforeAll(async () => {
  const root = tempRoot();
  equity = join(root, "equity");
  index = join(root, "index");
  await generateDataset({ profile: "equity-like", tickers: ["AAA", "BBB"], start: "2023-01-03", end: "2023-06-30", seed: 7, out: equity });
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-03-01", end: "2023-03-10", seed: 1, out: index });
  generated = readEvents(equity);
});

describe("import-events: what it reads and writes", () => {
  it("sees the generated dataset as expected", () => {
    expect(generated.map((e) => `${e.ticker} ${e.date} ${e.kind} ${e.amount ?? e.session}`)).toEqual([
      "AAA 2023-02-08 earnings amc",
      "AAA 2023-02-13 ex_dividend 0.22",
      "AAA 2023-05-09 earnings amc",
      "AAA 2023-05-12 ex_dividend 0.22",
      "BBB 2023-01-23 earnings amc",
      "BBB 2023-01-30 ex_dividend 0.23",
      "BBB 2023-04-24 earnings amc",
      "BBB 2023-04-28 ex_dividend 0.26",
    ]);
  });

  it("merges earnings, splits and dividends into events.arrow and rewrites only the manifest's events entry", () => {
    const ds = copyOf(equity);
    const before = readManifest(ds);
    const partitions = snapshot(ds);
    const file = csv(
      "ticker,date,kind,amount,session\n" +
        "BBB,2023-04-20,earnings,,bmo\n" +
        "AAA,2023-02-13,ex_dividend,0.22,\n" + // already there (generated): counted, not added
        "AAA,2023-03-15,split,2,\n" +
        "AAA,2023-01-26,earnings,,amc\n" +
        "BBB,2023-06-30,ex_dividend,0.5,\n" +
        "AAA,2023-03-15,split,2.0,\n", // the same row again
    );
    const r = run("import-events", file, "--dataset", ds);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("6 events read, 4 added, 2 already present\nevents.arrow: 12 events (earnings 6, ex_dividend 5, split 1), 2023-01-23 to 2023-06-30\n");

    const events = readEvents(ds);
    expect(events).toEqual([
      { ticker: "AAA", date: "2023-01-26", kind: "earnings", amount: null, session: "amc" },
      { ticker: "AAA", date: "2023-02-08", kind: "earnings", amount: null, session: "amc" },
      { ticker: "AAA", date: "2023-02-13", kind: "ex_dividend", amount: 0.22, session: null },
      { ticker: "AAA", date: "2023-03-15", kind: "split", amount: 2, session: null },
      { ticker: "AAA", date: "2023-05-09", kind: "earnings", amount: null, session: "amc" },
      { ticker: "AAA", date: "2023-05-12", kind: "ex_dividend", amount: 0.22, session: null },
      { ticker: "BBB", date: "2023-01-23", kind: "earnings", amount: null, session: "amc" },
      { ticker: "BBB", date: "2023-01-30", kind: "ex_dividend", amount: 0.23, session: null },
      { ticker: "BBB", date: "2023-04-20", kind: "earnings", amount: null, session: "bmo" },
      { ticker: "BBB", date: "2023-04-24", kind: "earnings", amount: null, session: "amc" },
      { ticker: "BBB", date: "2023-04-28", kind: "ex_dividend", amount: 0.26, session: null },
      { ticker: "BBB", date: "2023-06-30", kind: "ex_dividend", amount: 0.5, session: null },
    ]);
    const after = readManifest(ds);
    const bytes = readFileSync(join(ds, "events.arrow"));
    expect(after.events).toEqual({ path: "events.arrow", rows: 12, bytes: bytes.byteLength, sha256: sha256(bytes), firstDate: "2023-01-23", lastDate: "2023-06-30" });
    const { events: _a, ...restAfter } = after;
    const { events: _b, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(readFileSync(join(ds, "manifest.json"), "utf8")).toBe(`${JSON.stringify(after, null, 2)}\n`);
    const now = snapshot(ds);
    for (const [path, hash] of Object.entries(partitions)) if (path.includes("/")) expect(now[path], path).toBe(hash);
    expect(readdirSync(ds).sort()).toEqual(["AAA", "BBB", "events.arrow", "manifest.json"]);

    // The same file again adds nothing and writes nothing.
    const again = snapshot(ds);
    const r2 = run("import-events", file, "--dataset", ds);
    expect(r2.stdout).toBe("6 events read, 0 added, 6 already present\n");
    expect(snapshot(ds)).toEqual(again);

    // info counts them by kind.
    const info = run("info", ds);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain("events      12 (earnings 6, ex_dividend 5, split 1)   2023-01-23 to 2023-06-30\n");
    expect(JSON.parse(run("info", ds, "--json").stdout).events).toEqual({
      rows: 12,
      firstDate: "2023-01-23",
      lastDate: "2023-06-30",
      byKind: { earnings: 6, ex_dividend: 5, split: 1 },
    });
  });

  it("creates events.arrow and the manifest's entry in a dataset that had none", async () => {
    const ds = copyOf(index);
    const before = readFileSync(join(ds, "manifest.json"), "utf8");
    expect(run("info", ds).stdout).toContain("events      none\n");
    const r = await importEvents(ds, csv("ticker,ex_date,amount\nSPX,2023-03-06,1.6\nSPX,2023-03-03,1.5\n"));
    expect(r).toMatchObject({ read: 2, added: 2, present: 0, total: 2, byKind: { earnings: 0, ex_dividend: 2, split: 0 } });
    expect(readEvents(ds).map((e) => [e.date, e.kind, e.amount])).toEqual([
      ["2023-03-03", "ex_dividend", 1.5],
      ["2023-03-06", "ex_dividend", 1.6],
    ]);
    const m = readManifest(ds);
    // events goes right after the partitions, before the spx-like dataset's series (aegis-synth/4).
    expect(Object.keys(m).slice(-3)).toEqual(["partitions", "events", "series"]);
    const { events: _e, ...rest } = m;
    expect(`${JSON.stringify(rest, null, 2)}\n`).toBe(before);
  });

  it("reads CRLF, CR-only, a BOM, quoted cells, blank lines and columns in any order", () => {
    const forms: [string, Buffer][] = [
      ["crlf-bom", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("ticker,date,amount\r\nAAA,2023-03-01,0.1\r\n\r\nBBB,2023-03-02,0.2\r\n")])],
      ["cr", Buffer.from("ticker,date,amount\rAAA,2023-03-01,0.1\rBBB,2023-03-02,0.2")],
      ["quoted", Buffer.from('"amount","ticker","kind","date"\n"0.1","AAA","ex_dividend","2023-03-01"\n 0.2 , BBB ,ex_dividend, 2023-03-02\n')],
      ["dividends", Buffer.from("ticker,ex_date,amount\r\nAAA,2023-03-01,0.1\r\nBBB,2023-03-02,0.2\r\n")],
    ];
    for (const [name, text] of forms) {
      const ds = copyOf(equity);
      const r = run("import-events", csv(text, `${name}.csv`), "--dataset", ds);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toMatch(/^2 events read, 2 added, 0 already present\n/);
      const added = readEvents(ds).filter((e) => e.date.startsWith("2023-03"));
      expect(added, name).toEqual([
        { ticker: "AAA", date: "2023-03-01", kind: "ex_dividend", amount: 0.1, session: null },
        { ticker: "BBB", date: "2023-03-02", kind: "ex_dividend", amount: 0.2, session: null },
      ]);
    }
  });

  it("shows its CSV format and an example in --help", () => {
    const r = run("import-events", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("ticker,date,kind,amount,session");
    expect(r.stdout).toContain("ticker,ex_date,amount");
    expect(r.stdout).toContain("aegis-data import-events events.csv --dataset");
    expect(run("--help").stdout).toContain("import-events");
  });
});

describe("import-events: bad input is refused in one line, the dataset unchanged", () => {
  const H = "ticker,date,kind,amount,session\n";
  // [what, file contents, expected message after "<file>:"]
  const cases: [string, string | Buffer, string][] = [
    ["unknown ticker", `${H}AAA,2023-03-01,ex_dividend,0.5,\nZZZ,2023-03-01,ex_dividend,0.5,\n`, '3: ticker: "ZZZ" is not in the dataset; it has AAA, BBB'],
    ["ticker in the wrong case", `${H}aaa,2023-03-01,ex_dividend,0.5,\n`, '2: ticker: "aaa" is not in the dataset (did you mean AAA?); it has AAA, BBB'],
    ["empty ticker", `${H},2023-03-01,ex_dividend,0.5,\n`, "2: ticker: empty"],
    ["date before the data", `${H}AAA,2022-12-30,ex_dividend,0.5,\n`, "2: date: 2022-12-30 is outside AAA's data, 2023-01-03 to 2023-06-30"],
    ["date after the data", `${H}BBB,2023-07-03,split,2,\n`, "2: date: 2023-07-03 is outside BBB's data, 2023-01-03 to 2023-06-30"],
    ["date not YYYY-MM-DD", `${H}AAA,3/1/2023,ex_dividend,0.5,\n`, '2: date: "3/1/2023" is not a date as YYYY-MM-DD'],
    ["no such day", `${H}AAA,2023-02-30,ex_dividend,0.5,\n`, '2: date: "2023-02-30" is not a date as YYYY-MM-DD'],
    ["ex_date not a date", "ticker,ex_date,amount\nAAA,soon,0.5\n", '2: ex_date: "soon" is not a date as YYYY-MM-DD'],
    ["unknown kind", `${H}AAA,2023-03-01,dividend,0.5,\n`, '2: kind: "dividend" is not a kind of event; expected earnings, ex_dividend, split'],
    ["empty kind", `${H}AAA,2023-03-01,,0.5,\n`, '2: kind: "" is not a kind of event; expected earnings, ex_dividend, split'],
    ["dividend without amount", `${H}AAA,2023-03-01,ex_dividend,,\n`, "2: amount: empty; an ex_dividend row needs the dividend per share in dollars"],
    ["non-numeric amount", "ticker,date,amount\nAAA,2023-03-01,$0.50\n", '2: amount: "$0.50" is not a number'],
    ["amount NaN", "ticker,date,amount\nAAA,2023-03-01,NaN\n", '2: amount: "NaN" is not a number'],
    ["amount Infinity", "ticker,date,amount\nAAA,2023-03-01,Infinity\n", '2: amount: "Infinity" is not a number'],
    ["amount beyond a double", "ticker,date,amount\nAAA,2023-03-01,1e999\n", '2: amount: "1e999" is not a finite number'],
    ["zero dividend", "ticker,date,amount\nAAA,2023-03-01,0\n", "2: amount: 0 must be greater than 0 (the dividend per share in dollars)"],
    ["negative dividend", "ticker,ex_date,amount\nAAA,2023-03-01,-0.5\n", "2: amount: -0.5 must be greater than 0 (the dividend per share in dollars)"],
    ["split ratio 1", `${H}AAA,2023-03-01,split,1.0,\n`, "2: amount: a split ratio of 1 changes nothing"],
    ["split ratio 0", `${H}AAA,2023-03-01,split,0,\n`, "2: amount: 0 must be greater than 0 (the split ratio)"],
    ["session on a dividend", `${H}AAA,2023-03-01,ex_dividend,0.5,bmo\n`, '2: session: "bmo" given on an ex_dividend row; only earnings rows have a session'],
    ["session on a split", `${H}AAA,2023-03-01,split,3,amc\n`, '2: session: "amc" given on a split row; only earnings rows have a session'],
    ["unknown session", `${H}AAA,2023-03-01,earnings,,pre\n`, '2: session: "pre" is not a session; expected bmo or amc (earnings only)'],
    ["earnings without session", `${H}AAA,2023-03-01,earnings,,\n`, '2: session: an earnings row needs bmo or amc, got ""'],
    ["earnings with an amount", `${H}AAA,2023-03-01,earnings,1.2,amc\n`, "2: amount: 1.2 given on an earnings row; earnings carry no amount"],
    ["wrong header", "symbol,date,amount\nAAA,2023-03-01,0.5\n", '1: header: unknown column "symbol"; expected ticker,date,kind,amount,session (kind and session optional) or ticker,ex_date,amount, got "symbol,date,amount"'],
    ["no header", "AAA,2023-03-01,0.5\n", '1: header: unknown column "AAA"; expected'],
    ["header without amount", "ticker,date,kind\nAAA,2023-03-01,earnings\n", "1: header: no amount column; expected"],
    ["column twice", "ticker,date,amount,date\n", "1: header: column date appears twice; expected"],
    ["kind beside ex_date", "ticker,ex_date,kind,amount\n", "1: header: kind cannot stand beside ex_date; expected"],
    ["empty file", "", "1: header: the file is empty; expected ticker,date,kind,amount,session (kind and session optional) or ticker,ex_date,amount"],
    ["only a BOM and blank lines", Buffer.from([0xef, 0xbb, 0xbf, 0x0d, 0x0a, 0x0d, 0x0a]), "1: header: the file is empty"],
    ["too few fields", `${H}AAA,2023-03-01,ex_dividend,0.5\n`, "2: fields: 4 fields, the header has 5"],
    ["broken quote", `${H}AAA,"2023-03-01,ex_dividend,0.5,\n`, "2: quote: the line has a quote in field 2 that never closes"],
    ["not UTF-8 (Latin-1)", Buffer.concat([Buffer.from(`${H}AAA,2023-03-01,ex_dividend,0.5,\n`), Buffer.from([0x41, 0xc9, 0x0a])]), "3: encoding: not UTF-8 text; save the file as UTF-8"],
    ["conflict inside the file", `${H}AAA,2023-03-01,ex_dividend,0.5,\nBBB,2023-03-01,ex_dividend,0.5,\nAAA,2023-03-01,ex_dividend,0.55,\n`, "4: amount: AAA 2023-03-01 ex_dividend amount 0.55 conflicts with line 2 (AAA 2023-03-01 ex_dividend amount 0.5)"],
    ["conflict with the dataset", `${H}AAA,2023-02-13,ex_dividend,0.25,\n`, "2: amount: AAA 2023-02-13 ex_dividend amount 0.25 conflicts with the event already in the dataset (events.arrow row 2: AAA 2023-02-13 ex_dividend amount 0.22)"],
    ["session conflict", `${H}AAA,2023-03-01,earnings,,bmo\nAAA,2023-03-01,earnings,,amc\n`, "3: session: AAA 2023-03-01 earnings session amc conflicts with line 2 (AAA 2023-03-01 earnings session bmo)"],
    ["good lines then bad ones", `${H}AAA,2023-03-01,ex_dividend,0.5,\nAAA,2023-03-02,ex_dividend,x,\nBBB,2023-03-01,ex_dividend,-1,\nCCC,2023-03-01,ex_dividend,1,\n`, '3: amount: "x" is not a number (and 2 more problems after it)'],
  ];

  it.each(cases)("%s", (_what, text, message) => {
    expectRefused("import-events", copyOf(equity), text, message);
  });

  it("refuses a missing file, a missing dataset and events.arrow that differs from the manifest", () => {
    expectMissingAndDamagedRefused("import-events", copyOf(equity), "events.arrow", `${H}AAA,2023-03-01,ex_dividend,0.5,\n`);
  });

  it("keeps the manifest the last thing written: a failure before it leaves the dataset as it was", async () => {
    await expectManifestWrittenLast(copyOf(equity), importEvents, `${H}AAA,2023-03-01,ex_dividend,0.5,\n`);
  });
});
