// `exportOratsCsv`: a dataset → ORATS "SMV Strikes" daily CSV files, the inverse of `importOrats`.
// It turns generated data into realistic importer input (the import benchmark, the round-trip test)
// and hands a dataset to tools that read ORATS' format. Importing the files gives back the same rows,
// value for value, unless `numbers: "orats"` asks for ORATS' rounding (export-line.ts says how each
// cell is written).
//
// Output: one `orats_YYYYMMDD.csv` per trade date holding every selected ticker, grouped by ticker in
// name order as ORATS does, rows in dataset order (expiry, strike), ORATS' 39-column header first.
//
// Flow and memory. Partitions are taken a year at a time; within a year every selected ticker's
// partition is read a record batch at a time (partition-reader.ts) and the tickers are merged by
// trade date. Memory is one record batch per ticker of the year (one open file each) plus at most
// WRITE_CHUNK characters of text. A file is written as `<name>.partial` and renamed when complete;
// on failure the partial file and the files this call already finished are removed, so a complete-
// looking file is always complete. Files of the same name already in `outDir` are replaced.
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { basename, join } from "node:path";
import { isoFromDays } from "../dates.js";
import { readManifest, type Manifest } from "../manifest.js";
import type { PartitionInfo } from "../partition-writer.js";
import { readPartitionBatches, type PartitionBatch } from "../partition-reader.js";
import { isValidTicker } from "./columns.js";
import { ORATS_HEADER, lineWriter, type NumberStyle } from "./export-line.js";

export interface ExportProgress {
  /** Base name of the file just written. */
  file: string;
  /** Its trade date, YYYY-MM-DD. */
  tradeDate: string;
  /** Files, rows and bytes written so far. */
  files: number;
  rows: number;
  bytes: number;
}

export interface ExportOptions {
  /** Export only these tickers (case-insensitive); each must be in the dataset. Default: all. */
  tickers?: string[];
  /**
   * "exact" (default): numbers in shortest round-trip form, so importing the files gives back the
   * same values. "orats": ORATS' own 2–6 decimals (export-line.ts), the size and look of real files.
   */
  numbers?: NumberStyle;
  /** Called after every file. */
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportResult {
  /** Paths of the files written, in trade date order. */
  files: string[];
  rows: number;
  bytes: number;
}

/** Characters of CSV text gathered before a write. */
const WRITE_CHUNK = 1 << 20;

export async function exportOratsCsv(datasetDir: string, outDir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const partitions = selectPartitions(readManifest(datasetDir), datasetDir, opts.tickers);
  const createdOut = !existsSync(outDir);
  mkdirSync(outDir, { recursive: true });
  const result: ExportResult = { files: [], rows: 0, bytes: 0 };
  const state = { partial: undefined as string | undefined, lastDay: -Infinity };
  try {
    const years = [...new Set(partitions.map((p) => p.year))].sort((a, b) => a - b);
    for (const year of years) {
      const ofYear = partitions.filter((p) => p.year === year).sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
      const cursors = ofYear.map((p) => new Cursor(join(datasetDir, p.path), opts.numbers ?? "exact"));
      try {
        for (const c of cursors) await c.advance();
        for (;;) {
          let day = Infinity;
          for (const c of cursors) if (c.batch && c.day < day) day = c.day;
          if (day === Infinity) break;
          await writeDay(day, cursors, outDir, result, state);
          opts.onProgress?.({
            file: basename(result.files.at(-1)!),
            tradeDate: isoFromDays(day),
            files: result.files.length,
            rows: result.rows,
            bytes: result.bytes,
          });
        }
      } finally {
        for (const c of cursors) await c.close();
      }
    }
    return result;
  } catch (err) {
    if (state.partial) rmSync(state.partial, { force: true });
    for (const f of result.files) rmSync(f, { force: true });
    if (createdOut) removeDirIfEmpty(outDir);
    throw err;
  }
}

/** The partitions of the selected tickers; throws naming a ticker the dataset does not hold. */
function selectPartitions(manifest: Manifest, dir: string, tickers: string[] | undefined): PartitionInfo[] {
  if (!tickers || tickers.length === 0) return manifest.partitions;
  const byKey = new Map(manifest.tickers.map((t) => [t.toUpperCase(), t]));
  const keep = new Set<string>();
  for (const t of tickers) {
    const found = byKey.get(t.trim().toUpperCase());
    if (found === undefined) throw new Error(`tickers: ${t} is not in ${dir} (it holds ${manifest.tickers.join(", ")})`);
    keep.add(found);
  }
  return manifest.partitions.filter((p) => keep.has(p.ticker));
}

/** A partition read a record batch at a time, positioned at its next unwritten row. */
class Cursor {
  batch: PartitionBatch | undefined;
  row = 0;
  line: (r: number) => string = () => "";
  private readonly batches: AsyncGenerator<PartitionBatch>;

  constructor(
    readonly path: string,
    private readonly numbers: NumberStyle,
  ) {
    this.batches = readPartitionBatches(path);
  }

  /** Trade date of the next row (only while `batch` is set). */
  get day(): number {
    return this.batch!.tradeDate[this.row]!;
  }

  async advance(): Promise<void> {
    const next = await this.batches.next();
    this.batch = next.done ? undefined : next.value;
    this.row = 0;
    if (!this.batch) return;
    // The ticker goes into the CSV unquoted and names a directory on import.
    if (!isValidTicker(this.batch.ticker)) throw new Error(`${this.path}: ticker ${JSON.stringify(this.batch.ticker)} cannot be exported`);
    this.line = lineWriter(this.batch, this.numbers);
  }

  async close(): Promise<void> {
    await this.batches.return(undefined);
  }
}

/** Writes every cursor's rows of `day` into that day's file, advancing the cursors past them. */
async function writeDay(
  day: number,
  cursors: Cursor[],
  outDir: string,
  result: ExportResult,
  state: { partial: string | undefined; lastDay: number },
): Promise<void> {
  const iso = isoFromDays(day);
  if (day <= state.lastDay) {
    const late = cursors.find((c) => c.batch && c.day === day)!;
    throw new Error(`${late.path}: trade date ${iso} comes after ${isoFromDays(state.lastDay)} (rows out of order or in the wrong year)`);
  }
  state.lastDay = day;
  const path = join(outDir, `orats_${iso.replaceAll("-", "")}.csv`);
  state.partial = `${path}.partial`;
  const file = await open(state.partial, "w");
  let bytes = 0;
  let rows = 0;
  try {
    bytes += await write(file, `${ORATS_HEADER}\n`);
    for (const c of cursors) {
      let text = "";
      try {
        while (c.batch && c.day === day) {
          const b = c.batch;
          let r = c.row;
          for (; r < b.length && b.tradeDate[r] === day; r++) {
            text += `${c.line(r)}\n`;
            if (text.length >= WRITE_CHUNK) {
              bytes += await write(file, text);
              text = "";
            }
          }
          rows += r - c.row;
          c.row = r;
          if (r === b.length) await c.advance();
        }
      } catch (err) {
        throw new Error(`${c.path}, trade date ${iso}: ${(err as Error).message}`, { cause: err });
      }
      if (text.length > 0) bytes += await write(file, text);
    }
  } finally {
    await file.close();
  }
  renameSync(state.partial, path);
  state.partial = undefined;
  result.files.push(path);
  result.rows += rows;
  result.bytes += bytes;
}

/** Appends `text` at the handle's position (writeFile loops until all of it is written); returns its bytes. */
async function write(file: FileHandle, text: string): Promise<number> {
  await file.writeFile(text);
  return Buffer.byteLength(text);
}

function removeDirIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // absent or not removable: nothing to tidy
  }
}
