// `aegis-data import-dates`: stores the days of a CSV file in a dataset as the date set NAME
// (date-sets.ts; docs/data-format.md, "Date sets"), for the `dates` entry signal.
//
// Choices: the file is the one a `dates: { file: … }` signal reads beside a scenario (header `date`
// or `date,ticker`, any case; one YYYY-MM-DD a line; an empty ticker lists the day for every
// ticker), read and checked whole (csv-import.ts) before anything is written, so a bad line leaves
// the dataset as it was, byte for byte; the first problem is reported (file:line: field: what) with
// a count of the problems after it. A ticker must be one of the manifest's (a day for a ticker the
// data lacks is almost always a typo) unless `allowUnknownTickers`. Every day is kept, inside the
// data or not, as the engine keeps every day of a file beside the scenario; how many lie outside
// is said. A line repeating an earlier line's day and ticker is counted, and stored once. The set
// replaces the set of that name the dataset had (every series NAME and NAME.<…>); a series of that
// group holding another value than 1 is not a date set, and is refused rather than overwritten.
// The other series are kept as they were. Writing is import-series's: the merged rows go to
// series.arrow.partial, the manifest to manifest.json.partial, then both are renamed into place,
// the series first. A file giving the set exactly as it is writes nothing.
import { join } from "node:path";
import { LineError, readCsvFile } from "./csv-import.js";
import {
  DATE_SET_TICKER_PATTERN,
  DATE_SET_TICKER_RULE,
  DATE_SET_VALUE,
  dateSetNameProblem,
  dateSetSeriesName,
  dateSetSeriesNameFits,
  inDateSet,
  summarizeDateSet,
  type DateSetSummary,
} from "./date-sets.js";
import { parseIsoDate } from "./dates.js";
import { datasetSpan, readDatasetManifest, tickerSpans, unknownTickerProblem, withRootFile } from "./manifest.js";
import { replaceRootFile } from "./root-files.js";
import { SERIES_FILE, compareSeriesPoints, readSeries, seriesEntry, seriesFileBytes, seriesKey, type SeriesPoint } from "./series.js";

/** The headers the command reads (any case). */
export const DATES_CSV_HEADERS = ["date", "date,ticker"] as const;

export interface ImportDatesOptions {
  /** The date set's name: a letter, then letters, digits, _ and - (no .), at most 64 characters. */
  name: string;
  /** Accept tickers that are not among the manifest's (refused by default: most are typos). */
  allowUnknownTickers?: boolean;
}

export interface ImportDatesSummary extends DateSetSummary {
  /** The CSV file, as given. */
  file: string;
  /** Data rows in the file (blank lines not counted). */
  read: number;
  /** Rows repeating an earlier row's day and ticker (stored once). */
  repeated: number;
  /** Days (rows of the set) outside the data: the dataset's span for every ticker, the ticker's for one. */
  outside: number;
  /** Tickers of the file the manifest does not list (only with allowUnknownTickers), sorted. */
  unknownTickers: string[];
  /** The set of that name the dataset had, now replaced; undefined when it had none. */
  replaced?: DateSetSummary;
  /** False when the dataset already held exactly this set (nothing written). */
  written: boolean;
  /** Rows in series.arrow after the import. */
  total: number;
}

interface Header {
  width: number;
  withTicker: boolean;
}

const HEADER_HELP = `expected ${DATES_CSV_HEADERS.join(" or ")} (in that order, any case)`;

function parseHeader(fields: string[], line: number): Header {
  const names = fields.map((f) => f.trim().toLowerCase());
  const which = DATES_CSV_HEADERS.indexOf(names.join(",") as (typeof DATES_CSV_HEADERS)[number]);
  if (which < 0) throw new LineError(line, "header", `${HEADER_HELP}, got ${JSON.stringify(fields.map((f) => f.trim()).join(","))}`);
  return { width: names.length, withTicker: which === 1 };
}

/**
 * Stores the days of the CSV file `csvPath` in the dataset in `datasetDir` as the date set
 * `options.name` (replacing the set of that name, if any) and rewrites its manifest. Throws an Error
 * naming the file, line and field of the first bad input; the dataset is then unchanged.
 */
export async function importDates(datasetDir: string, csvPath: string, options: ImportDatesOptions): Promise<ImportDatesSummary> {
  const { name, allowUnknownTickers = false } = options;
  const nameProblem = dateSetNameProblem(name);
  if (nameProblem) throw new Error(nameProblem);
  const manifest = readDatasetManifest(datasetDir);
  const existing = readSeries(datasetDir, manifest);
  const before = existing.filter((p) => inDateSet(p.name, name));
  const notASet = before.find((p) => p.value !== DATE_SET_VALUE);
  if (notASet) {
    throw new Error(
      `${join(datasetDir, SERIES_FILE)}: the series ${notASet.name} is not a date set (${notASet.date} holds ${notASet.value}; ` +
        `a date set's days hold 1), so the date set ${name} cannot replace it; choose another name`,
    );
  }

  const dataSpan = datasetSpan(manifest);
  const spans = tickerSpans(manifest);
  const seen = new Set<string>();
  const unknown = new Set<string>();
  const points: SeriesPoint[] = [];
  let repeated = 0;
  let outside = 0;
  let headerLine = 1;

  const { read } = readCsvFile<Header>(csvPath, {
    header(fields, line) {
      headerLine = line;
      return parseHeader(fields, line);
    },
    row(h, fields, line) {
      const date = fields[0]!.trim();
      try {
        parseIsoDate(date);
      } catch {
        throw new LineError(line, "date", `${JSON.stringify(date)} is not a date as YYYY-MM-DD`);
      }
      if (date < "0001-01-01") throw new LineError(line, "date", `${date} is not a date from 0001 to 9999`);
      const tickerText = h.withTicker ? fields[1]!.trim() : "";
      const ticker = tickerText === "" ? null : tickerText;
      if (ticker !== null) {
        if (!DATE_SET_TICKER_PATTERN.test(ticker)) throw new LineError(line, "ticker", `${JSON.stringify(ticker)} is not a ticker: ${DATE_SET_TICKER_RULE}`);
        if (!dateSetSeriesNameFits(name, ticker)) {
          throw new LineError(line, "ticker", `the series ${dateSetSeriesName(name, ticker)} would have more than 64 characters; a shorter set name leaves room for the ticker`);
        }
        const problem = unknownTickerProblem(manifest, ticker);
        if (problem && !allowUnknownTickers) throw new LineError(line, "ticker", `${problem} (--allow-unknown-tickers imports it anyway)`);
        if (problem) unknown.add(ticker);
      }
      const point = { name: dateSetSeriesName(name, ticker), date, value: DATE_SET_VALUE };
      const key = seriesKey(point);
      if (seen.has(key)) {
        repeated++;
        return;
      }
      seen.add(key);
      points.push(point);
      const span = ticker === null ? dataSpan : spans.get(ticker);
      if (!span || date < span.first || date > span.last) outside++;
    },
    expected: HEADER_HELP,
  });
  if (read === 0) throw new Error(`${csvPath}:${headerLine}: header: no dates below it; give one YYYY-MM-DD a line`);

  points.sort(compareSeriesPoints);
  const set = summarizeDateSet(points, name)!;
  const replaced = summarizeDateSet(before, name);
  const same = before.length === points.length && before.every((p, i) => seriesKey(p) === seriesKey(points[i]!));
  const all = same ? existing : [...existing.filter((p) => !inDateSet(p.name, name)), ...points].sort(compareSeriesPoints);
  const summary: ImportDatesSummary = {
    file: csvPath,
    name,
    read,
    repeated,
    everyTicker: set.everyTicker,
    byTicker: set.byTicker,
    firstDate: set.firstDate,
    lastDate: set.lastDate,
    outside,
    unknownTickers: [...unknown].sort(),
    ...(replaced && { replaced }),
    written: !same,
    total: all.length,
  };
  if (same) return summary; // the set is already exactly this: the dataset stays as it is
  replaceRootFile(datasetDir, SERIES_FILE, seriesFileBytes(all), (written) => withRootFile(manifest, "series", seriesEntry(all, written)));
  return summary;
}
