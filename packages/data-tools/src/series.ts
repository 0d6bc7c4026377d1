// `series.arrow`: a dataset's daily named series beside the chains, e.g. VIX (docs/data-format.md).
//
// Contract (the engine reads exactly this): an Arrow IPC file at the dataset's root with the columns
// name (Dictionary<Int32, Utf8>: 1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter),
// date (Date32) and value (Float64, finite), none holding nulls, and no other column; rows sorted by
// (name, date), names compared byte by byte, no (name, date) twice; dates may have gaps. The
// manifest lists the file under `series`, right after `events` (or `partitions`): path, rows, bytes,
// sha256, names (sorted), firstDate, lastDate; written only when the file exists.
//
// Choices: the whole file is one record batch; the name dictionary holds the names, sorted, so the
// same series always give the same bytes. A valid name is ASCII, so comparing UTF-16 code units is
// comparing bytes. Writing, reading and checking the file against its manifest entry are
// root-files.ts's, shared with events.arrow.
import { join } from "node:path";
import { DateDay, Dictionary, Field, Float64, Int32, Schema, Utf8, makeData, type Vector } from "apache-arrow";
import { isoFromDays, parseIsoDate } from "./dates.js";
import { readManifest, type Manifest } from "./manifest.js";
import {
  DatasetFileError,
  byCodeUnit,
  checkListedDates,
  checkListedRows,
  dateSpan,
  decodeRootTable,
  dictionaryData,
  readListedRootFile,
  singleBatchFileBytes,
  writeRootFile,
  type WrittenFile,
} from "./root-files.js";

/** The file name of a dataset's series, at its root. */
export const SERIES_FILE = "series.arrow";

/** Column names in file order. */
export const SERIES_COLUMNS = ["name", "date", "value"] as const;

/** What a series' name may be. */
export const SERIES_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const SERIES_NAME_RULE = "1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter";

const NAME_DICTIONARY_ID = 0;

/** One row of series.arrow: the value of series `name` on `date`. */
export interface SeriesPoint {
  name: string;
  /** YYYY-MM-DD. */
  date: string;
  value: number;
}

/** What the manifest records of series.arrow (in this key order). */
export interface SeriesInfo {
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** The series' names, sorted. */
  names: string[];
  firstDate: string;
  lastDate: string;
}

/** One series of a file: its rows and first and last date. */
export interface SeriesSummary {
  name: string;
  rows: number;
  firstDate: string;
  lastDate: string;
}

export function seriesSchema(): Schema {
  return new Schema([
    new Field("name", new Dictionary(new Utf8(), new Int32(), NAME_DICTIONARY_ID), false),
    new Field("date", new DateDay(), false),
    new Field("value", new Float64(), false),
  ]);
}

/** The sort order of series.arrow: name, then date. */
export function compareSeriesPoints(a: Pick<SeriesPoint, "name" | "date">, b: Pick<SeriesPoint, "name" | "date">): number {
  return byCodeUnit(a.name, b.name) || byCodeUnit(a.date, b.date);
}

/** The key no two rows may share. */
export function seriesKey(p: Pick<SeriesPoint, "name" | "date">): string {
  return `${p.name}\u0000${p.date}`;
}

/** Why `name` is not a series name, or undefined when it is one. */
export function seriesNameProblem(name: string): string | undefined {
  return SERIES_NAME_PATTERN.test(name) ? undefined : `${JSON.stringify(name)} is not a series name: ${SERIES_NAME_RULE}`;
}

/** Why `value` is not a series value, or undefined when it is one. */
function valueProblem(value: number): string | undefined {
  return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
}

/**
 * Checks `points` against the contract: names, dates, finite values, sorted by (name, date) with
 * no key twice. Throws naming the first bad row (1-based): `row 3 (VIX 2023-01-05): value: …`.
 */
export function checkSeries(points: readonly SeriesPoint[]): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const at = `row ${i + 1} (${p.name} ${p.date})`;
    const nameProblem = seriesNameProblem(p.name);
    if (nameProblem) throw new Error(`${at}: name: ${nameProblem}`);
    try {
      parseIsoDate(p.date);
    } catch (err) {
      throw new Error(`${at}: date: ${(err as Error).message}`);
    }
    const problem = valueProblem(p.value);
    if (problem) throw new Error(`${at}: value: ${problem}`);
    if (i === 0) continue;
    const order = compareSeriesPoints(points[i - 1]!, p);
    if (order === 0) throw new Error(`${at}: repeats row ${i}'s name and date (no two rows share a name and date)`);
    if (order > 0) throw new Error(`${at}: out of order after row ${i} (${points[i - 1]!.name} ${points[i - 1]!.date}); rows are sorted by name, then date`);
  }
}

/** The bytes of series.arrow for `points` (sorted, checked). */
export function seriesFileBytes(points: readonly SeriesPoint[]): Uint8Array {
  checkSeries(points);
  const n = points.length;
  const names = seriesNames(points);
  const nameIndex = new Map(names.map((name, i) => [name, i]));
  return singleBatchFileBytes(seriesSchema(), n, [
    dictionaryData(NAME_DICTIONARY_ID, names, Int32Array.from(points, (p) => nameIndex.get(p.name)!)),
    makeData({ type: new DateDay(), length: n, data: Int32Array.from(points, (p) => parseIsoDate(p.date)) }),
    makeData({ type: new Float64(), length: n, data: Float64Array.from(points, (p) => p.value) }),
  ]);
}

/** The names of `points`, each once, sorted. */
export function seriesNames(points: readonly Pick<SeriesPoint, "name">[]): string[] {
  return [...new Set(points.map((p) => p.name))].sort(byCodeUnit);
}

/** The manifest entry of series.arrow holding `points` (sorted, non-empty), written as `written`. */
export function seriesEntry(points: readonly SeriesPoint[], written: WrittenFile): SeriesInfo {
  const span = dateSpan(points.map((p) => p.date))!;
  return {
    path: SERIES_FILE,
    rows: points.length,
    bytes: written.bytes,
    sha256: written.sha256,
    names: seriesNames(points),
    firstDate: span.first,
    lastDate: span.last,
  };
}

/** Writes series.arrow (through a temporary file and a rename) and returns its manifest entry. */
export function writeSeriesFile(dir: string, points: readonly SeriesPoint[]): SeriesInfo {
  if (points.length === 0) throw new Error("series: no rows to write (a dataset without series has no series.arrow)");
  return seriesEntry(points, writeRootFile(dir, SERIES_FILE, seriesFileBytes(points)));
}

/**
 * The series a dataset's manifest lists, as rows in file order; [] when the manifest lists none.
 * The file must match the manifest entry (size, sha256 unless `checksum` is false, rows, names, first
 * and last date) and the contract; anything else throws a DatasetFileError naming the file.
 */
export function readSeries(dir: string, manifest: Manifest = readManifest(dir), options: { checksum?: boolean } = {}): SeriesPoint[] {
  const entry = manifest.series;
  if (entry === undefined) return [];
  const bytes = readListedRootFile(dir, "series", SERIES_FILE, entry, options.checksum ?? true);
  const path = join(dir, SERIES_FILE);
  const points = decodeSeries(bytes, path);
  checkListedRows(path, entry, points.length);
  checkListedDates(path, entry, points.map((p) => p.date));
  const names = seriesNames(points);
  if (!Array.isArray(entry.names) || names.join(",") !== entry.names.join(",")) {
    throw new DatasetFileError(path, "mismatch", `names ${names.join(", ")} differ from the manifest's ${Array.isArray(entry.names) ? entry.names.join(", ") : JSON.stringify(entry.names)}`);
  }
  return points;
}

/** The first row (0-based) of `column` holding a null, or -1. */
function firstNull(column: Vector): number {
  if (column.nullCount === 0) return -1;
  for (let i = 0; i < column.length; i++) if (!column.isValid(i)) return i;
  return -1;
}

/**
 * Decodes the bytes of a series.arrow file and checks every rule of the contract; `path` names it in
 * errors, which name the row (1-based) and the field.
 */
export function decodeSeries(bytes: Uint8Array, path: string): SeriesPoint[] {
  const table = decodeRootTable(bytes, path, seriesSchema());
  const points: SeriesPoint[] = [];
  for (const batch of table.batches) {
    const columns = SERIES_COLUMNS.map((c) => batch.getChild(c)!);
    SERIES_COLUMNS.forEach((c, j) => {
      const at = firstNull(columns[j]!);
      if (at >= 0) throw new DatasetFileError(path, "invalid", `row ${points.length + at + 1}: ${c}: null; the column holds no nulls`);
    });
    const [name, date, value] = columns as [Vector, Vector, Vector];
    const dayData = date.data[0]!;
    const days = (dayData.values as Int32Array).subarray(dayData.offset);
    for (let i = 0; i < batch.numRows; i++) {
      const row = points.length + 1;
      const iso = isoFromDaysInRange(days[i]!);
      if (iso === undefined) throw new DatasetFileError(path, "invalid", `row ${row}: date: ${days[i]} days from 1970-01-01 is not a date from 0001 to 9999`);
      points.push({ name: String(name.get(i)), date: iso, value: value.get(i) as number });
    }
  }
  try {
    checkSeries(points);
  } catch (err) {
    throw new DatasetFileError(path, "invalid", (err as Error).message);
  }
  return points;
}

/** `YYYY-MM-DD` for days since the epoch in years 0001 to 9999, else undefined. */
function isoFromDaysInRange(days: number): string | undefined {
  return days >= MIN_DAYS && days <= MAX_DAYS ? isoFromDays(days) : undefined;
}
const MIN_DAYS = -719_162; // 0001-01-01
const MAX_DAYS = 2_932_896; // 9999-12-31

/** Each series of `points` (sorted as in the file): its rows and first and last date, by name. */
export function summarizeSeries(points: readonly SeriesPoint[]): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (last?.name === p.name) {
      last.rows++;
      if (p.date < last.firstDate) last.firstDate = p.date;
      if (p.date > last.lastDate) last.lastDate = p.date;
    } else out.push({ name: p.name, rows: 1, firstDate: p.date, lastDate: p.date });
  }
  return out;
}
