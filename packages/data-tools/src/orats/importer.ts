// ORATS near-EOD "SMV Strikes" CSV files → an Arrow dataset (`<TICKER>/<YEAR>.arrow` + manifest.json).
//
// Flow. Every input is listed as CSV sources (a plain file, or each `.csv` entry of a zip) and peeked:
// the header is checked (a missing column fails the run before anything is written) and the trade
// date of the first data row read. Sources are imported in that date order (ties: the order given,
// then the order inside a zip), streamed a chunk at a time. Rows are parsed and checked (rules in
// columns.ts) and appended to the buffer of their (ticker, trade date). A buffer is *sealed* when the
// file moves on to another (ticker, trade date) — ORATS files are grouped by ticker — and reopened if
// the file comes back to it while it is still buffered. At the end of each source all its days are
// written; each (ticker, day) is sorted by (expirDate, strike), de-duplicated (first row wins) and
// handed to the ticker's PartitionWriter as exactly one record batch. Because the record batches are
// one per day whatever the timing, the output bytes do not depend on the memory budget.
//
// Reading and accounting. Each source is read record by record (csv-records.ts: csv-parse for RFC
// 4180, CRLF/LF/CR line ends, a BOM; a line with a quote that never closes is skipped on its own
// and reading goes on at the next line). Every physical line of a source lands in exactly one
// record, and every record after the header in exactly one bucket: written, skipped (by reason)
// or filtered (outside `tickers`), so rowsRead = rowsWritten + rowsSkipped + rowsFiltered. A blank
// line (empty, or only spaces and tabs) is a record skipped as "blank line", before or after the
// header (the header is the first non-blank record). A source without a header (an empty file, or
// only blank lines) or without a data row (header only) is a warning in the summary, not an error;
// so is a source with lines whose quote never closes (also counted and listed as skipped rows).
//
// Which rows are kept. A (ticker, trade date) belongs to the first source (in import order) with an
// accepted row for it; the same day in a later source is skipped as "duplicate day". A day of a ticker
// earlier than one already written for it is skipped as "day out of order" (only possible when one
// file holds several days, or the first row of a multi-day file is not its earliest). With memory
// pressure (below), rows for a sealed day that has already been written are skipped as "day already
// written": that needs a file that is not grouped by ticker *and* a budget too small for it — it never
// happens for ORATS' daily files. Skipped rows are counted by reason; `problems` keeps the earliest
// `maxErrorsShown` of them in (import order, line) order, so the list is the same from run to run.
// "duplicate day", "day out of order" and "day already written" are reported once per (ticker, day)
// and source (at its first row) but counted for every row.
//
// Memory bound. Buffered rows cost ROW_BYTES (220 B) each, counted by allocated capacity, so growth
// slack included. When a read chunk (256 KiB, ~800 ORATS rows) leaves more than `memoryBudgetMB`
// buffered, sealed days are written early, the largest first (with any earlier buffered days of the
// same ticker before them, to keep days in order), until the total is back under the budget. Peak
// memory is therefore about: the budget plus one chunk's rows, or the largest single (ticker, day) if
// that is bigger — a day is never split, and the day being read is never written early (even a large
// index chain of tens of thousands of rows is a few MB) — plus one sorted copy of the day being
// written, the read chunk, the current record, and per-ticker state: a bitset of imported days
// (~50 B per ticker-year), the open PartitionWriter with Arrow's index of this year's record batches
// (~100 B per day). Nothing holds a whole file or the whole dataset: the default 256 MiB is ~1.2M
// buffered rows, and since ORATS files are grouped by ticker, a smaller budget only means earlier writes.
//
// Open files. PartitionWriter cannot reopen a partition to append, so every ticker seen keeps one
// file descriptor open until its year ends (a ticker's year is closed when its next year starts) —
// importing ORATS' full universe means several thousand descriptors at once. Node raises its soft
// RLIMIT_NOFILE to the hard limit at startup; on Linux that is usually 524288 or more, but containers
// and macOS can have a hard limit of a few thousand. Check `ulimit -Hn` against the ticker count (plus
// a few dozen), or import groups of tickers (`tickers`) into separate datasets. Running out shows as a
// fatal EMFILE error naming the partition.
//
// Failure. On any fatal error (bad header, unreadable or corrupt input, a write failing, abort) every
// open writer is aborted (its `.partial` file removed), the partitions this run already finished are
// deleted, and no manifest is written; the error propagates to the caller. The manifest is written
// last, so a directory without one is never mistaken for a dataset. An import that writes no row at
// all (every input empty, header-only, filtered out or skipped) is an error too: no dataset is made,
// since an empty one would only fail later, in a backtest, far from the cause.
import { mkdirSync, readdirSync, rmSync, rmdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { ChainBatch } from "../chain-batch.js";
import { isoFromDays, parseOratsDate, yearOfDays } from "../dates.js";
import { MANIFEST_FILE, buildManifest, readManifest, writeManifest } from "../manifest.js";
import { PartitionWriter, type PartitionInfo } from "../partition-writer.js";
import { FLOAT_COLUMNS, INT_COLUMNS } from "../schema.js";
import { FLOAT_KIND, isValidTicker, parseDecimalAt, type ColumnMap, type SchemaColumn } from "./columns.js";
import { CsvRecordReader, type BrokenReason } from "./csv-records.js";
import { DaySet } from "./day-set.js";
import { brokenText, isBlank, labelled, listSources, openSource, peekSource, type Source } from "./sources.js";

/** Recorded in the manifest's source; bump when the import rules change what lands in a dataset. */
export const IMPORTER = "aegis-data import-orats 2";
export const CREATED_BY = "@aegis-bt/data-tools";

export interface ImportProgress {
  /** Base name of the input file being read. */
  file: string;
  /** 0-based position of that file in import (trade date) order, of `files`. */
  fileIndex: number;
  files: number;
  /** Input bytes consumed so far (compressed bytes for zips, pro rata), of `bytesTotal`. */
  bytesRead: number;
  bytesTotal: number;
  /** Data rows read so far. */
  rows: number;
}

export interface ImportOptions {
  /** Dataset directory. It may exist; one that already holds a manifest needs `overwrite`. */
  out: string;
  /** Dataset name in the manifest; default "orats". */
  name?: string;
  /** Import only these tickers (case-insensitive); other rows count as `rowsFiltered`. */
  tickers?: string[];
  /** Bound on buffered rows, in MiB; default 256. See the header comment for the full bound. */
  memoryBudgetMB?: number;
  /** How many problems the summary lists; default 20. All are counted. */
  maxErrorsShown?: number;
  /** Called after every chunk read and at the end of every source. */
  onProgress?: (p: ImportProgress) => void;
  /**
   * Replace an existing dataset in `out`: its manifest and the partitions it lists are deleted
   * before the import starts (other files are left alone). Default false: refuse.
   */
  overwrite?: boolean;
  /** Aborting stops the import like any fatal error (nothing half-written is left). */
  signal?: AbortSignal;
}

export interface RowProblem {
  /** Base name of the input file (`x.zip:inner.csv` for a zip entry). */
  file: string;
  /** 1-based physical line where the record starts. */
  line: number;
  /** Header name of the offending column as written in the file; "(row)" for a wrong field count or a blank line. */
  column: string;
  /** The raw cell (at most 80 characters). */
  value: string;
  reason: string;
}

export interface ImportSummary {
  files: number;
  /**
   * Records read after each source's header — data rows, blank lines, lines with a quote that never
   * closes — = rowsWritten + rowsSkipped + rowsFiltered.
   */
  rowsRead: number;
  /**
   * Physical lines read (CRLF, LF or CR ends one), headers included. Each belongs to exactly one
   * record: it exceeds rowsRead + headers only by the extra lines of rows with line breaks in quotes.
   */
  linesRead: number;
  rowsWritten: number;
  rowsSkipped: number;
  /** Rows of tickers outside `tickers`. */
  rowsFiltered: number;
  skippedByReason: Record<string, number>;
  /** Empty cells filled with 0 in written rows, by schema column (IVs, greeks, volumes, open interest). */
  filled: Record<string, number>;
  /** The earliest `maxErrorsShown` skipped rows, in (import order, line) order. */
  problems: RowProblem[];
  /** Sources that gave no rows (empty, header only) or held broken quotes, in import order. */
  warnings: string[];
  partitions: number;
  tickers: string[];
  seconds: number;
}

/** Skip reasons, as counted in `skippedByReason`. */
export const REASONS = {
  blankLine: "blank line",
  unterminatedQuote: "unterminated quote",
  misplacedQuote: "misplaced quote",
  fieldCount: "wrong field count",
  emptyTicker: "empty ticker",
  invalidTicker: "invalid ticker",
  badDate: "bad date",
  tradeAfterExpiry: "trade date after expiry",
  emptyValue: "empty value",
  emptyPrice: "empty price",
  notANumber: "not a number",
  nonPositiveStrike: "non-positive strike",
  nonPositiveUnderlying: "non-positive underlying price",
  negativePrice: "negative price",
  bidAboveAsk: "bid > ask",
  notInteger: "not an integer",
  negativeCount: "negative count",
  outOfRange: "out of range",
  duplicateRow: "duplicate row",
  duplicateDay: "duplicate day",
  dayOutOfOrder: "day out of order",
  dayAlreadyWritten: "day already written",
} as const;

/** Bytes a buffered row costs: expiry 4, strike 8, 23 Float64 8 each, 4 Int32 4 each, line 4, fill mask 4. */
export const ROW_BYTES = 4 + 8 + FLOAT_COLUMNS.length * 8 + INT_COLUMNS.length * 4 + 4 + 4;
const INITIAL_ROWS = 64;
const MAX_VALUE_CHARS = 80;
const INT32_MAX = 2 ** 31 - 1;
const NF = FLOAT_COLUMNS.length;
const NI = INT_COLUMNS.length;

export async function importOrats(files: string[], opts: ImportOptions): Promise<ImportSummary> {
  return new OratsImport(files, opts).run();
}

/** The rows of one (ticker, trade date) read so far, unsorted, column by column. */
class DayBuffer {
  length = 0;
  capacity: number;
  expir: Int32Array;
  strike: Float64Array;
  floats: Float64Array[];
  ints: Int32Array[];
  lines: Int32Array;
  /** Bit k set: float column k was empty and filled (k < NF), or int column k − NF. */
  fills: Int32Array;
  sealed = false;

  /** `capacity`: a guess of the day's rows (the ticker's previous day), so the columns rarely grow. */
  constructor(
    readonly ticker: TickerState,
    readonly day: number,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.expir = new Int32Array(capacity);
    this.strike = new Float64Array(capacity);
    this.floats = FLOAT_COLUMNS.map(() => new Float64Array(capacity));
    this.ints = INT_COLUMNS.map(() => new Int32Array(capacity));
    this.lines = new Int32Array(capacity);
    this.fills = new Int32Array(capacity);
  }

  get bytes(): number {
    return this.capacity * ROW_BYTES;
  }

  /** Index of a new row (growing the columns if needed). */
  add(): number {
    if (this.length === this.capacity) {
      const cap = this.capacity * 2;
      this.expir = grow(this.expir, cap);
      this.strike = grow(this.strike, cap);
      this.floats = this.floats.map((a) => grow(a, cap));
      this.ints = this.ints.map((a) => grow(a, cap));
      this.lines = grow(this.lines, cap);
      this.fills = grow(this.fills, cap);
      this.capacity = cap;
    }
    return this.length++;
  }
}

function grow<T extends Int32Array | Float64Array>(arr: T, cap: number): T {
  const next = new (arr.constructor as { new (n: number): T })(cap);
  next.set(arr);
  return next;
}

class TickerState {
  writer: PartitionWriter | undefined;
  lastWritten = -Infinity;
  /** Rows in the last day buffered for this ticker (the next day's starting capacity). */
  lastRows = 0;
  /** Days of the current source not yet written. */
  readonly pending = new Map<number, DayBuffer>();
  /** Days claimed by the current source (written or pending). */
  readonly thisSource = new Set<number>();
  /** Days claimed by earlier sources. */
  readonly earlier = new DaySet();
  /** Days already reported as a problem in the current source. */
  readonly reported = new Set<number>();
  /** Not usable as a directory name: its rows are skipped. */
  readonly invalid: boolean;

  constructor(readonly name: string) {
    this.invalid = !isValidTicker(name);
  }
}

interface SourceState {
  src: Source;
  seq: number;
  /** Undefined for a source without a header (empty, or only blank lines). */
  columns: ColumnMap | undefined;
  headerSeen: boolean;
  reader: CsvRecordReader | undefined;
  /** Non-blank records after the header. */
  dataRows: number;
  blankLines: number;
  /** Lines skipped for a broken quote, and the first of them. */
  brokenLines: number;
  firstBroken: number;
  current: DayBuffer | undefined;
  floatIdx: Int32Array;
  intIdx: Int32Array;
}

interface RankedProblem {
  seq: number;
  problem: RowProblem;
}

class OratsImport {
  private readonly out: string;
  private readonly name: string;
  private readonly filter: Set<string> | undefined;
  private readonly budget: number;
  private readonly maxShown: number;
  private readonly started = performance.now();

  private readonly tickers = new Map<string, TickerState>();
  private lastTicker: TickerState | undefined;
  private readonly touched = new Set<TickerState>();
  private readonly live = new Set<DayBuffer>();
  private buffered = 0;
  private readonly openWriters = new Set<PartitionWriter>();
  private readonly finished: PartitionInfo[] = [];
  private createdOut = false;

  private rowsRead = 0;
  private linesRead = 0;
  private readonly warnings: string[] = [];
  private rowsWritten = 0;
  private rowsSkipped = 0;
  private rowsFiltered = 0;
  private readonly skipped = new Map<string, number>();
  private readonly filledCounts = new Float64Array(NF + NI);
  private readonly problems: RankedProblem[] = [];

  private readonly dateCache = new Map<string, number>();
  private readonly rowF = new Float64Array(NF);
  private readonly rowI = new Int32Array(NI);
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private cur: SourceState | undefined;

  constructor(
    private readonly files: string[],
    private readonly opts: ImportOptions,
  ) {
    this.out = opts.out;
    this.name = opts.name ?? "orats";
    const mb = opts.memoryBudgetMB ?? 256;
    if (!(mb > 0) || !Number.isFinite(mb)) throw new Error(`memoryBudgetMB must be a positive number, got ${mb}`);
    this.budget = mb * 1024 * 1024;
    const shown = opts.maxErrorsShown ?? 20;
    if (!Number.isInteger(shown) || shown < 0) throw new Error(`maxErrorsShown must be a whole number ≥ 0, got ${shown}`);
    this.maxShown = shown;
    if (opts.tickers && opts.tickers.length > 0) this.filter = new Set(opts.tickers.map((t) => t.trim().toUpperCase()));
  }

  async run(): Promise<ImportSummary> {
    if (this.files.length === 0) throw new Error("no input files");
    try {
      const sources = await listSources(this.files);
      for (const src of sources) {
        this.opts.signal?.throwIfAborted();
        await peekSource(src);
      }
      sources.sort(
        (a, b) =>
          (a.firstTradeDay ?? Infinity) - (b.firstTradeDay ?? Infinity) ||
          a.fileOrder - b.fileOrder ||
          a.entryOrder - b.entryOrder,
      );
      this.prepareOut();

      // Files in import order: the order of their first source.
      const fileIndex = new Map<number, number>();
      const fileBases: string[] = [];
      for (const s of sources) {
        if (fileIndex.has(s.fileOrder)) continue;
        fileIndex.set(s.fileOrder, fileIndex.size);
        fileBases.push(s.fileBase);
      }
      const bytesTotal = sources.reduce((sum, s) => sum + s.share, 0);
      let bytesDone = 0;

      for (const [seq, src] of sources.entries()) {
        this.opts.signal?.throwIfAborted();
        const progress = (sourceBytes: number) =>
          this.opts.onProgress?.({
            file: src.fileBase,
            fileIndex: fileIndex.get(src.fileOrder)!,
            files: fileIndex.size,
            bytesRead: Math.min(bytesTotal, Math.round(bytesDone + sourceBytes)),
            bytesTotal: Math.round(bytesTotal),
            rows: this.rowsRead,
          });
        await this.importSource(src, seq, progress);
        bytesDone += src.share;
        progress(0);
      }

      this.opts.signal?.throwIfAborted();
      for (const t of this.sortedTickers()) await this.closeWriter(t);
      if (this.rowsWritten === 0) {
        const warned = this.warnings.length > 0 ? `; ${this.warnings.join("; ")}` : "";
        throw new Error(`no rows imported: ${this.describeCounts()}${warned}`);
      }

      const manifest = buildManifest(
        this.name,
        CREATED_BY,
        { kind: "orats-import", importer: IMPORTER, files: fileBases },
        this.finished,
      );
      writeManifest(this.out, manifest);
      return this.summary(fileIndex.size, manifest.tickers);
    } catch (err) {
      await this.cleanUp();
      throw err;
    }
  }

  // ---- output directory ------------------------------------------------------------------------

  private prepareOut(): void {
    if (existsSync(join(this.out, MANIFEST_FILE))) {
      if (!this.opts.overwrite) {
        throw new Error(`${this.out} already holds a dataset (${MANIFEST_FILE}); choose another directory or overwrite it`);
      }
      const old = readManifest(this.out);
      rmSync(join(this.out, MANIFEST_FILE));
      for (const p of old.partitions ?? []) {
        // Only paths shaped like our own partitions: a manifest must not be able to delete anything else.
        if (/^[A-Za-z0-9][A-Za-z0-9._-]*\/\d{4}\.arrow$/.test(p.path)) {
          rmSync(join(this.out, p.path), { force: true });
          removeDirIfEmpty(dirname(join(this.out, p.path)));
        }
      }
    }
    if (!existsSync(this.out)) {
      mkdirSync(this.out, { recursive: true });
      this.createdOut = true;
    }
  }

  private async cleanUp(): Promise<void> {
    for (const w of this.openWriters) await w.abort().catch(() => undefined);
    this.openWriters.clear();
    for (const info of this.finished) {
      rmSync(join(this.out, info.path), { force: true });
    }
    for (const t of this.tickers.values()) if (!t.invalid) removeDirIfEmpty(join(this.out, t.name));
    if (this.createdOut) removeDirIfEmpty(this.out);
  }

  // ---- reading ---------------------------------------------------------------------------------

  private async importSource(src: Source, seq: number, progress: (bytes: number) => void): Promise<void> {
    const columns = src.columns;
    const state: SourceState = {
      src,
      seq,
      columns,
      headerSeen: false,
      reader: undefined,
      dataRows: 0,
      blankLines: 0,
      brokenLines: 0,
      firstBroken: 0,
      current: undefined,
      floatIdx: Int32Array.from(FLOAT_COLUMNS, (c) => (columns ? columns.index[c] : 0)),
      intIdx: Int32Array.from(INT_COLUMNS, (c) => (columns ? columns.index[c] : 0)),
    };
    this.cur = state;
    const scale = src.streamBytes > 0 ? src.share / src.streamBytes : 0;
    const { chunks, close } = await openSource(src).catch((err: unknown) => {
      throw labelled(src.label, err);
    });
    const reader = new CsvRecordReader({
      record: (text, fields, line) => this.onRecord(state, text, fields, line),
      broken: (text, line, reason, field) => this.onBroken(state, text, line, reason, field),
    });
    state.reader = reader;
    let read = 0;
    try {
      for await (const chunk of chunks) {
        this.opts.signal?.throwIfAborted();
        reader.push(chunk);
        read += chunk.byteLength;
        progress(Math.min(src.share, read * scale));
        if (this.buffered > this.budget) await this.relieve();
      }
      reader.end();
    } catch (err) {
      throw labelled(src.label, err);
    } finally {
      close();
    }
    this.linesRead += reader.lines;
    this.warnAbout(state);
    if (state.current) state.current.sealed = true;
    for (const t of [...this.touched].sort(byName)) {
      await this.flushTicker(t, Infinity);
      for (const d of t.thisSource) t.earlier.add(d);
      t.thisSource.clear();
      t.reported.clear();
    }
    this.touched.clear();
    this.cur = undefined;
  }

  private warnAbout(s: SourceState): void {
    const label = s.src.label;
    const blanks = s.blankLines > 0 ? ` (${s.blankLines} blank line${s.blankLines > 1 ? "s" : ""})` : "";
    if (!s.headerSeen) {
      this.warnings.push(`${label}: empty file, no header and no rows${blanks}; nothing imported from it`);
    } else if (s.dataRows === 0) {
      this.warnings.push(`${label}: a header but no data rows${blanks}; nothing imported from it`);
    }
    if (s.brokenLines > 0) {
      const n = s.brokenLines;
      this.warnings.push(
        `${label}: ${n} line${n > 1 ? "s" : ""} with a broken quote (the first at line ${s.firstBroken}), ` +
          `skipped as "${REASONS.unterminatedQuote}" or "${REASONS.misplacedQuote}"; reading went on at the next line each time`,
      );
    }
  }

  /** A line with a broken quote (after the header: the peek refuses one before it). */
  private onBroken(s: SourceState, text: string, line: number, reason: BrokenReason, field: number): void {
    if (!s.headerSeen || !s.columns) throw new Error(`${s.src.label}:${line}: the header line ${brokenText(reason, field)}`);
    this.rowsRead++;
    s.brokenLines++;
    if (s.brokenLines === 1) s.firstBroken = line;
    const column = field >= 0 && field < s.columns.width ? s.columns.header[field]! : "(row)";
    this.skip(s, line, column, text, reason);
  }

  private onRecord(s: SourceState, text: string, fields: string[] | undefined, line: number): void {
    if (isBlank(text, fields)) {
      this.rowsRead++;
      s.blankLines++;
      this.skip(s, line, "(row)", fields ? fields[0]! : text, REASONS.blankLine);
      return;
    }
    if (!s.headerSeen) {
      s.headerSeen = true; // already resolved by the peek
      s.reader!.width = s.columns!.width;
      return;
    }
    this.rowsRead++;
    s.dataRows++;
    // Fields are addressed by their bounds in one string, not split into strings; numbers are parsed
    // in place. A record that came through csv-parse (it had quotes) is joined back first (commas
    // inside a field become ";", so the bounds stay right; the raw values reported come from `fields`).
    const rec = fields ? fields.map((x) => x.replaceAll(",", ";")).join(",") : text;
    const cm = s.columns!;
    const ix = cm.index;
    const n = this.scanFields(rec, cm.width);
    const st = this.starts;
    const en = this.ends;

    const rawTicker = ix.ticker < n ? this.rawAt(rec, fields, ix.ticker) : undefined;
    const ticker = rawTicker === undefined ? "" : rawTicker.trim();
    if (this.filter && rawTicker !== undefined && !this.filter.has(ticker.toUpperCase())) {
      this.rowsFiltered++;
      return;
    }
    if (n !== cm.width) {
      return this.skip(s, line, "(row)", `${n} fields, header has ${cm.width}`, REASONS.fieldCount);
    }
    if (ticker.length === 0) return this.skipAt(s, line, "ticker", rawTicker!, REASONS.emptyTicker);
    const t = this.tickerState(ticker);
    if (t.invalid) return this.skipAt(s, line, "ticker", rawTicker!, REASONS.invalidTicker);

    const rawTrade = this.rawAt(rec, fields, ix.tradeDate);
    const tradeDay = this.date(rawTrade);
    if (tradeDay === undefined) return this.skipAt(s, line, "tradeDate", rawTrade, REASONS.badDate);
    if (t.earlier.has(tradeDay)) return this.skipDay(s, t, tradeDay, line, rawTrade, REASONS.duplicateDay);

    const rawExpir = this.rawAt(rec, fields, ix.expirDate);
    const expirDay = this.date(rawExpir);
    if (expirDay === undefined) return this.skipAt(s, line, "expirDate", rawExpir, REASONS.badDate);
    if (tradeDay > expirDay) return this.skipAt(s, line, "expirDate", rawExpir, REASONS.tradeAfterExpiry);

    const strike = parseDecimalAt(rec, st[ix.strike]!, en[ix.strike]!);
    if (strike === undefined || !(strike > 0)) {
      const raw = this.rawAt(rec, fields, ix.strike);
      const reason = strike === undefined ? REASONS.emptyValue : Number.isNaN(strike) ? REASONS.notANumber : REASONS.nonPositiveStrike;
      return this.skipAt(s, line, "strike", raw, reason);
    }

    let fills = 0;
    const rowF = this.rowF;
    const fIdx = s.floatIdx;
    for (let k = 0; k < NF; k++) {
      const at = fIdx[k]!;
      const v = parseDecimalAt(rec, st[at]!, en[at]!);
      const kind = KINDS[k]!;
      if (v === undefined) {
        if (kind === KIND_FILL) {
          rowF[k] = 0;
          fills |= 1 << k;
          continue;
        }
        return this.skipAt(s, line, FLOAT_COLUMNS[k]!, "", kind === KIND_REQUIRED ? REASONS.emptyValue : REASONS.emptyPrice);
      }
      if (Number.isNaN(v)) return this.skipAt(s, line, FLOAT_COLUMNS[k]!, this.rawAt(rec, fields, at), REASONS.notANumber);
      if (kind === KIND_PRICE && v < 0) {
        return this.skipAt(s, line, FLOAT_COLUMNS[k]!, this.rawAt(rec, fields, at), REASONS.negativePrice);
      }
      if (kind === KIND_UNDERLYING && v <= 0) {
        return this.skipAt(s, line, FLOAT_COLUMNS[k]!, this.rawAt(rec, fields, at), REASONS.nonPositiveUnderlying);
      }
      rowF[k] = v;
    }
    const rowI = this.rowI;
    const iIdx = s.intIdx;
    for (let k = 0; k < NI; k++) {
      const at = iIdx[k]!;
      const v = parseDecimalAt(rec, st[at]!, en[at]!);
      if (v === undefined) {
        rowI[k] = 0;
        fills |= 1 << (NF + k);
        continue;
      }
      if (!Number.isInteger(v) || v < 0 || v > INT32_MAX) {
        const reason = Number.isNaN(v)
          ? REASONS.notANumber
          : !Number.isInteger(v)
            ? REASONS.notInteger
            : v < 0
              ? REASONS.negativeCount
              : REASONS.outOfRange;
        return this.skipAt(s, line, INT_COLUMNS[k]!, this.rawAt(rec, fields, at), reason);
      }
      rowI[k] = v;
    }
    if (rowF[C_BID]! > rowF[C_ASK]!) return this.skipAt(s, line, "cBidPx", this.rawAt(rec, fields, ix.cBidPx), REASONS.bidAboveAsk);
    if (rowF[P_BID]! > rowF[P_ASK]!) return this.skipAt(s, line, "pBidPx", this.rawAt(rec, fields, ix.pBidPx), REASONS.bidAboveAsk);

    let buf = t.pending.get(tradeDay);
    if (!buf) {
      if (t.thisSource.has(tradeDay)) return this.skipDay(s, t, tradeDay, line, rawTrade, REASONS.dayAlreadyWritten);
      if (tradeDay <= t.lastWritten) return this.skipDay(s, t, tradeDay, line, rawTrade, REASONS.dayOutOfOrder);
      buf = new DayBuffer(t, tradeDay, Math.max(INITIAL_ROWS, t.lastRows));
      t.pending.set(tradeDay, buf);
      t.thisSource.add(tradeDay);
      this.touched.add(t);
      this.live.add(buf);
      this.buffered += buf.bytes;
    }
    if (buf !== s.current) {
      if (s.current) s.current.sealed = true;
      buf.sealed = false;
      s.current = buf;
    }
    const before = buf.capacity;
    const i = buf.add();
    if (buf.capacity !== before) this.buffered += (buf.capacity - before) * ROW_BYTES;
    buf.expir[i] = expirDay;
    buf.strike[i] = strike;
    for (let k = 0; k < NF; k++) buf.floats[k]![i] = rowF[k]!;
    for (let k = 0; k < NI; k++) buf.ints[k]![i] = rowI[k]!;
    buf.lines[i] = line;
    buf.fills[i] = fills;
  }

  /** Fills `starts`/`ends` with the bounds of the record's fields; returns the field count. */
  private scanFields(rec: string, width: number): number {
    if (this.starts.length < width + 1) {
      this.starts = new Int32Array(width + 1);
      this.ends = new Int32Array(width + 1);
    }
    const st = this.starts;
    const en = this.ends;
    let n = 0;
    let pos = 0;
    for (;;) {
      const comma = rec.indexOf(",", pos);
      if (n <= width) {
        st[n] = pos;
        en[n] = comma < 0 ? rec.length : comma;
      }
      n++;
      if (comma < 0) return n;
      pos = comma + 1;
    }
  }

  private rawAt(rec: string, fields: string[] | undefined, i: number): string {
    return fields ? fields[i]! : rec.slice(this.starts[i]!, this.ends[i]!);
  }

  private date(text: string): number | undefined {
    let d = this.dateCache.get(text);
    if (d === undefined) {
      if (this.dateCache.size > 4096) this.dateCache.clear();
      d = parseOratsDate(text) ?? Number.NaN;
      this.dateCache.set(text, d);
    }
    return Number.isNaN(d) ? undefined : d;
  }

  private tickerState(name: string): TickerState {
    const last = this.lastTicker;
    if (last && last.name === name) return last;
    let t = this.tickers.get(name);
    if (!t) {
      t = new TickerState(name);
      this.tickers.set(name, t);
    }
    this.lastTicker = t;
    return t;
  }

  // ---- problems --------------------------------------------------------------------------------

  private skipAt(s: SourceState, line: number, column: SchemaColumn, raw: string, reason: string): void {
    this.skip(s, line, s.columns!.name[column], raw, reason);
  }

  private skipDay(s: SourceState, t: TickerState, day: number, line: number, raw: string, reason: string): void {
    if (t.reported.has(day)) {
      this.count(reason);
      return;
    }
    t.reported.add(day);
    this.touched.add(t);
    this.skip(s, line, s.columns!.name.tradeDate, raw, reason);
  }

  private skip(s: SourceState, line: number, column: string, raw: string, reason: string): void {
    this.count(reason);
    if (this.maxShown === 0) return;
    const list = this.problems;
    const seq = s.seq;
    // Keep the earliest maxShown by (seq, line); usually a push at the end or nothing.
    let at = list.length;
    while (at > 0 && (list[at - 1]!.seq > seq || (list[at - 1]!.seq === seq && list[at - 1]!.problem.line > line))) at--;
    if (at >= this.maxShown) return;
    const value = raw.length > MAX_VALUE_CHARS ? `${raw.slice(0, MAX_VALUE_CHARS - 1)}…` : raw;
    list.splice(at, 0, { seq, problem: { file: s.src.label, line, column, value, reason } });
    if (list.length > this.maxShown) list.pop();
  }

  private count(reason: string): void {
    this.rowsSkipped++;
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }

  // ---- writing ---------------------------------------------------------------------------------

  /** Writes sealed days early, the largest first, until the buffered rows fit the budget again. */
  private async relieve(): Promise<void> {
    const candidates = [...this.live]
      .filter((b) => b.sealed)
      .sort((a, b) => b.bytes - a.bytes || byName(a.ticker, b.ticker) || a.day - b.day);
    for (const b of candidates) {
      if (this.buffered <= this.budget) break;
      if (this.live.has(b)) await this.flushTicker(b.ticker, b.day);
    }
  }

  /** Writes the ticker's buffered days up to `upTo`, in day order, stopping at an unsealed one. */
  private async flushTicker(t: TickerState, upTo: number): Promise<void> {
    if (t.pending.size === 0) return;
    const days = [...t.pending.keys()].filter((d) => d <= upTo).sort((a, b) => a - b);
    for (const d of days) {
      const buf = t.pending.get(d)!;
      if (!buf.sealed) return;
      await this.writeDay(buf);
    }
  }

  private async writeDay(buf: DayBuffer): Promise<void> {
    const t = buf.ticker;
    const s = this.cur!;
    const n = buf.length;
    t.lastRows = n;
    const { expir, strike } = buf;

    let sorted = true;
    for (let i = 1; i < n; i++) {
      if (expir[i]! < expir[i - 1]! || (expir[i] === expir[i - 1] && strike[i]! <= strike[i - 1]!)) {
        sorted = false;
        break;
      }
    }
    let order: Uint32Array | undefined;
    let kept = n;
    if (!sorted) {
      order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      // Ties broken by arrival, so the first of duplicated rows comes first and is the one kept.
      order.sort((a, b) => expir[a]! - expir[b]! || strike[a]! - strike[b]! || a - b);
      kept = 0;
      for (let j = 0; j < n; j++) {
        const i = order[j]!;
        if (kept > 0) {
          const p = order[kept - 1]!;
          if (expir[p] === expir[i] && strike[p] === strike[i]) {
            this.skip(s, buf.lines[i]!, s.columns!.name.strike, `${strike[i]} (expiry ${isoFromDays(expir[i]!)})`, REASONS.duplicateRow);
            continue;
          }
        }
        order[kept++] = i;
      }
    }

    const out = new ChainBatch(kept);
    out.reserve(kept);
    out.tradeDate.fill(buf.day, 0, kept);
    const fills = this.filledCounts;
    if (!order) {
      out.expirDate.set(expir.subarray(0, kept));
      out.strike.set(strike.subarray(0, kept));
      FLOAT_COLUMNS.forEach((c, k) => out.floats[c].set(buf.floats[k]!.subarray(0, kept)));
      INT_COLUMNS.forEach((c, k) => out.ints[c].set(buf.ints[k]!.subarray(0, kept)));
      for (let i = 0; i < kept; i++) if (buf.fills[i] !== 0) countFills(fills, buf.fills[i]!);
    } else {
      gather(out.expirDate, expir, order, kept);
      gather(out.strike, strike, order, kept);
      FLOAT_COLUMNS.forEach((c, k) => gather(out.floats[c], buf.floats[k]!, order, kept));
      INT_COLUMNS.forEach((c, k) => gather(out.ints[c], buf.ints[k]!, order, kept));
      for (let j = 0; j < kept; j++) {
        const m = buf.fills[order[j]!]!;
        if (m !== 0) countFills(fills, m);
      }
    }

    const year = yearOfDays(buf.day);
    if (t.writer && t.writer.year !== year) await this.closeWriter(t);
    if (!t.writer) {
      t.writer = new PartitionWriter(this.out, t.name, year);
      this.openWriters.add(t.writer);
    }
    await t.writer.write(out);

    t.pending.delete(buf.day);
    t.lastWritten = buf.day;
    this.live.delete(buf);
    this.buffered -= buf.bytes;
    this.rowsWritten += kept;
  }

  private async closeWriter(t: TickerState): Promise<void> {
    const w = t.writer;
    if (!w) return;
    t.writer = undefined;
    const info = await w.close();
    this.openWriters.delete(w);
    this.finished.push(info);
  }

  private sortedTickers(): TickerState[] {
    return [...this.tickers.values()].sort(byName);
  }

  // ---- summary ---------------------------------------------------------------------------------

  private summary(files: number, tickers: string[]): ImportSummary {
    const filled: Record<string, number> = {};
    [...FLOAT_COLUMNS, ...INT_COLUMNS].forEach((c, k) => {
      if (this.filledCounts[k]! > 0) filled[c] = this.filledCounts[k]!;
    });
    return {
      files,
      rowsRead: this.rowsRead,
      linesRead: this.linesRead,
      rowsWritten: this.rowsWritten,
      rowsSkipped: this.rowsSkipped,
      rowsFiltered: this.rowsFiltered,
      skippedByReason: Object.fromEntries([...this.skipped.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
      filled,
      problems: this.problems.map((p) => p.problem),
      warnings: [...this.warnings],
      partitions: this.finished.length,
      tickers,
      seconds: Math.round(performance.now() - this.started) / 1000,
    };
  }

  private describeCounts(): string {
    const reasons = [...this.skipped.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([r, n]) => `${n} ${r}`)
      .join(", ");
    return (
      `${this.rowsRead} rows read, ${this.rowsSkipped} skipped${reasons ? ` (${reasons})` : ""}` +
      (this.filter ? `, ${this.rowsFiltered} not in the selected tickers` : "")
    );
  }
}

const KIND_UNDERLYING = 0;
const KIND_PRICE = 1;
const KIND_REQUIRED = 2;
const KIND_FILL = 3;
const KINDS = Uint8Array.from(FLOAT_COLUMNS, (c) =>
  ({ underlying: KIND_UNDERLYING, price: KIND_PRICE, required: KIND_REQUIRED, fill: KIND_FILL })[FLOAT_KIND[c]],
);
const C_BID = FLOAT_COLUMNS.indexOf("cBidPx");
const C_ASK = FLOAT_COLUMNS.indexOf("cAskPx");
const P_BID = FLOAT_COLUMNS.indexOf("pBidPx");
const P_ASK = FLOAT_COLUMNS.indexOf("pAskPx");

function byName(a: { name: string } | TickerState, b: { name: string } | TickerState): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function gather<T extends Int32Array | Float64Array>(dst: T, src: T, order: Uint32Array, n: number): void {
  for (let j = 0; j < n; j++) dst[j] = src[order[j]!]!;
}

function countFills(counts: Float64Array, mask: number): void {
  for (let m = mask, k = 0; m !== 0; m >>>= 1, k++) if (m & 1) counts[k] = counts[k]! + 1;
}

function removeDirIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // absent or not removable: nothing to tidy
  }
}
