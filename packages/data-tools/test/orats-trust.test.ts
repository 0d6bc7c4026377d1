// Nothing lost silently: every line of every input is accounted for, broken quotes skip one line
// only, empty and header-only inputs are warnings, zip problems come out in plain words, and a failed
// import leaves nothing behind. Property runs use a fixed seed and a bounded run count.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readManifest, sha256File } from "../src/manifest.js";
import { importOrats, type ImportSummary } from "../src/orats/index.js";
import { buildZip } from "./zip-builder.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/orats/", import.meta.url));
const D1229 = join(FIXTURES, "orats_20221229.csv");
const D1230 = join(FIXTURES, "orats_20221230.csv");
const D0103 = join(FIXTURES, "orats_20230103.csv");
const ZIP0103 = join(FIXTURES, "orats_20230103.zip");
const CLI = new URL("../bin/aegis-data.js", import.meta.url).pathname;

const tmp = () => mkdtempSync(join(tmpdir(), "aegis-trust-"));

function write(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listing(full).map((f) => `${name}/${f}`) : [name];
  });
}

/** The fixture's lines without their line ends: header first. */
function lines(path: string): string[] {
  return readFileSync(path, "utf8").split(/\r\n|\n|\r/).filter((l) => l.length > 0);
}

const HEADER = lines(D1229)[0]!.split(",");
const col = (name: string) => HEADER.indexOf(name);

function iso(mdy: string): string {
  const [m, d, y] = mdy.split("/");
  return `${y}-${m!.padStart(2, "0")}-${d!.padStart(2, "0")}`;
}

/** ticker|tradeDate|expirDate|strike → cOi, for a fixture row split into cells. */
function keyOf(cells: string[]): string {
  return `${cells[col("ticker")]}|${iso(cells[col("trade_date")]!)}|${iso(cells[col("expirDate")]!)}|${Number(cells[col("strike")])}`;
}

/** Every row of a dataset as key → cOi. */
function datasetRows(out: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const p of readManifest(out).partitions) {
    const t = tableFromIPC(readFileSync(join(out, p.path)));
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    for (let i = 0; i < t.numRows; i++) {
      const key = `${t.getChild("ticker")!.get(i)}|${day(t.getChild("tradeDate")!.get(i))}|${day(t.getChild("expirDate")!.get(i))}|${t.getChild("strike")!.get(i)}`;
      expect(rows.has(key), key).toBe(false);
      rows.set(key, t.getChild("cOi")!.get(i) as number);
    }
  }
  return rows;
}

function expectAccounted(s: ImportSummary): void {
  expect(s.rowsRead).toBe(s.rowsWritten + s.rowsSkipped + s.rowsFiltered);
  expect(Object.values(s.skippedByReason).reduce((a, b) => a + b, 0)).toBe(s.rowsSkipped);
}

describe("importOrats: every line accounted for", () => {
  it("skips only the line of an unterminated quote, says so, and imports every later row", async () => {
    // The observed failure: a quote opened in cOpra on line 4 and never closed swallowed the file's
    // last 9 rows without a word.
    const dir = tmp();
    const src = lines(D1229);
    const cells = src[3]!.split(",");
    cells[col("cOpra")] = `"${cells[col("cOpra")]}`;
    const broken = write(dir, "orats_20221229.csv", [...src.slice(0, 3), cells.join(","), ...src.slice(4)].join("\n") + "\n");
    const out = join(dir, "ds");
    const s = await importOrats([broken, D1230, D0103], { out });
    expectAccounted(s);
    expect(s).toMatchObject({ rowsRead: 36, rowsWritten: 35, rowsSkipped: 1, linesRead: 39, skippedByReason: { "unterminated quote": 1 } });
    expect(s.problems).toEqual([
      { file: "orats_20221229.csv", line: 4, column: "cOpra", value: cells.join(",").slice(0, 79) + "…", reason: "unterminated quote" },
    ]);
    expect(s.warnings).toEqual([expect.stringMatching(/^orats_20221229\.csv: 1 line with a broken quote \(the first at line 4\)/)]);
    const got = datasetRows(out);
    expect(got.size).toBe(35);
    for (const [i, line] of src.slice(1).entries()) {
      const row = line.split(",");
      if (i + 2 === 4) expect(got.has(keyOf(row))).toBe(false);
      else expect(got.get(keyOf(row)), `line ${i + 2}`).toBe(Number(row[col("cOi")]));
    }
  });

  it("reads CR-only line ends like any other", async () => {
    const dir = tmp();
    const cr = write(dir, "orats_20221229.csv", readFileSync(D1229, "utf8").replaceAll("\n", "\r"));
    const a = await importOrats([D1229], { out: join(dir, "lf") });
    const b = await importOrats([cr], { out: join(dir, "cr") });
    expect(b).toMatchObject({ rowsRead: 12, rowsWritten: 12, rowsSkipped: 0, linesRead: 13, warnings: [] });
    const hashes = async (out: string) => Promise.all(readManifest(out).partitions.map((p) => sha256File(join(out, p.path))));
    expect(await hashes(join(dir, "cr"))).toEqual(await hashes(join(dir, "lf")));
    expect(a.rowsWritten).toBe(12);
  });

  it("counts blank and whitespace-only lines as blank lines, not field-count errors", async () => {
    const dir = tmp();
    const src = lines(D1229);
    const text = ["", src[0], "   ", ...src.slice(1, 5), "\t", "", ...src.slice(5)].join("\r\n") + "\r\n";
    const s = await importOrats([write(dir, "b.csv", text)], { out: join(dir, "ds") });
    expectAccounted(s);
    expect(s).toMatchObject({ rowsRead: 16, rowsWritten: 12, rowsSkipped: 4, linesRead: 17, skippedByReason: { "blank line": 4 } });
    expect(s.problems.map((p) => [p.line, p.column, p.value, p.reason])).toEqual([
      [1, "(row)", "", "blank line"],
      [3, "(row)", "   ", "blank line"],
      [8, "(row)", "\t", "blank line"],
      [9, "(row)", "", "blank line"],
    ]);
  });

  it("skips a line with a misplaced quote on its own", async () => {
    const dir = tmp();
    const src = lines(D1229);
    const cells = src[1]!.split(",");
    cells[col("cOpra")] = cells[col("cOpra")]!.replace("230", '2"30');
    const text = [src[0], cells.join(","), ...src.slice(2)].join("\n");
    const s = await importOrats([write(dir, "m.csv", text)], { out: join(dir, "ds") });
    expectAccounted(s);
    expect(s).toMatchObject({ rowsRead: 12, rowsWritten: 11, skippedByReason: { "misplaced quote": 1 } });
    expect(s.problems[0]).toMatchObject({ line: 2, column: "cOpra", reason: "misplaced quote" });
  });

  it("imports a row whose ignored column holds a quoted line break, counting both its lines", async () => {
    const dir = tmp();
    const src = lines(D1229);
    const cells = src[2]!.split(",");
    cells[col("cOpra")] = `"${cells[col("cOpra")]}\nsecond line"`;
    const text = [src[0], src[1], cells.join(","), ...src.slice(3)].join("\n") + "\n";
    const s = await importOrats([write(dir, "n.csv", text)], { out: join(dir, "ds") });
    expect(s).toMatchObject({ rowsRead: 12, rowsWritten: 12, rowsSkipped: 0, linesRead: 14 });
    expect(datasetRows(join(dir, "ds")).has(keyOf(src[2]!.split(",")))).toBe(true);
  });

  it("warns about empty and header-only files and imports the rest", async () => {
    const dir = tmp();
    const empty = write(dir, "empty.csv", "");
    const blank = write(dir, "blank.csv", "\n \n");
    const headerOnly = write(dir, "header.csv", `\uFEFF${lines(D1229)[0]}\r\n`);
    const s = await importOrats([empty, D1229, headerOnly, blank], { out: join(dir, "ds") });
    expectAccounted(s);
    expect(s).toMatchObject({ files: 4, rowsRead: 14, rowsWritten: 12, rowsSkipped: 2, skippedByReason: { "blank line": 2 }, linesRead: 16 });
    // Import order: files with data by first trade date, then the others in the order given.
    expect(s.warnings).toEqual([
      "empty.csv: empty file, no header and no rows; nothing imported from it",
      "header.csv: a header but no data rows; nothing imported from it",
      "blank.csv: empty file, no header and no rows (2 blank lines); nothing imported from it",
    ]);
    expect(readManifest(join(dir, "ds")).source).toMatchObject({ files: ["orats_20221229.csv", "empty.csv", "header.csv", "blank.csv"] });
  });

  it("writes no dataset at all when no file has a data row", async () => {
    const dir = tmp();
    const headerOnly = write(dir, "header.csv", `${lines(D1229)[0]}\n`);
    const empty = write(dir, "empty.csv", "");
    const out = join(dir, "ds");
    await expect(importOrats([headerOnly, empty], { out })).rejects.toThrow(
      /^no rows imported: 0 rows read, 0 skipped; header\.csv: a header but no data rows; .*; empty\.csv: empty file/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("fails on a header whose quote never closes, or a compressed file under a .csv name", async () => {
    const dir = tmp();
    const out = join(dir, "ds");
    const badHeader = write(dir, "h.csv", `"ticker,${lines(D1229)[0]!.slice(7)}\n${lines(D1229)[1]}\n`);
    await expect(importOrats([badHeader], { out })).rejects.toThrow(/^h\.csv:1: the header line has a quote in field 1 that never closes/);
    const zipped = write(dir, "z.csv", readFileSync(ZIP0103));
    await expect(importOrats([zipped], { out })).rejects.toThrow(/^z\.csv: this is a zip archive, not a CSV file/);
    expect(listing(dir).sort()).toEqual(["h.csv", "z.csv"]);
  });
});

describe("importOrats: zip problems in plain words", () => {
  const day = readFileSync(D1230);
  const good = readFileSync(ZIP0103);
  const cases: [string, () => Buffer, RegExp][] = [
    ["not-a-zip.zip", () => Buffer.from("ticker,strike\nSPY,1\n"), /^not-a-zip\.zip: not a zip archive, or an incomplete one/],
    ["empty.zip", () => Buffer.alloc(0), /^empty\.zip: not a zip archive, or an incomplete one/],
    ["truncated.zip", () => good.subarray(0, Math.floor(good.length * 0.6)), /^truncated\.zip: not a zip archive, or an incomplete one/],
    ["no-csv.zip", () => buildZip([{ name: "readme.txt", data: "hello" }, { name: "data/", data: "" }]), /^no-csv\.zip: no \.csv file inside the zip \(it holds readme\.txt\)/],
    ["locked.zip", () => buildZip([{ name: "day.csv", data: day, flags: 1 }]), /^locked\.zip:day\.csv: the entry is password-protected/],
    ["bzip2.zip", () => buildZip([{ name: "day.csv", data: day, method: 12 }]), /^bzip2\.zip:day\.csv: the entry is compressed with a method this importer cannot read \(zip method 12\)/],
    [
      "bad-deflate.zip",
      () => buildZip([{ name: "day.csv", data: day, damage: (b) => Buffer.concat([b.subarray(0, 40), Buffer.alloc(60, 0xff), b.subarray(100)]) }]),
      /^bad-deflate\.zip:day\.csv: damaged zip archive/,
    ],
    [
      "bad-crc.zip",
      () => buildZip([{ name: "day.csv", data: day, method: 0, damage: (b) => Buffer.from(b.toString("latin1").replace("266.28", "266.29"), "latin1") }]),
      /^bad-crc\.zip:day\.csv: damaged zip archive: the entry's contents do not match its checksum/,
    ],
  ];

  for (const [name, make, message] of cases) {
    it(`${name}: a clear error, nothing written`, async () => {
      const dir = tmp();
      const zip = write(dir, name, make());
      const out = join(dir, "ds");
      // A good file first, so a late failure has partitions to take back.
      const err = await importOrats([D1229, zip], { out }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(message);
      // None of the zip library's or zlib's own wording.
      expect(err?.message).not.toMatch(/signature|central directory|options\.|decodeFileData|compressed\/uncompressed|expected \d|invalid (block|code|distance|stored)/i);
      expect(listing(dir)).toEqual([name]);
    });
  }

  it("a sound zip built here imports like the plain file (the builder is right)", async () => {
    const dir = tmp();
    const zip = write(dir, "ok.zip", buildZip([{ name: "a/orats_20221230.csv", data: day }, { name: "b.csv", data: day, method: 0 }]));
    const s = await importOrats([zip], { out: join(dir, "ds") });
    expect(s).toMatchObject({ rowsRead: 24, rowsWritten: 12, skippedByReason: { "duplicate day": 12 } });
  });
});

describe("aegis-data import-orats: what the command says", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });

  it("prints warnings and the full accounting, exit 0", () => {
    const dir = tmp();
    const src = lines(D1229);
    const cells = src[1]!.split(",");
    cells[col("cOpra")] = `"${cells[col("cOpra")]}`;
    const text = [src[0], cells.join(","), "  ", ...src.slice(2)].join("\n");
    const f = write(dir, "orats_20221229.csv", text);
    const h = write(dir, "h.csv", `${src[0]}\n`);
    const r = run("import-orats", f, h, "--out", join(dir, "ds"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/13 rows read, 11 written, 2 skipped/);
    expect(r.stdout).toContain("skipped 1: unterminated quote");
    expect(r.stdout).toContain("skipped 1: blank line");
    expect(r.stdout).toContain("orats_20221229.csv:2 column cOpra: unterminated quote");
    expect(r.stdout).toContain("orats_20221229.csv:3 column (row): blank line");
    expect(r.stderr).toContain("aegis-data: warning: orats_20221229.csv: 1 line with a broken quote (the first at line 2)");
    expect(r.stderr).toContain("aegis-data: warning: h.csv: a header but no data rows");
  });

  it("gives a zip problem in one plain line, exit 1, no stack trace, no dataset", () => {
    const dir = tmp();
    const zip = write(dir, "cut.zip", readFileSync(ZIP0103).subarray(0, 200));
    const r = run("import-orats", D1229, zip, "--out", join(dir, "ds"));
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^aegis-data: error: cut\.zip: not a zip archive, or an incomplete one: .*$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(listing(dir)).toEqual(["cut.zip"]);
  });
});

// ---- property: generated ORATS files --------------------------------------------------------------

type Mutation = "none" | "lineBreakInCopra" | "badStrike" | "unterminated" | "misplaced" | "shortRow";

const fileSpec = fc.record({
  mutations: fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.constant<Mutation>("none") },
      { weight: 2, arbitrary: fc.constant<Mutation>("lineBreakInCopra") },
      { weight: 1, arbitrary: fc.constantFrom<Mutation>("badStrike", "unterminated", "misplaced", "shortRow") },
    ),
    { minLength: 12, maxLength: 12 },
  ),
  field: fc.array(fc.nat({ max: 38 }), { minLength: 12, maxLength: 12 }),
  quoted: fc.array(fc.array(fc.boolean(), { minLength: 39, maxLength: 39 }), { minLength: 12, maxLength: 12 }),
  blanks: fc.array(fc.tuple(fc.nat({ max: 13 }), fc.constantFrom("", " ", "\t", "  \t")), { maxLength: 4 }),
  end: fc.constantFrom("\n", "\r\n", "\r"),
  finalBreak: fc.boolean(),
  bom: fc.boolean(),
});

interface Expected {
  text: string;
  good: Map<string, number>;
  lines: number;
  rows: number;
  reasons: Record<string, number>;
}

type FileSpec = typeof fileSpec extends fc.Arbitrary<infer T> ? T : never;

/** A fixture file rewritten by `spec`, with what the import must make of it. */
function makeFile(source: string, spec: FileSpec): Expected {
  const src = lines(source);
  const good = new Map<string, number>();
  const reasons: Record<string, number> = {};
  const count = (r: string) => (reasons[r] = (reasons[r] ?? 0) + 1);
  const out: string[] = [src[0]!];
  let extraLines = 0;
  src.slice(1).forEach((line, i) => {
    const cells = line.split(",");
    const m = spec.mutations[i]!;
    const f = spec.field[i]!;
    const quote = (v: string, k: number) => (spec.quoted[i]![k] ? `"${v}"` : v);
    let text: string;
    if (m === "none") {
      text = cells.map(quote).join(",");
      good.set(keyOf(cells), Number(cells[col("cOi")]));
    } else if (m === "lineBreakInCopra") {
      text = cells.map((v, k) => (k === col("cOpra") ? `"${v}${spec.end}${v}"` : quote(v, k))).join(",");
      good.set(keyOf(cells), Number(cells[col("cOi")]));
      extraLines++;
    } else if (m === "badStrike") {
      text = cells.map((v, k) => (k === col("strike") ? quote("abc", k) : quote(v, k))).join(",");
      count("not a number");
    } else if (m === "unterminated") {
      text = cells.map((v, k) => (k === f ? `"${v}` : quote(v, k))).join(",");
      count("broken quote");
    } else if (m === "misplaced") {
      text = cells.map((v, k) => (k === f ? `${v}x"y` : quote(v, k))).join(",");
      count("broken quote");
    } else {
      text = cells.slice(0, -1).map(quote).join(",");
      count("wrong field count");
    }
    out.push(text);
  });
  // Blank lines at chosen places (0 = before the header).
  for (const [at, blank] of [...spec.blanks].sort((a, b) => b[0] - a[0])) {
    out.splice(Math.min(at, out.length), 0, blank);
    count("blank line");
  }
  let text = out.join(spec.end) + (spec.finalBreak ? spec.end : "");
  // An empty last line without a break after it is no line at all: give it one.
  if (!spec.finalBreak && out.at(-1) === "") text += spec.end;
  const rows = out.length - 1;
  return { text: (spec.bom ? "\uFEFF" : "") + text, good, lines: out.length + extraLines, rows, reasons };
}

describe("importOrats: property over generated ORATS files", () => {
  it("accounts for every line, skips exactly the bad rows, and imports every good row", async () => {
    const dir = tmp();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fileSpec, fileSpec, async (a, b) => {
        const files = [makeFile(D1229, a), makeFile(D0103, b)];
        const paths = files.map((f, i) => write(dir, `run${n}-${i}.csv`, f.text));
        const out = join(dir, `ds${n++}`);
        const good = new Map([...files[0]!.good, ...files[1]!.good]);
        if (good.size === 0) {
          await expect(importOrats(paths, { out })).rejects.toThrow(/^no rows imported/);
          return;
        }
        const s = await importOrats(paths, { out, maxErrorsShown: 1000 });
        expectAccounted(s);
        expect(s.rowsRead).toBe(files[0]!.rows + files[1]!.rows);
        expect(s.linesRead).toBe(files[0]!.lines + files[1]!.lines);
        expect(s.rowsWritten).toBe(good.size);
        const want: Record<string, number> = {};
        for (const f of files) for (const [r, k] of Object.entries(f.reasons)) want[r] = (want[r] ?? 0) + k;
        const got = { ...s.skippedByReason };
        const brokenQuotes = (got["unterminated quote"] ?? 0) + (got["misplaced quote"] ?? 0);
        delete got["unterminated quote"];
        delete got["misplaced quote"];
        if (brokenQuotes > 0) got["broken quote"] = brokenQuotes;
        expect(got).toEqual(want);
        expect(s.problems).toHaveLength(s.rowsSkipped);
        for (const p of s.problems) expect(p.line).toBeGreaterThan(0);
        expect(datasetRows(out)).toEqual(good);
      }),
      { seed: 9, numRuns: 40 },
    );
  });
});
