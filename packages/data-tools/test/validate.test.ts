// `aegis-data validate` (through the engine's verifier) catches each kind of corruption and names
// the file; the CLI exits non-zero. Each case corrupts a fresh copy of one small generated dataset.
// series.arrow is checked by aegis-data itself (datasets.ts), under the same kinds.
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DateDay, Float64, makeData, tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { validate } from "../src/datasets.js";
import { dateSpan, dictionaryData, sha256Hex, singleBatchFileBytes } from "../src/root-files.js";
import { readManifest, sha256File, writeManifest } from "../src/manifest.js";
import { readSeries, seriesSchema } from "../src/series.js";
import { generateDataset } from "../src/synth/index.js";
import { datasetKit } from "./dataset-kit.js";

const CLI = new URL("../bin/aegis-data.js", import.meta.url).pathname;
// The dataset and its corrupted copies are removed when the file is done.
const { tempRoot } = datasetKit("aegis-validate-");
let pristine: string;
const PART = "SPX/2023.arrow";

beforeAll(async () => {
  pristine = tempRoot();
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-03-01", end: "2023-03-31", seed: 5, out: pristine });
});

function copy(): string {
  const dir = tempRoot();
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

/** Rewrites a partition after `edit` changed values in place, and makes the manifest agree with the
 * new bytes so that only the content problem remains. */
async function rewrite(dir: string, edit: (t: Table) => void): Promise<void> {
  const path = join(dir, PART);
  const table = tableFromIPC(readFileSync(path));
  edit(table);
  writeFileSync(path, tableToIPC(table, "file"));
  const m = readManifest(dir);
  const p = m.partitions.find((x) => x.path === PART)!;
  p.sha256 = await sha256File(path);
  p.bytes = readFileSync(path).byteLength;
  writeManifest(dir, m);
}

const values = (t: Table, column: string) => t.getChild(column)!.data[0]!.values as Float64Array | Int32Array;

async function kinds(dir: string) {
  const r = await validate(dir);
  return r.problems.map((p) => `${p.file} ${p.kind}`);
}

describe("validate", () => {
  it("passes a freshly generated dataset", async () => {
    const r = await validate(pristine);
    expect(r.ok).toBe(true);
    expect(r.rowsChecked).toBe(readManifest(pristine).partitions.reduce((n, p) => n + p.rows, 0));
  });

  it("catches a corrupted byte", async () => {
    const dir = copy();
    const path = join(dir, PART);
    const bytes = readFileSync(path);
    const at = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(path, bytes);
    expect(await kinds(dir)).toContain(`${PART} checksum`);
  });

  it("catches a truncated partition", async () => {
    const dir = copy();
    truncateSync(join(dir, PART), 1000);
    expect(await kinds(dir)).toEqual(expect.arrayContaining([`${PART} size`, `${PART} checksum`, `${PART} unreadable`]));
  });

  it("catches a missing and an extra partition", async () => {
    const dir = copy();
    cpSync(join(dir, PART), join(dir, "SPX/2019.arrow"));
    rmSync(join(dir, PART));
    expect(await kinds(dir)).toEqual([`SPX/2019.arrow extra`, `${PART} missing`]);
  });

  it("catches a row count or date range that disagrees with the manifest", async () => {
    const dir = copy();
    const m = readManifest(dir);
    m.partitions[0]!.rows += 1;
    m.partitions[0]!.lastTradeDate = "2023-12-29";
    writeManifest(dir, m);
    expect(await kinds(dir)).toEqual(expect.arrayContaining([`${PART} rows`, `${PART} dates`]));
  });

  it("catches a manifest that is not JSON", async () => {
    const dir = copy();
    writeFileSync(join(dir, "manifest.json"), "{ not json");
    expect(await kinds(dir)).toEqual(["manifest.json manifest"]);
  });

  const contentCases: [string, (t: Table) => void][] = [
    ["order", (t) => values(t, "strike").reverse()],
    ["duplicate", (t) => { const k = values(t, "strike"); k[1] = k[0]!; }],
    ["quote", (t) => { values(t, "cBidPx")[3] = values(t, "cAskPx")[3]! + 1; }],
    ["quote", (t) => { values(t, "pBidPx")[3] = -0.05; }],
    ["dates", (t) => { values(t, "expirDate")[0] = values(t, "tradeDate")[0]!; }],
    ["dates", (t) => { values(t, "tradeDate").fill(values(t, "tradeDate")[0]! - 365 * 2); }],
    ["value", (t) => { values(t, "stkPx")[2] = Number.NaN; }],
  ];
  it.each(contentCases)("catches a row-level %s problem", async (kind, edit) => {
    const dir = copy();
    await rewrite(dir, edit);
    const report = await validate(dir);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toContain(kind);
    expect(report.problems.every((p) => p.file === PART)).toBe(true);
  });

  it("exits non-zero from the CLI and names the file", () => {
    const dir = copy();
    rmSync(join(dir, PART));
    const r = spawnSync(process.execPath, [CLI, "validate", dir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(dir, PART));
    expect(r.stderr).toContain("[missing]");
    expect(r.stdout).toMatch(/^FAILED: /);
    const ok = spawnSync(process.execPath, [CLI, "validate", pristine], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 1 partitions/);
  });

  it("reports a partition with flipped header bytes as a problem of that file, never a crash", () => {
    // These bytes used to make the Arrow reader panic and abort the whole process (SIGABRT).
    for (const at of [40, 200, 400, 900, 1500]) {
      const dir = copy();
      const file = join(dir, PART);
      const bytes = readFileSync(file);
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
      const r = spawnSync(process.execPath, [CLI, "validate", dir], { encoding: "utf8" });
      expect(r.signal, `byte ${at}: ${r.stderr}`).toBeNull();
      expect(r.status, `byte ${at}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(join(dir, PART));
    }
  });
});

describe("validate: series.arrow", () => {
  const SERIES = "series.arrow";

  async function report(dir: string, checksums = true) {
    const r = await validate(dir, { checksums });
    return r.problems.map((p) => `${p.file} ${p.kind}: ${p.message}`);
  }

  /** Writes series.arrow with `values` in place of the VIX's, however they break the contract, and makes the manifest agree with the bytes. */
  function rewriteSeries(dir: string, edit: (values: Float64Array, days: Int32Array) => void): void {
    const points = readSeries(dir);
    const values = Float64Array.from(points, (p) => p.value);
    const days = Int32Array.from(points, (p) => Math.round(Date.parse(p.date) / 86_400_000));
    edit(values, days);
    const n = points.length;
    const bytes = singleBatchFileBytes(seriesSchema(), n, [
      dictionaryData(0, ["VIX"], new Int32Array(n)),
      makeData({ type: new DateDay(), length: n, data: days }),
      makeData({ type: new Float64(), length: n, data: values }),
    ]);
    writeFileSync(join(dir, SERIES), bytes);
    const m = readManifest(dir);
    const span = dateSpan([...days].map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)))!;
    m.series = { ...m.series!, bytes: bytes.byteLength, sha256: sha256Hex(bytes), firstDate: span.first, lastDate: span.last };
    writeManifest(dir, m);
  }

  it("passes the generated VIX", async () => {
    expect(readManifest(pristine).series).toMatchObject({ path: SERIES, names: ["VIX"], rows: 23 });
    expect(await report(pristine)).toEqual([]);
  });

  // The engine's verifier reads series.arrow too, and its lines stand (aegis-data adds none of its
  // own for a file the engine already reports).
  const mismatch = (what: string) =>
    `${SERIES} mismatch: does not match the dataset's manifest: ${what} (the file was replaced or damaged; \`aegis-bt dataset verify\` lists every difference)`;

  it("reports a missing file", async () => {
    const dir = copy();
    rmSync(join(dir, SERIES));
    expect(await report(dir)).toEqual([`${SERIES} missing: listed in the manifest but not on disk`]);
  });

  it("reports a checksum or size that differs from the manifest (the size even without checksums)", async () => {
    const dir = copy();
    const path = join(dir, SERIES);
    const bytes = readFileSync(path);
    const sha = readManifest(dir).series!.sha256;
    bytes[bytes.length - 40]! ^= 1;
    writeFileSync(path, bytes);
    expect(await report(dir)).toEqual([mismatch(`sha256 ${sha256Hex(bytes)} does not match the manifest's ${sha}`)]);
    writeFileSync(path, Buffer.concat([bytes, Buffer.from([0])]));
    const size = mismatch(`${bytes.length + 1} bytes, the manifest says ${bytes.length}`);
    expect(await report(dir)).toEqual([size]);
    expect(await report(dir, false)).toEqual([size]);
  });

  it("reports rows, dates and names that differ from the manifest", async () => {
    const dir = copy();
    const m = readManifest(dir);
    writeManifest(dir, { ...m, series: { ...m.series!, names: ["VIX", "VVIX"] } });
    expect(await report(dir)).toEqual([mismatch("series VIX, the manifest says VIX, VVIX")]);
    writeManifest(dir, { ...m, series: { ...m.series!, rows: 24 } });
    expect(await report(dir)).toEqual([mismatch("23 rows, the manifest says 24")]);
  });

  it.each([
    ["a NaN", (v: Float64Array) => void (v[2] = Number.NaN), "row 3: value: NaN is not a finite number"],
    ["a repeated date", (_v: Float64Array, d: Int32Array) => void (d[1] = d[0]!), "row 2: (VIX, 2023-03-01) repeats the row before it; rows are sorted by name, date"],
    ["dates out of order", (_v: Float64Array, d: Int32Array) => d.reverse(), "row 2: (VIX, 2023-03-30) is out of order; rows are sorted by name, date"],
  ])("reports a rule broken: %s, naming the row", async (_what, edit, message) => {
    const dir = copy();
    rewriteSeries(dir, edit);
    expect(await report(dir)).toEqual([`${SERIES} series: ${message}`]);
  });

  it("reports series.arrow the manifest does not list, and a left-over series.arrow.partial", async () => {
    const dir = copy();
    const { series: _s, ...rest } = readManifest(dir);
    writeManifest(dir, rest);
    cpSync(join(dir, SERIES), join(dir, `${SERIES}.partial`));
    expect(await report(dir)).toEqual([
      `${SERIES} extra: a series file the manifest does not list`,
      `${SERIES}.partial extra: an unfinished series file (an interrupted write?)`,
    ]);
  });

  it("names the file from the CLI and exits non-zero", () => {
    const dir = copy();
    rmSync(join(dir, SERIES));
    const r = spawnSync(process.execPath, [CLI, "validate", dir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${join(dir, SERIES)}: listed in the manifest but not on disk [missing]\n`);
    expect(r.stdout).toMatch(/^FAILED: 1 partitions, .* 1 problem\(s\)\n$/);
  });
});
