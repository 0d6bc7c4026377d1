// series.arrow's contract as aegis-data writes and reads it: the columns, one record batch with the
// names' dictionary sorted, the same bytes for the same series, every rule refused on reading with
// the file, row and field, and the manifest's `series` entry in its place.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int32,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Utf8,
  makeData,
  tableFromIPC,
  vectorFromArray,
  type Data,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { parseIsoDate } from "../src/dates.js";
import { buildManifest, withRootFile, writeManifest, type DatasetSource, type Manifest } from "../src/manifest.js";
import { dictionaryData, sha256Hex, singleBatchFileBytes } from "../src/root-files.js";
import {
  SERIES_COLUMNS,
  checkSeries,
  decodeSeries,
  readSeries,
  seriesFileBytes,
  seriesNameProblem,
  summarizeSeries,
  writeSeriesFile,
  type SeriesInfo,
  type SeriesPoint,
} from "../src/series.js";
import { datasetKit } from "./dataset-kit.js";

const { tempRoot: tempDir } = datasetKit("aegis-series-file-");

const sample: SeriesPoint[] = [
  { name: "SKEW", date: "2023-01-03", value: 121.5 },
  { name: "SKEW", date: "2023-01-05", value: 119.25 }, // a gap: no value on 2023-01-04
  { name: "VIX", date: "2023-01-03", value: 22.9 },
  { name: "VIX", date: "2023-01-04", value: -0.5 },
  { name: "VIX3M", date: "2023-01-03", value: 24.1 },
];

describe("series.arrow: writing", () => {
  it("has the contract's columns, all non-null, in one record batch with the names' dictionary sorted", () => {
    const table = tableFromIPC(seriesFileBytes(sample));
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ["name", "Dictionary<Int32, Utf8>", false],
      ["date", "Date32<DAY>", false],
      ["value", "Float64", false],
    ]);
    expect(table.schema.fields.map((f) => f.name)).toEqual([...SERIES_COLUMNS]);
    expect(table.batches).toHaveLength(1);
    const name = table.getChild("name")!;
    expect([...name.data[0]!.dictionary!.toArray()]).toEqual(["SKEW", "VIX", "VIX3M"]);
    expect([...(name.data[0]!.values as Int32Array).subarray(0, 5)]).toEqual([0, 0, 1, 1, 2]);
    expect(table.getChild("name")!.nullCount + table.getChild("date")!.nullCount + table.getChild("value")!.nullCount).toBe(0);
  });

  it("round-trips, and gives the same bytes for the same series", () => {
    const bytes = seriesFileBytes(sample);
    expect(decodeSeries(bytes, "x")).toEqual(sample);
    expect(Buffer.from(seriesFileBytes(sample.map((p) => ({ ...p })))).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(seriesFileBytes(sample.slice(0, 4))).equals(Buffer.from(bytes))).toBe(false);
  });

  it("sorts names byte by byte: upper case before lower case, '-' and '.' before digits, '_' before letters", () => {
    const names = ["A-1", "A.1", "A0", "AZ", "A_", "Aa", "VIX", "vix"];
    expect([...names].sort((a, b) => a.localeCompare(b))).not.toEqual(names); // not the locale's order
    expect(() => checkSeries(names.map((name) => ({ name, date: "2023-01-03", value: 1 })))).not.toThrow();
    expect(() => checkSeries([{ name: "vix", date: "2023-01-03", value: 1 }, { name: "VIX", date: "2023-01-03", value: 1 }])).toThrow(
      "row 2 (VIX 2023-01-03): out of order after row 1 (vix 2023-01-03); rows are sorted by name, then date",
    );
  });

  it("refuses rows that break the contract, naming the row", () => {
    const bad: [SeriesPoint[], string][] = [
      [[sample[2]!, sample[0]!], "row 2 (SKEW 2023-01-03): out of order after row 1 (VIX 2023-01-03); rows are sorted by name, then date"],
      [[sample[3]!, sample[2]!], "row 2 (VIX 2023-01-03): out of order after row 1 (VIX 2023-01-04)"],
      [[sample[2]!, { ...sample[2]!, value: 23 }], "row 2 (VIX 2023-01-03): repeats row 1's name and date (no two rows share a name and date)"],
      [[{ ...sample[2]!, value: Number.NaN }], "row 1 (VIX 2023-01-03): value: NaN is not a finite number"],
      [[{ ...sample[2]!, value: Number.NEGATIVE_INFINITY }], "row 1 (VIX 2023-01-03): value: -Infinity is not a finite number"],
      [[{ ...sample[2]!, name: "9VIX" }], 'row 1 (9VIX 2023-01-03): name: "9VIX" is not a series name: 1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter'],
      [[{ ...sample[2]!, date: "2023-02-30" }], 'row 1 (VIX 2023-02-30): date: "2023-02-30" is not a calendar date'],
    ];
    for (const [points, message] of bad) expect(() => seriesFileBytes(points), message).toThrow(message);
  });

  it("allows names of 1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter", () => {
    for (const ok of ["V", "VIX", "vix9d", "SPX.close", "my_ind-1", `A${"b".repeat(63)}`]) expect(seriesNameProblem(ok), ok).toBeUndefined();
    for (const bad of ["", "_VIX", "1VIX", ".x", "VIX 3M", "VIX/3M", "VİX", "é", `A${"b".repeat(64)}`]) expect(seriesNameProblem(bad), bad).toMatch(/is not a series name/);
  });

  it("summarizes each series: rows and first and last date", () => {
    expect(summarizeSeries(sample)).toEqual([
      { name: "SKEW", rows: 2, firstDate: "2023-01-03", lastDate: "2023-01-05" },
      { name: "VIX", rows: 2, firstDate: "2023-01-03", lastDate: "2023-01-04" },
      { name: "VIX3M", rows: 1, firstDate: "2023-01-03", lastDate: "2023-01-03" },
    ]);
  });
});

/** An Arrow file with the given fields and columns, however they break the contract. */
function arrowFile(fields: Field[], rows: number, columns: Data[]): Uint8Array {
  return singleBatchFileBytes(new Schema(fields), rows, columns);
}
const nameField = new Field("name", new Dictionary(new Utf8(), new Int32(), 0), false);
const dateField = new Field("date", new DateDay(), false);
const valueField = new Field("value", new Float64(), false);
const names = (values: string[], indices: number[]) => dictionaryData(0, values, Int32Array.from(indices));
const dates = (...iso: string[]) => makeData({ type: new DateDay(), length: iso.length, data: Int32Array.from(iso, parseIsoDate) });
const values = (...v: number[]) => makeData({ type: new Float64(), length: v.length, data: Float64Array.from(v) });

describe("series.arrow: reading refuses a file that breaks the contract, naming the file and row", () => {
  const cases: [string, Uint8Array, string][] = [
    ["not Arrow", new TextEncoder().encode("name,date,value\n"), "f.arrow: not an Arrow IPC file"],
    [
      "an extra column",
      arrowFile([nameField, dateField, valueField, new Field("note", new Float64(), false)], 1, [names(["VIX"], [0]), dates("2023-01-03"), values(20), values(1)]),
      "f.arrow: columns are name, date, value, note; expected name, date, value",
    ],
    ["columns in another order", arrowFile([dateField, nameField, valueField], 1, [dates("2023-01-03"), names(["VIX"], [0]), values(20)]), "f.arrow: columns are date, name, value; expected name, date, value"],
    ["a missing column", arrowFile([nameField, dateField], 1, [names(["VIX"], [0]), dates("2023-01-03")]), "f.arrow: columns are name, date; expected name, date, value"],
    [
      "name as plain text",
      arrowFile([new Field("name", new Utf8(), false), dateField, valueField], 1, [makeData({ type: new Utf8(), length: 1, valueOffsets: Int32Array.from([0, 3]), data: new TextEncoder().encode("VIX") }), dates("2023-01-03"), values(20)]),
      "f.arrow: column name is Utf8, expected Dictionary<Int32, Utf8>",
    ],
    [
      "value as Float32",
      arrowFile([nameField, dateField, new Field("value", new Float32(), false)], 1, [names(["VIX"], [0]), dates("2023-01-03"), makeData({ type: new Float32(), length: 1, data: Float32Array.from([20]) })]),
      "f.arrow: column value is Float32, expected Float64",
    ],
    [
      "a null value",
      arrowFile([nameField, dateField, new Field("value", new Float64(), true)], 2, [
        names(["VIX"], [0, 0]),
        dates("2023-01-03", "2023-01-04"),
        makeData({ type: new Float64(), length: 2, data: Float64Array.from([20, 0]), nullBitmap: Uint8Array.from([0b01]), nullCount: 1 }),
      ]),
      "f.arrow: row 2: value: null; the column holds no nulls",
    ],
    ["a bad name", arrowFile([nameField, dateField, valueField], 2, [names(["VIX", "VIX 3M"], [0, 1]), dates("2023-01-03", "2023-01-03"), values(20, 21)]), 'f.arrow: row 2 (VIX 3M 2023-01-03): name: "VIX 3M" is not a series name'],
    ["a name too long", arrowFile([nameField, dateField, valueField], 1, [names([`V${"X".repeat(64)}`], [0]), dates("2023-01-03"), values(20)]), `f.arrow: row 1 (V${"X".repeat(64)} 2023-01-03): name:`],
    ["NaN", arrowFile([nameField, dateField, valueField], 2, [names(["VIX"], [0, 0]), dates("2023-01-03", "2023-01-04"), values(20, Number.NaN)]), "f.arrow: row 2 (VIX 2023-01-04): value: NaN is not a finite number"],
    ["Infinity", arrowFile([nameField, dateField, valueField], 1, [names(["VIX"], [0]), dates("2023-01-03"), values(Number.POSITIVE_INFINITY)]), "f.arrow: row 1 (VIX 2023-01-03): value: Infinity is not a finite number"],
    ["dates out of order", arrowFile([nameField, dateField, valueField], 2, [names(["VIX"], [0, 0]), dates("2023-01-04", "2023-01-03"), values(20, 21)]), "f.arrow: row 2 (VIX 2023-01-03): out of order after row 1 (VIX 2023-01-04)"],
    [
      "names out of (byte) order",
      arrowFile([nameField, dateField, valueField], 2, [names(["VIX", "SKEW"], [0, 1]), dates("2023-01-03", "2023-01-03"), values(20, 120)]),
      "f.arrow: row 2 (SKEW 2023-01-03): out of order after row 1 (VIX 2023-01-03)",
    ],
    ["a duplicate (name, date)", arrowFile([nameField, dateField, valueField], 2, [names(["VIX"], [0, 0]), dates("2023-01-03", "2023-01-03"), values(20, 20)]), "f.arrow: row 2 (VIX 2023-01-03): repeats row 1's name and date"],
    [
      "a date beyond year 9999",
      arrowFile([nameField, dateField, valueField], 1, [names(["VIX"], [0]), makeData({ type: new DateDay(), length: 1, data: Int32Array.from([3_000_000]) }), values(20)]),
      "f.arrow: row 1: date: 3000000 days from 1970-01-01 is not a date from 0001 to 9999",
    ],
  ];
  it.each(cases)("%s", (_what, bytes, message) => {
    expect(() => decodeSeries(bytes, "f.arrow")).toThrow(message);
  });

  it("reads a file whose rows come in several record batches, with a dictionary holding unused names; rows count across batches", () => {
    const schema = new Schema([nameField, dateField, valueField]);
    const dictionary = vectorFromArray(["AAA", "VIX", "ZZZ"], new Utf8());
    const batch = (indices: number[], iso: string[], v: number[], valid?: Uint8Array) =>
      new RecordBatch(
        schema,
        makeData({
          type: new Struct(schema.fields),
          length: indices.length,
          nullCount: 0,
          children: [
            makeData({ type: new Dictionary(new Utf8(), new Int32(), 0), length: indices.length, data: Int32Array.from(indices), dictionary }),
            dates(...iso),
            makeData({ type: new Float64(), length: v.length, data: Float64Array.from(v), ...(valid ? { nullBitmap: valid, nullCount: 1 } : {}) }),
          ],
        }),
      );
    const file = (...batches: RecordBatch[]) => RecordBatchFileWriter.writeAll(batches).toUint8Array(true);
    const first = batch([1, 1], ["2023-01-03", "2023-01-04"], [20, 21]);
    expect(decodeSeries(file(first, batch([1, 2], ["2023-01-05", "2023-01-03"], [22, 1])), "f")).toEqual([
      { name: "VIX", date: "2023-01-03", value: 20 },
      { name: "VIX", date: "2023-01-04", value: 21 },
      { name: "VIX", date: "2023-01-05", value: 22 },
      { name: "ZZZ", date: "2023-01-03", value: 1 },
    ]);
    expect(() => decodeSeries(file(first, batch([1], ["2023-01-04"], [21])), "f")).toThrow("f: row 3 (VIX 2023-01-04): repeats row 2's name and date");
    expect(() => decodeSeries(file(first, batch([1, 1], ["2023-01-05", "2023-01-06"], [1, 0], Uint8Array.from([0b01]))), "f")).toThrow("f: row 4: value: null");
  });
});

describe("series.arrow and the manifest", () => {
  const source: DatasetSource = { kind: "orats-import", importer: "test", files: [] };
  const partition = { path: "SPX/2023.arrow", ticker: "SPX", year: 2023, firstTradeDate: "2023-01-03", lastTradeDate: "2023-12-29", rows: 1, bytes: 1, sha256: "0".repeat(64) };
  const events = { path: "events.arrow", rows: 1, bytes: 2, sha256: "1".repeat(64), firstDate: "2023-02-01", lastDate: "2023-02-01" };
  const series: SeriesInfo = { path: "series.arrow", rows: 3, bytes: 4, sha256: "2".repeat(64), names: ["VIX"], firstDate: "2023-01-03", lastDate: "2023-01-05" };
  const keys = (m: Manifest) => Object.keys(m);

  it("lists series right after events, or after the partitions when there are no events; nothing without series", () => {
    const plain = buildManifest("n", "t", source, [partition]);
    expect(keys(plain)).toEqual(["schemaVersion", "name", "createdBy", "source", "tickers", "partitions"]);
    expect(keys(buildManifest("n", "t", source, [partition], { series }))).toEqual([...keys(plain), "series"]);
    expect(keys(buildManifest("n", "t", source, [partition], { events, series }))).toEqual([...keys(plain), "events", "series"]);
    // Set in either order: the places are the same.
    expect(keys(withRootFile(withRootFile(plain, "series", series), "events", events))).toEqual([...keys(plain), "events", "series"]);
    expect(keys(withRootFile(withRootFile(plain, "events", events), "series", series))).toEqual([...keys(plain), "events", "series"]);
    // Replacing an entry keeps its place and every other field.
    const both = withRootFile(withRootFile(plain, "events", events), "series", series);
    const replaced = withRootFile(both, "series", { ...series, rows: 9 });
    expect(keys(replaced)).toEqual(keys(both));
    expect(replaced).toEqual({ ...both, series: { ...series, rows: 9 } });
    // Its keys in the contract's order.
    expect(Object.keys(series)).toEqual(["path", "rows", "bytes", "sha256", "names", "firstDate", "lastDate"]);
  });

  it("writes the file through a rename and returns its entry; refuses a file that differs from the entry", () => {
    const dir = tempDir();
    const entry = writeSeriesFile(dir, sample);
    const bytes = readFileSync(join(dir, "series.arrow"));
    expect(entry).toEqual({ path: "series.arrow", rows: 5, bytes: bytes.byteLength, sha256: sha256Hex(bytes), names: ["SKEW", "VIX", "VIX3M"], firstDate: "2023-01-03", lastDate: "2023-01-05" });
    const manifest = buildManifest("n", "t", source, [partition], { series: entry });
    writeManifest(dir, manifest);
    expect(readSeries(dir)).toEqual(sample);

    const path = join(dir, "series.arrow");
    const lie = (change: Partial<SeriesInfo>) => ({ ...manifest, series: { ...entry, ...change } });
    expect(() => readSeries(dir, lie({ rows: 4 }))).toThrow(`${path}: 5 rows, the manifest says 4`);
    expect(() => readSeries(dir, lie({ bytes: 1 }))).toThrow(`${path}: ${bytes.byteLength} bytes, the manifest says 1`);
    expect(() => readSeries(dir, lie({ sha256: "f".repeat(64) }))).toThrow(`${path}: sha256 ${entry.sha256} differs from the manifest's ${"f".repeat(64)}`);
    expect(() => readSeries(dir, lie({ lastDate: "2023-01-04" }))).toThrow(`${path}: dates do not match the manifest's firstDate 2023-01-03 and lastDate 2023-01-04`);
    expect(() => readSeries(dir, lie({ names: ["VIX"] }))).toThrow(`${path}: names SKEW, VIX, VIX3M differ from the manifest's VIX`);
    expect(() => readSeries(dir, lie({ path: "other.arrow" }))).toThrow(`${join(dir, "manifest.json")}: series.path must be "series.arrow"`);
    expect(readSeries(dir, lie({ sha256: "f".repeat(64) }), { checksum: false })).toEqual(sample);

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 40]! ^= 1;
    writeFileSync(path, flipped);
    expect(() => readSeries(dir)).toThrow(`${path}: sha256 ${sha256Hex(flipped)} differs from the manifest's ${entry.sha256}`);
    rmSync(path);
    expect(() => readSeries(dir)).toThrow(`${path}: listed in the manifest but cannot be read (ENOENT)`);
    expect(readSeries(dir, { ...manifest, series: undefined })).toEqual([]);
  });

  it("refuses to write no rows (a dataset without series has no series.arrow)", () => {
    expect(() => writeSeriesFile(tempDir(), [])).toThrow("series: no rows to write");
  });
});
