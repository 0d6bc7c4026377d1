// `aegis-data import-series`: adds daily named series from a CSV file to an existing dataset
// (docs/data-format.md).
//
// Choices: as import-events. The whole file is read and checked (csv-import.ts) before anything is
// written, so a bad line leaves the dataset as it was, byte for byte; the first problem is reported
// (file:line: field: what) with a count of the problems after it. The header holds name, date and
// value, in any order, and nothing else; cells are trimmed. A date must lie inside the dataset's data
// (its first partition's firstTradeDate to its last partition's lastTradeDate). Each (name, date)
// may stand once in a file: a second line with it is refused, naming the first. A row equal to a
// row already in series.arrow is counted as already present; the same (name, date) with another
// value is refused, naming the value there. New rows are merged with the dataset's and written to
// series.arrow.partial, the new manifest to manifest.json.partial, then both renamed into place,
// the series first: the manifest stays the last thing to change. A file that adds nothing changes
// nothing.
import { LineError, parsePlainNumber, readCsvFile } from "./csv-import.js";
import { parseIsoDate } from "./dates.js";
import { datasetSpan, readDatasetManifest, withRootFile } from "./manifest.js";
import { dateSpan, replaceRootFile } from "./root-files.js";
import {
  SERIES_COLUMNS,
  SERIES_FILE,
  compareSeriesPoints,
  readSeries,
  seriesEntry,
  seriesFileBytes,
  seriesKey,
  seriesNameProblem,
  seriesNames,
  type SeriesPoint,
} from "./series.js";

/** The header the command reads (its columns in any order). */
export const SERIES_CSV_HEADER = SERIES_COLUMNS.join(",");

export interface ImportSeriesSummary {
  /** The CSV file, as given. */
  file: string;
  /** Data rows in the file (blank lines not counted). */
  read: number;
  /** Rows that became new rows of series.arrow. */
  added: number;
  /** Rows equal to a row already in the dataset. */
  present: number;
  /** The names in the file, sorted. */
  names: string[];
  /** The earliest and latest date in the file. */
  firstDate?: string;
  lastDate?: string;
  /** Rows in series.arrow after the import. */
  total: number;
}

type Column = (typeof SERIES_COLUMNS)[number];

interface Header {
  index: Record<Column, number>;
  width: number;
}

const HEADER_HELP = `expected ${SERIES_CSV_HEADER}, in any order`;

function parseHeader(fields: string[], line: number): Header {
  const names = fields.map((f) => f.trim());
  const shown = JSON.stringify(names.join(","));
  const index: Partial<Record<Column, number>> = {};
  names.forEach((name, i) => {
    if (!(SERIES_COLUMNS as readonly string[]).includes(name)) {
      throw new LineError(line, "header", `unknown column ${JSON.stringify(name)}; ${HEADER_HELP}, got ${shown}`);
    }
    const column = name as Column;
    if (index[column] !== undefined) throw new LineError(line, "header", `column ${name} appears twice; ${HEADER_HELP}, got ${shown}`);
    index[column] = i;
  });
  for (const column of SERIES_COLUMNS) {
    if (index[column] === undefined) throw new LineError(line, "header", `no ${column} column; ${HEADER_HELP}, got ${shown}`);
  }
  return { index: index as Record<Column, number>, width: names.length };
}

const describe = (p: SeriesPoint) => `${p.name} ${p.date} value ${p.value}`;

/**
 * Adds the rows of the CSV file `csvPath` to the series of the dataset in `datasetDir` and rewrites
 * its manifest. Throws an Error naming the file, line and field of the first bad input; the dataset
 * is then unchanged.
 */
export async function importSeries(datasetDir: string, csvPath: string): Promise<ImportSeriesSummary> {
  const manifest = readDatasetManifest(datasetDir);
  const existing = readSeries(datasetDir, manifest);
  const span = datasetSpan(manifest);

  const inDataset = new Map<string, { value: number; row: number }>();
  existing.forEach((p, i) => inDataset.set(seriesKey(p), { value: p.value, row: i + 1 }));
  const inFile = new Map<string, { point: SeriesPoint; line: number }>();
  let present = 0;
  const added: SeriesPoint[] = [];
  const rows: SeriesPoint[] = [];

  const pointOf = (h: Header, fields: string[], line: number): SeriesPoint => {
    const cell = (c: Column) => fields[h.index[c]]!.trim();
    const name = cell("name");
    if (name === "") throw new LineError(line, "name", "empty");
    const nameProblem = seriesNameProblem(name);
    if (nameProblem) throw new LineError(line, "name", nameProblem);

    const date = cell("date");
    try {
      parseIsoDate(date);
    } catch {
      throw new LineError(line, "date", `${JSON.stringify(date)} is not a date as YYYY-MM-DD`);
    }
    if (!span || date < span.first || date > span.last) {
      throw new LineError(line, "date", `${date} is outside the dataset's data, ${span ? `${span.first} to ${span.last}` : "none (no partitions)"}`);
    }

    const valueText = cell("value");
    if (valueText === "") throw new LineError(line, "value", "empty; every row needs a value");
    return { name, date, value: parsePlainNumber(valueText, line, "value") };
  };

  const { read } = readCsvFile<Header>(csvPath, {
    header: parseHeader,
    row(h, fields, line) {
      const point = pointOf(h, fields, line);
      const key = seriesKey(point);
      const earlier = inFile.get(key);
      if (earlier) {
        if (earlier.point.value === point.value) throw new LineError(line, "date", `${point.name} ${point.date} is on line ${earlier.line} too; each name and date may stand once in a file`);
        throw new LineError(line, "value", `${describe(point)} conflicts with line ${earlier.line} (${describe(earlier.point)})`);
      }
      inFile.set(key, { point, line });
      rows.push(point);
      const there = inDataset.get(key);
      if (there === undefined) added.push(point);
      else if (there.value === point.value) present++;
      else {
        throw new LineError(line, "value", `${describe(point)} conflicts with the value already in the dataset (series.arrow row ${there.row}: ${point.name} ${point.date} value ${there.value})`);
      }
    },
    expected: HEADER_HELP,
  });

  const fileSpan = dateSpan(rows.map((p) => p.date));
  const all = added.length === 0 ? existing : [...existing, ...added].sort(compareSeriesPoints);
  const summary: ImportSeriesSummary = {
    file: csvPath,
    read,
    added: added.length,
    present,
    names: seriesNames(rows),
    firstDate: fileSpan?.first,
    lastDate: fileSpan?.last,
    total: all.length,
  };
  if (added.length === 0) return summary; // nothing new: the dataset stays as it is
  replaceRootFile(datasetDir, SERIES_FILE, seriesFileBytes(all), (written) => withRootFile(manifest, "series", seriesEntry(all, written)));
  return summary;
}
