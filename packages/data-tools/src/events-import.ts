// `aegis-data import-events`: adds events from a CSV file to an existing dataset (docs/data-format.md).
//
// Choices: the whole file is read and checked before anything is written, so a bad line leaves the
// dataset as it was, byte for byte; the first problem is reported (file:line: field: what), with a
// count of the lines after it that have problems too. Records come from the same CSV reader as the
// ORATS import (RFC 4180 quotes, LF / CRLF / CR line ends, a UTF-8 BOM dropped). Cells are trimmed.
// A row equal to an event already in the dataset, or to an earlier row of the file, is counted as
// already present; the same (ticker, date, kind) with another amount or session is an error naming
// both places. New events are merged with the dataset's, written to events.arrow.partial, the new
// manifest to manifest.json.partial, then both renamed into place, events first: the manifest
// stays the last thing to change. A file that adds nothing changes nothing. The reading and the
// reporting of the file's lines are csv-import.ts's, shared with import-series.
import { LineError, parsePlainNumber, readCsvFile } from "./csv-import.js";
import {
  EVENT_KINDS,
  EVENT_SESSIONS,
  EVENTS_FILE,
  compareEvents,
  countByKind,
  eventKey,
  eventValueProblem,
  eventsEntry,
  eventsFileBytes,
  readEvents,
  type DatasetEvent,
  type EventKind,
  type EventSession,
} from "./events.js";
import { parseIsoDate } from "./dates.js";
import { readDatasetManifest, tickerSpans, unknownTickerProblem, withRootFile } from "./manifest.js";
import { dateSpan, replaceRootFile } from "./root-files.js";

/** The header the command documents (kind and session may be left out). */
export const EVENTS_CSV_HEADER = "ticker,date,kind,amount,session";
/** The dividend-only header: ex_date stands for date, every row is an ex_dividend. */
export const DIVIDENDS_CSV_HEADER = "ticker,ex_date,amount";

export interface ImportEventsSummary {
  /** The CSV file, as given. */
  file: string;
  /** Data rows in the file (blank lines not counted). */
  read: number;
  /** Rows that became new events. */
  added: number;
  /** Rows equal to an event already in the dataset or to an earlier row of the file. */
  present: number;
  /** Events in the dataset after the import, by kind. */
  total: number;
  byKind: Record<EventKind, number>;
  firstDate?: string;
  lastDate?: string;
}

type Column = "ticker" | "date" | "kind" | "amount" | "session";

interface Header {
  index: Record<Column, number | undefined>;
  width: number;
  /** `ticker,ex_date,amount`: dividends only. */
  dividendsOnly: boolean;
}

const HEADER_HELP = `expected ${EVENTS_CSV_HEADER} (kind and session optional) or ${DIVIDENDS_CSV_HEADER}`;

function parseHeader(fields: string[], line: number): Header {
  const names = fields.map((f) => f.trim());
  const shown = JSON.stringify(names.join(","));
  const index: Record<Column, number | undefined> = { ticker: undefined, date: undefined, kind: undefined, amount: undefined, session: undefined };
  const dividendsOnly = names.includes("ex_date");
  const allowed = dividendsOnly ? ["ticker", "ex_date", "amount"] : ["ticker", "date", "kind", "amount", "session"];
  names.forEach((name, i) => {
    if (!allowed.includes(name)) {
      const why = dividendsOnly && (name === "date" || name === "kind" || name === "session") ? `${name} cannot stand beside ex_date` : `unknown column ${JSON.stringify(name)}`;
      throw new LineError(line, "header", `${why}; ${HEADER_HELP}, got ${shown}`);
    }
    const column = (name === "ex_date" ? "date" : name) as Column;
    if (index[column] !== undefined) throw new LineError(line, "header", `column ${name} appears twice; ${HEADER_HELP}, got ${shown}`);
    index[column] = i;
  });
  for (const column of ["ticker", dividendsOnly ? "ex_date" : "date", "amount"]) {
    if (!names.includes(column)) throw new LineError(line, "header", `no ${column} column; ${HEADER_HELP}, got ${shown}`);
  }
  return { index, width: names.length, dividendsOnly };
}

/** The amount cell: null when empty; a LineError when not a plain decimal. */
function parseAmount(text: string, line: number): number | null {
  return text === "" ? null : parsePlainNumber(text, line, "amount");
}

interface Row extends DatasetEvent {
  line: number;
}

function describe(e: DatasetEvent): string {
  const parts = [e.ticker, e.date, e.kind];
  if (e.amount !== null) parts.push(`amount ${e.amount}`);
  if (e.session !== null) parts.push(`session ${e.session}`);
  return parts.join(" ");
}

/** The field in which two events with the same key differ, or undefined when they are equal. */
function differingField(a: DatasetEvent, b: DatasetEvent): "amount" | "session" | undefined {
  if (a.amount !== b.amount) return "amount";
  if (a.session !== b.session) return "session";
  return undefined;
}

/**
 * Adds the events of the CSV file `csvPath` to the dataset in `datasetDir` and rewrites its
 * manifest. Throws an Error naming the file, line and field of the first bad input; the dataset is
 * then unchanged.
 */
export async function importEvents(datasetDir: string, csvPath: string): Promise<ImportEventsSummary> {
  const manifest = readDatasetManifest(datasetDir);
  const existing = readEvents(datasetDir, manifest);
  const spans = tickerSpans(manifest);

  const byKey = new Map<string, { event: DatasetEvent; where: string }>();
  existing.forEach((event, i) => byKey.set(eventKey(event), { event, where: `the event already in the dataset (events.arrow row ${i + 1}: ${describe(event)})` }));
  let present = 0;
  const added: Row[] = [];

  const rowOf = (h: Header, fields: string[], line: number): Row => {
    const cell = (c: Column) => (h.index[c] === undefined ? undefined : fields[h.index[c]]!.trim());
    const dateField = h.dividendsOnly ? "ex_date" : "date";
    const ticker = cell("ticker")!;
    if (ticker === "") throw new LineError(line, "ticker", "empty");
    const unknown = unknownTickerProblem(manifest, ticker);
    if (unknown) throw new LineError(line, "ticker", unknown);

    const dateText = cell("date")!;
    let date: string;
    try {
      parseIsoDate(dateText);
      date = dateText;
    } catch {
      throw new LineError(line, dateField, `${JSON.stringify(dateText)} is not a date as YYYY-MM-DD`);
    }
    const span = spans.get(ticker);
    if (!span || date < span.first || date > span.last) {
      throw new LineError(line, dateField, `${date} is outside ${ticker}'s data, ${span ? `${span.first} to ${span.last}` : "none (no partitions)"}`);
    }

    const kindText = cell("kind") ?? "ex_dividend";
    if (!(EVENT_KINDS as readonly string[]).includes(kindText)) {
      throw new LineError(line, "kind", `${JSON.stringify(kindText)} is not a kind of event; expected ${EVENT_KINDS.join(", ")}`);
    }
    const kind = kindText as EventKind;
    const amount = parseAmount(cell("amount")!, line);
    const sessionText = cell("session") ?? "";
    if (sessionText !== "" && !(EVENT_SESSIONS as readonly string[]).includes(sessionText)) {
      throw new LineError(line, "session", `${JSON.stringify(sessionText)} is not a session; expected ${EVENT_SESSIONS.join(" or ")} (earnings only)`);
    }
    const session = sessionText === "" ? null : (sessionText as EventSession);
    const problem = eventValueProblem({ kind, amount, session });
    if (problem) throw new LineError(line, problem.field, problem.message);
    return { ticker, date, kind, amount, session, line };
  };

  const { read } = readCsvFile<Header>(csvPath, {
    header: parseHeader,
    row(h, fields, line) {
      const row = rowOf(h, fields, line);
      const key = eventKey(row);
      const seen = byKey.get(key);
      if (!seen) {
        byKey.set(key, { event: row, where: `line ${line} (${describe(row)})` });
        added.push(row);
        return;
      }
      const field = differingField(seen.event, row);
      if (field !== undefined) throw new LineError(line, field, `${describe(row)} conflicts with ${seen.where}`);
      present++;
    },
    expected: HEADER_HELP,
  });

  const all = added.length === 0 ? existing : [...existing, ...added.map(({ line: _line, ...e }) => e)].sort(compareEvents);
  const span = dateSpan(all.map((e) => e.date));
  const summary: ImportEventsSummary = {
    file: csvPath,
    read,
    added: added.length,
    present,
    total: all.length,
    byKind: countByKind(all),
    firstDate: span?.first,
    lastDate: span?.last,
  };
  if (added.length === 0) return summary; // nothing new: the dataset stays as it is
  replaceRootFile(datasetDir, EVENTS_FILE, eventsFileBytes(all), (written) => withRootFile(manifest, "events", eventsEntry(all, written)));
  return summary;
}
