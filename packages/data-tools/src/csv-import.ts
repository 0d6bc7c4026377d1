// Reading a small CSV file whole and checking every line before anything is written: what the commands
// that add rows to a dataset's root files share (import-events, import-series; docs/data-format.md).
//
// Choices: records come from the same CSV reader as the ORATS import (RFC 4180 quotes, LF / CRLF /
// CR line ends, a UTF-8 BOM dropped); blank lines are skipped; the header is the first non-blank
// record. A file that is not UTF-8 text is refused whole, naming the first line with a bad byte. Every line is checked, and the first problem is reported as `<file>:<line>: <field>: <what>`
// with a count of the problems after it; nothing below a refused header is read. A row with another
// field count than the header's is a `fields` problem, a broken quote a `quote` problem; the rest
// (cells, merging) is the command's: it throws a LineError for a bad line.
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { CsvRecordReader } from "./orats/csv-records.js";
import { brokenText, isBlank } from "./orats/sources.js";

/** A problem of one line of the file, in one field (or `header`, `fields`, `quote`). */
export class LineError extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CsvLayout<H extends { width: number }> {
  /** The header's fields, untrimmed; throws a LineError (field `header`) for a header it refuses. */
  header(fields: string[], line: number): H;
  /** A data row, with the header's field count; throws a LineError for a bad row. */
  row(header: H, fields: string[], line: number): void;
  /** What the file should hold, after "the file is empty; " when it holds nothing. */
  expected: string;
}

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A cell holding a plain decimal (`0.23`, `-4`, `1e-2`): its value; a LineError when it is not one or not finite. */
export function parsePlainNumber(text: string, line: number, field: string): number {
  if (!PLAIN_NUMBER.test(text)) throw new LineError(line, field, `${JSON.stringify(text)} is not a number`);
  const v = Number(text);
  if (!Number.isFinite(v)) throw new LineError(line, field, `${JSON.stringify(text)} is not a finite number`);
  return v;
}

/**
 * Reads the CSV file `csvPath` through `layout`, every line; returns how many data rows it has (a
 * line with a broken quote below the header counts as one). Throws an Error naming the file, the
 * line and the field of the first problem.
 */
export function readCsvFile<H extends { width: number }>(csvPath: string, layout: CsvLayout<H>): { read: number } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(csvPath);
  } catch (err) {
    throw new Error(`${csvPath}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }

  const notUtf8 = firstNonUtf8Line(bytes);
  if (notUtf8 !== undefined) throw new Error(`${csvPath}:${notUtf8}: encoding: not UTF-8 text; save the file as UTF-8`);

  let header: H | undefined;
  let headerRefused = false;
  let first: LineError | undefined;
  let moreProblems = 0;
  let read = 0;
  const fail = (err: LineError) => {
    if (first) moreProblems++;
    else first = err;
  };

  const reader = new CsvRecordReader({
    record(text, fields, line) {
      const cells = fields ?? text.split(",");
      if (isBlank(text, fields) || headerRefused) return; // nothing below a refused header can be read
      if (!header) {
        try {
          header = layout.header(cells, line);
          reader.width = header.width;
        } catch (err) {
          if (!(err instanceof LineError)) throw err;
          headerRefused = true;
          fail(err);
        }
        return;
      }
      read++;
      try {
        if (cells.length !== header.width) {
          throw new LineError(line, "fields", `${cells.length} field${cells.length === 1 ? "" : "s"}, the header has ${header.width}`);
        }
        layout.row(header, cells, line);
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        fail(err);
      }
    },
    broken(_text, line, reason, field) {
      if (header) read++;
      fail(new LineError(line, "quote", brokenText(reason, field).replace(/^has/, "the line has")));
    },
  });
  try {
    reader.push(bytes);
    reader.end();
  } catch (err) {
    throw new Error(`${csvPath}: ${(err as Error).message}`);
  }
  if (!header && !headerRefused) throw new Error(`${csvPath}:1: header: the file is empty; ${layout.expected}`);
  if (first) {
    const more = moreProblems > 0 ? ` (and ${moreProblems} more problem${moreProblems === 1 ? "" : "s"} after it)` : "";
    throw new Error(`${csvPath}:${first.line}: ${first.field}: ${first.message}${more}`);
  }
  return { read };
}

/**
 * The first line (1-based; LF, CRLF and a lone CR each end one) holding bytes that are not UTF-8,
 * or undefined when the whole file is UTF-8. Line ends never stand inside a UTF-8 sequence, so each
 * line can be checked on its own.
 */
export function firstNonUtf8Line(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const b = bytes[i];
    if (i < bytes.length && b !== 0x0a && b !== 0x0d) continue;
    if (!isUtf8(bytes.subarray(start, i))) return line;
    if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
    line++;
    start = i + 1;
  }
  return line; // not reached: some line holds the bad bytes
}
