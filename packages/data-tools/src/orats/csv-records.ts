// CSV records of one byte stream, each with the physical lines it covers.
//
// Parsing. RFC 4180 is read by csv-parse: quoted fields, `""` inside them, line breaks inside them.
// A line ends at CRLF, LF or a lone CR, in any mix (csv-parse's `record_delimiter` takes all three,
// so CR-only files read like any other). A UTF-8 byte order mark at the start is dropped.
//
// The quote-free route. ORATS writes no quotes at all, and for text without a `"` RFC 4180 is only
// this: a record is a line, its fields are the pieces between commas. csv-parse reads a byte at a
// time (about 20 MB/s here); a line search runs at memory speed. So while a source has shown no `"`,
// its lines are cut here; from the line holding the first `"` to the end of the source, every byte
// goes through csv-parse. test/csv-records.test.ts checks on generated inputs (quotes, line breaks
// in quotes, CR/LF/CRLF mixes, BOM, blank lines, broken quotes, any chunking) that this reader gives
// exactly the records, fields and line numbers it gives when csv-parse reads everything
// (`quoteFreeRoute: false`).
//
// Lines and records. Every physical line belongs to exactly one record, or is one broken line (below):
// a record is one line, or several when a quoted field holds line breaks. Records are handed over
// with their first and last line (1-based). A blank line is a record of one empty (or all-blank)
// field; the caller decides what it is.
//
// Broken quotes. Quotes are read strictly: a quote opens a field only at its start, and closes it
// only before a comma or a line end. A quote anywhere else is an error for csv-parse, and a quote
// that opens and never closes makes it read on to the end of the input as one record, swallowing
// every line after it. So none of these is taken as a record: the record in progress is cut back
// to its first line, which is handed over as broken — "unterminated quote" when a quote opened on
// that line does not close on it, "misplaced quote" when a quote stands inside a field or right
// after a closing quote (whichever comes first on the line) — and reading starts again, with a
// fresh parser, at the next line. Every later line is read as what it is. The same cut is made
// when a record spans several lines but does not have the header's field count (`width`, once the
// caller has set it; a quote opened in one row and closed by a quote in a later one), and when an
// unfinished record passes MAX_RECORD_BYTES (only a quoted one can: a line break outside quotes
// ends a record); a single line that long is a fatal error.
//
// Memory: one read chunk, plus the unfinished record (at most MAX_RECORD_BYTES).
import { Parser } from "csv-parse";

/** No ORATS record comes near this; an unfinished record this long is a broken quote or not a CSV file. */
export const MAX_RECORD_BYTES = 1 << 20;

export interface RecordSink {
  /**
   * A record. `fields` is undefined when it came by the quote-free route: its fields are then the
   * pieces of `text` between commas. When `fields` is given, `text` is its first line, for messages.
   */
  record(text: string, fields: string[] | undefined, line: number, lastLine: number): void;
  /** A broken line (see above): not a record; reading goes on at the next line. `field`: 0-based, or -1. */
  broken(text: string, line: number, reason: BrokenReason, field: number): void;
}

export type BrokenReason = "unterminated quote" | "misplaced quote";

export interface ReaderOptions {
  /** False: send every byte through csv-parse (tests compare the two routes). Default true. */
  quoteFreeRoute?: boolean;
  /** Bound on an unfinished record, in bytes; default MAX_RECORD_BYTES. */
  maxRecordBytes?: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);

export class CsvRecordReader {
  /** Fields per record from the header on; set by the caller once it has read the header (0: unknown). */
  width = 0;
  /** Physical lines handed over so far. */
  private line = 0;
  private atStart = true;
  private readonly maxBytes: number;

  // Quote-free route: the unfinished last line, and whether the previous chunk ended in a CR.
  private viaParser: boolean;
  private carry: Buffer = EMPTY;
  private afterCR = false;

  // csv-parse route. Offsets count bytes given to this route; `held` holds them from `heldAt` on
  // (the unfinished record), `lastEnd` is where the last record taken ended.
  private parser: Parser | undefined;
  private parserAt = 0;
  private held: Buffer = EMPTY;
  private heldAt = 0;
  private lastEnd = 0;
  /** The record in progress is broken: cut it back once its first line is complete (see above). */
  private broken = false;
  private failure: Error | undefined;

  constructor(
    private readonly sink: RecordSink,
    opts: ReaderOptions = {},
  ) {
    this.viaParser = opts.quoteFreeRoute === false;
    this.maxBytes = opts.maxRecordBytes ?? MAX_RECORD_BYTES;
  }

  /** Lines handed over so far (header and blank lines included). */
  get lines(): number {
    return this.line;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.atStart) {
      buf = this.carry.length > 0 ? Buffer.concat([this.carry, buf]) : buf;
      this.carry = EMPTY;
      if (buf.length < 3 && isBomPrefix(buf)) {
        this.carry = Buffer.from(buf);
        return;
      }
      this.atStart = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (this.viaParser) {
      this.feedParser(buf, false);
      return;
    }
    this.pushQuoteFree(buf);
  }

  /** Hands over the last record (a file need not end with a line break) and any unclosed quote. */
  end(): void {
    if (this.atStart) {
      this.atStart = false;
      const rest = this.carry;
      this.carry = EMPTY;
      if (rest.length > 0) this.push(rest);
    }
    if (this.viaParser) {
      this.feedParser(EMPTY, true);
      return;
    }
    if (this.carry.length > 0) {
      const text = this.carry.toString("utf8");
      this.carry = EMPTY;
      this.line++;
      this.sink.record(text, undefined, this.line, this.line);
    }
  }

  // ---- the quote-free route ----------------------------------------------------------------------

  private pushQuoteFree(chunk: Buffer): void {
    let buf = chunk;
    if (this.afterCR) {
      this.afterCR = false;
      if (buf.length > 0 && buf[0] === LF) buf = buf.subarray(1); // the LF of a CRLF split between chunks
    }
    if (this.carry.length > 0) buf = Buffer.concat([this.carry, buf]);
    this.carry = EMPTY;
    const quote = buf.indexOf(QUOTE);
    const limit = quote < 0 ? buf.length : quote;
    // Complete lines before `limit`: up to the last line break before it.
    const cut = lastBreakBefore(buf, limit) + 1;
    if (cut > 0) {
      if (buf[cut - 1] === CR && cut === buf.length) this.afterCR = true;
      this.emitLines(buf.toString("utf8", 0, cut));
    }
    if (quote >= 0) {
      // From the line holding the first quote on, csv-parse reads everything.
      // (The last break before a quote cannot be a CR whose LF follows: the LF would be the last.)
      this.viaParser = true;
      this.feedParser(buf.subarray(cut), false);
      return;
    }
    if (buf.length - cut > this.maxBytes) {
      throw new Error(`line ${this.line + 1}: a line longer than ${this.maxBytes} bytes (not a CSV file?)`);
    }
    this.carry = cut === buf.length ? EMPTY : Buffer.from(buf.subarray(cut));
  }

  /** `text` holds whole lines, each ending with a line break. */
  private emitLines(text: string): void {
    const sink = this.sink;
    let start = 0;
    if (text.indexOf("\r") < 0) {
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        this.line++;
        sink.record(text.slice(start, nl), undefined, this.line, this.line);
        start = nl + 1;
      }
      return;
    }
    const n = text.length;
    while (start < n) {
      let i = start;
      let c = text.charCodeAt(i);
      while (c !== LF && c !== CR) c = text.charCodeAt(++i);
      this.line++;
      sink.record(text.slice(start, i), undefined, this.line, this.line);
      start = c === CR && text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
    }
  }

  // ---- the csv-parse route -----------------------------------------------------------------------

  private newParser(at: number): void {
    this.parserAt = at;
    this.lastEnd = at;
    this.broken = false;
    this.parser = new Parser({
      bom: false, // dropped above, once, at the start of the stream
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_column_count: true,
      skip_records_with_error: true,
      // Records are taken here, synchronously inside write() and end(); none reaches the stream's
      // readable side, so it never applies back-pressure. An error thrown by the sink is kept and
      // rethrown by feedParser (csv-parse would turn it into an asynchronous stream error).
      on_record: (fields: string[], ctx: { bytes: number }) => {
        if (this.failure || this.broken) return null;
        try {
          this.onParsed(fields, this.parserAt + ctx.bytes);
        } catch (err) {
          this.failure = err instanceof Error ? err : new Error(String(err));
        }
        return null;
      },
      // Every error left (relax_column_count is on) is about quotes: the record in progress is broken.
      on_skip: () => {
        this.broken = true;
        return undefined;
      },
    });
    this.parser.on("error", (err: Error) => {
      this.failure ??= err;
    });
  }

  /** Gives `bytes` to csv-parse (`last`: and ends it), restarting after broken records as needed. */
  private feedParser(bytes: Buffer, last: boolean): void {
    if (!this.parser) {
      this.newParser(0);
      this.held = EMPTY;
      this.heldAt = 0;
    }
    // Keep the unfinished record and the new bytes (the only ones a restart may need).
    const keepFrom = this.lastEnd - this.heldAt;
    this.held = keepFrom < this.held.length ? Buffer.concat([this.held.subarray(keepFrom), bytes]) : bytes;
    this.heldAt = this.lastEnd;
    if (!this.broken) {
      // (A broken parser's output is no longer wanted: its bytes are read again after the cut.)
      if (bytes.length > 0) this.parser!.write(bytes);
      if (last) this.parser!.end();
    }
    for (;;) {
      if (this.failure) throw this.failure;
      const rec = this.held.subarray(this.lastEnd - this.heldAt);
      if (!this.broken && rec.length > this.maxBytes) {
        if (firstBreak(rec) >= rec.length) {
          throw new Error(`line ${this.line + 1}: a line longer than ${this.maxBytes} bytes (not a CSV file?)`);
        }
        this.broken = true;
      }
      if (!this.broken) return;
      const cut = firstBreak(rec);
      // Wait until its first line is complete (a CR that ends the bytes so far may be half a CRLF).
      if (!last && (cut >= rec.length || (cut === rec.length - 1 && rec[cut] === CR))) return;
      const next = cut >= rec.length ? cut : cut + (rec[cut] === CR && rec[cut + 1] === LF ? 2 : 1);
      const text = rec.toString("utf8", 0, cut);
      this.line++;
      const problem = quoteProblem(text);
      this.sink.broken(text, this.line, problem.reason, problem.field);
      const from = this.lastEnd + next;
      this.held = rec.subarray(next);
      this.heldAt = from;
      this.newParser(from);
      if (this.held.length > 0) this.parser!.write(this.held);
      if (last) this.parser!.end();
    }
  }

  private onParsed(fields: string[], end: number): void {
    const rec = this.held.subarray(this.lastEnd - this.heldAt, end - this.heldAt);
    const lines = linesIn(rec);
    if (lines > 1 && this.width > 0 && fields.length !== this.width) {
      this.broken = true;
      return;
    }
    this.lastEnd = end;
    const first = this.line + 1;
    this.line += lines;
    const text = lines > 1 ? rec.toString("utf8", 0, firstBreak(rec)) : stripBreak(rec);
    this.sink.record(text, fields, first, this.line);
  }
}

/**
 * What is wrong with the quotes of a broken line, reading as csv-parse does (a quote opens a field
 * only at its start, `""` inside is one quote, a quote closes only before a comma or the line's
 * end): the first problem on the line, and its field (0-based; -1 if the line shows none).
 */
export function quoteProblem(line: string): { reason: BrokenReason; field: number } {
  const { unclosed, misplaced } = scanQuotes(line);
  if (unclosed >= 0 && (misplaced < 0 || unclosed < misplaced)) return { reason: "unterminated quote", field: unclosed };
  return { reason: "misplaced quote", field: misplaced };
}

function scanQuotes(line: string): { unclosed: number; misplaced: number } {
  let misplaced = -1;
  let field = 0;
  let i = 0;
  const n = line.length;
  for (;;) {
    let end: number;
    if (line.charCodeAt(i) === QUOTE) {
      // A quoted field: it ends at a quote followed by a comma or the end of the line.
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) return { unclosed: field, misplaced };
        const after = line.charCodeAt(q + 1);
        if (after === QUOTE) {
          j = q + 2;
        } else if (q + 1 === n || after === 44 /* , */) {
          end = q + 1;
          break;
        } else {
          if (misplaced < 0) misplaced = field;
          j = q + 1;
        }
      }
    } else {
      const comma = line.indexOf(",", i);
      end = comma < 0 ? n : comma;
      if (misplaced < 0 && line.indexOf('"', i) >= 0 && line.indexOf('"', i) < end) misplaced = field;
    }
    if (end >= n) return { unclosed: -1, misplaced };
    field++;
    i = end + 1;
  }
}

function isBomPrefix(buf: Buffer): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  for (let i = 0; i < buf.length; i++) if (buf[i] !== bom[i]) return false;
  return true;
}

/** Index of the last CR or LF before `limit`, or -1. */
function lastBreakBefore(buf: Buffer, limit: number): number {
  if (limit === 0) return -1;
  const lf = buf.lastIndexOf(LF, limit - 1);
  const cr = buf.lastIndexOf(CR, limit - 1);
  return lf > cr ? lf : cr;
}

/** Index of the first CR or LF in `buf`, or its length. */
function firstBreak(buf: Buffer): number {
  const lf = buf.indexOf(LF);
  const cr = buf.indexOf(CR);
  if (lf < 0) return cr < 0 ? buf.length : cr;
  return cr < 0 || lf < cr ? lf : cr;
}

/** Physical lines in a record's bytes (CRLF, LF or CR ends one; a last line need not end). */
function linesIn(rec: Buffer): number {
  let lines = 0;
  let i = 0;
  const n = rec.length;
  for (;;) {
    const at = i + firstBreak(rec.subarray(i));
    if (at >= n) return i < n ? lines + 1 : lines;
    lines++;
    i = at + (rec[at] === CR && rec[at + 1] === LF ? 2 : 1);
    if (i >= n) return lines;
  }
}

function stripBreak(rec: Buffer): string {
  let end = rec.length;
  if (end > 0 && rec[end - 1] === LF) end--;
  if (end > 0 && rec[end - 1] === CR) end--;
  return rec.toString("utf8", 0, end);
}
