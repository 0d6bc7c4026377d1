// `events.arrow`: a dataset's ex-dividend dates, earnings dates and splits (docs/data-format.md).
//
// Contract (the engine reads exactly this): an Arrow IPC file at the dataset's root with the columns
// ticker (Dictionary<Int32, Utf8>), date (Date32), kind (Dictionary<Int32, Utf8>: earnings,
// ex_dividend, split), amount (Float64, nullable: dividend per share in dollars, split ratio, null
// for earnings) and session (Utf8, nullable: bmo/amc for earnings, null otherwise); rows sorted by
// (ticker, date, kind) with no key twice; every ticker one of the manifest's, every date inside that
// ticker's data span. The manifest lists the file under `events` (written only when the file exists).
//
// Choices: the whole file is one record batch (a dataset holds a few thousand events, not millions);
// the ticker dictionary holds the tickers that have events, sorted; the kind dictionary always holds
// the three kinds in that (sorted) order, so the same events always give the same bytes. Strings
// compare by UTF-16 code unit, which is byte order for the ASCII tickers a dataset allows. Writing,
// reading and checking the file against its manifest entry are root-files.ts's, shared with
// series.arrow.
import { join } from "node:path";
import { DateDay, Dictionary, Field, Float64, Int32, Schema, Utf8, makeData, type Data } from "apache-arrow";
import { isoFromDays, parseIsoDate } from "./dates.js";
import { readManifest, tickerSpans, type Manifest } from "./manifest.js";
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
  type RootFileEntry,
  type WrittenFile,
} from "./root-files.js";

/** The file name of a dataset's events, at its root. */
export const EVENTS_FILE = "events.arrow";

/** The kinds of event, in their sort order. */
export const EVENT_KINDS = ["earnings", "ex_dividend", "split"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const EVENT_SESSIONS = ["bmo", "amc"] as const;
export type EventSession = (typeof EVENT_SESSIONS)[number];

/** Column names in file order. */
export const EVENT_COLUMNS = ["ticker", "date", "kind", "amount", "session"] as const;

const TICKER_DICTIONARY_ID = 0;
const KIND_DICTIONARY_ID = 1;

/** One row of events.arrow. */
export interface DatasetEvent {
  ticker: string;
  /** YYYY-MM-DD; the ex-date for a dividend. */
  date: string;
  kind: EventKind;
  /** Dividend per share in dollars (ex_dividend), split ratio (split), null for earnings. */
  amount: number | null;
  /** `bmo` / `amc` for earnings, null otherwise. */
  session: EventSession | null;
}

/** What the manifest records of events.arrow. */
export type EventsInfo = RootFileEntry;

export function eventsSchema(): Schema {
  return new Schema([
    new Field("ticker", new Dictionary(new Utf8(), new Int32(), TICKER_DICTIONARY_ID), false),
    new Field("date", new DateDay(), false),
    new Field("kind", new Dictionary(new Utf8(), new Int32(), KIND_DICTIONARY_ID), false),
    new Field("amount", new Float64(), true),
    new Field("session", new Utf8(), true),
  ]);
}

/** The sort order of events.arrow: ticker, date, kind. */
export function compareEvents(a: DatasetEvent, b: DatasetEvent): number {
  return byCodeUnit(a.ticker, b.ticker) || byCodeUnit(a.date, b.date) || byCodeUnit(a.kind, b.kind);
}

/** The key no two rows may share. */
export function eventKey(e: Pick<DatasetEvent, "ticker" | "date" | "kind">): string {
  return `${e.ticker}\u0000${e.date}\u0000${e.kind}`;
}

/** Why `e`'s amount and session break the contract for its kind, or undefined when they do not. */
export function eventValueProblem(e: Pick<DatasetEvent, "kind" | "amount" | "session">): { field: "kind" | "amount" | "session"; message: string } | undefined {
  const { kind, amount, session } = e;
  if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
    return { field: "kind", message: `${JSON.stringify(kind)} is not a kind of event; expected ${EVENT_KINDS.join(", ")}` };
  }
  if (kind === "earnings") {
    if (amount !== null) return { field: "amount", message: `${amount} given on an earnings row; earnings carry no amount` };
    if (session === null || !(EVENT_SESSIONS as readonly string[]).includes(session)) {
      return { field: "session", message: `an earnings row needs bmo or amc, got ${JSON.stringify(session ?? "")}` };
    }
    return undefined;
  }
  const aRow = kind === "ex_dividend" ? "an ex_dividend row" : "a split row";
  if (session !== null) return { field: "session", message: `${JSON.stringify(session)} given on ${aRow}; only earnings rows have a session` };
  const what = kind === "ex_dividend" ? "the dividend per share in dollars" : "the split ratio";
  if (amount === null) return { field: "amount", message: `empty; ${aRow} needs ${what}` };
  if (!Number.isFinite(amount)) return { field: "amount", message: `${amount} is not a finite number (${what})` };
  if (!(amount > 0)) return { field: "amount", message: `${amount} must be greater than 0 (${what})` };
  if (kind === "split" && amount === 1) return { field: "amount", message: "a split ratio of 1 changes nothing" };
  return undefined;
}

/**
 * Checks `events` against the contract: sorted, no key twice, amounts and sessions right for their
 * kind, and, given `manifest`, every ticker the manifest's and every date inside its ticker's span.
 * Throws naming the first bad row.
 */
export function checkEvents(events: readonly DatasetEvent[], manifest?: Pick<Manifest, "tickers" | "partitions">): void {
  const spans = manifest ? tickerSpans(manifest) : undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const at = `events row ${i + 1} (${e.ticker} ${e.date} ${e.kind})`;
    parseIsoDate(e.date);
    const problem = eventValueProblem(e);
    if (problem) throw new Error(`${at}: ${problem.field}: ${problem.message}`);
    if (i > 0 && compareEvents(events[i - 1]!, e) >= 0) throw new Error(`${at}: out of order or repeated (rows are sorted by ticker, date, kind)`);
    if (manifest && !manifest.tickers.includes(e.ticker)) throw new Error(`${at}: ticker ${e.ticker} is not in the manifest`);
    const span = spans?.get(e.ticker);
    if (spans && (!span || e.date < span.first || e.date > span.last)) {
      throw new Error(`${at}: date outside ${e.ticker}'s data ${span ? `${span.first} to ${span.last}` : "(it has no partitions)"}`);
    }
  }
}

function validityBitmap(valid: readonly boolean[]): { nullBitmap?: Uint8Array; nullCount: number } {
  const nulls = valid.filter((v) => !v).length;
  if (nulls === 0) return { nullCount: 0 };
  const bitmap = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((v, i) => {
    if (v) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap: bitmap, nullCount: nulls };
}

/** The bytes of events.arrow for `events` (sorted, checked). */
export function eventsFileBytes(events: readonly DatasetEvent[]): Uint8Array {
  checkEvents(events);
  const n = events.length;
  const schema = eventsSchema();
  const tickers = [...new Set(events.map((e) => e.ticker))].sort(byCodeUnit);
  const tickerIndex = new Map(tickers.map((t, i) => [t, i]));
  const kindIndex = new Map(EVENT_KINDS.map((k, i) => [k as string, i]));

  const amountValid = events.map((e) => e.amount !== null);
  const sessionValid = events.map((e) => e.session !== null);
  const sessionText = new TextEncoder().encode(events.map((e) => e.session ?? "").join(""));
  const sessionOffsets = new Int32Array(n + 1);
  events.forEach((e, i) => (sessionOffsets[i + 1] = sessionOffsets[i]! + (e.session ?? "").length));

  const columns: Data[] = [
    dictionaryData(TICKER_DICTIONARY_ID, tickers, Int32Array.from(events, (e) => tickerIndex.get(e.ticker)!)),
    makeData({ type: new DateDay(), length: n, data: Int32Array.from(events, (e) => parseIsoDate(e.date)) }),
    dictionaryData(KIND_DICTIONARY_ID, EVENT_KINDS, Int32Array.from(events, (e) => kindIndex.get(e.kind)!)),
    makeData({ type: new Float64(), length: n, data: Float64Array.from(events, (e) => e.amount ?? 0), ...validityBitmap(amountValid) }),
    makeData({ type: new Utf8(), length: n, valueOffsets: sessionOffsets, data: sessionText, ...validityBitmap(sessionValid) }),
  ];
  return singleBatchFileBytes(schema, n, columns);
}

/** The manifest entry of events.arrow holding `events` (sorted, non-empty), written as `written`. */
export function eventsEntry(events: readonly DatasetEvent[], written: WrittenFile): EventsInfo {
  const span = dateSpan(events.map((e) => e.date))!;
  return { path: EVENTS_FILE, rows: events.length, bytes: written.bytes, sha256: written.sha256, firstDate: span.first, lastDate: span.last };
}

/** Writes events.arrow (through a temporary file and a rename) and returns its manifest entry. */
export function writeEventsFile(dir: string, events: readonly DatasetEvent[]): EventsInfo {
  if (events.length === 0) throw new Error("events: no events to write (a dataset without events has no events.arrow)");
  return eventsEntry(events, writeRootFile(dir, EVENTS_FILE, eventsFileBytes(events)));
}

/**
 * The events a dataset's manifest lists, as rows in file order; [] when the manifest lists none.
 * The file must match the manifest entry (size, sha256, rows, first and last date) and the contract
 * (columns, order, values); anything else throws (a DatasetFileError) naming the file.
 */
export function readEvents(dir: string, manifest: Manifest = readManifest(dir)): DatasetEvent[] {
  const entry = manifest.events;
  if (entry === undefined) return [];
  const bytes = readListedRootFile(dir, "events", EVENTS_FILE, entry);
  const path = join(dir, EVENTS_FILE);
  const events = decodeEvents(bytes, path);
  checkListedRows(path, entry, events.length);
  try {
    checkEvents(events, manifest);
  } catch (err) {
    throw new DatasetFileError(path, "invalid", (err as Error).message);
  }
  checkListedDates(path, entry, events.map((e) => e.date));
  return events;
}

/** Decodes the bytes of an events.arrow file; `path` names it in errors. */
export function decodeEvents(bytes: Uint8Array, path: string): DatasetEvent[] {
  const table = decodeRootTable(bytes, path, eventsSchema());
  const out: DatasetEvent[] = [];
  for (const batch of table.batches) {
    const [ticker, date, kind, amount, session] = EVENT_COLUMNS.map((c) => batch.getChild(c)!);
    for (const [name, col] of [["ticker", ticker], ["date", date], ["kind", kind]] as const) {
      if (col!.nullCount > 0) throw new DatasetFileError(path, "invalid", `column ${name} holds nulls`);
    }
    const dayData = date!.data[0]!;
    const days = (dayData.values as Int32Array).subarray(dayData.offset);
    for (let i = 0; i < batch.numRows; i++) {
      const t = ticker!.get(i) as unknown;
      const k = kind!.get(i) as unknown;
      const a = amount!.get(i) as number | null;
      const s = session!.get(i) as string | null;
      if (typeof t !== "string" || typeof k !== "string") throw new DatasetFileError(path, "invalid", `row ${out.length}: ticker or kind is not text`);
      out.push({ ticker: t, date: isoFromDays(days[i]!), kind: k as EventKind, amount: a, session: s as EventSession | null });
    }
  }
  return out;
}

/** Rows by kind, every kind listed (0 when absent). */
export function countByKind(events: readonly DatasetEvent[]): Record<EventKind, number> {
  const counts = Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as Record<EventKind, number>;
  for (const e of events) counts[e.kind]++;
  return counts;
}
