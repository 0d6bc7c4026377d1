// CSV records of one byte stream, each with the physical lines it covers.
//
// Parsing. RFC 4180 is read by csv-parse: quoted fields, `""` inside them, line breaks inside them.
// A line ends at CRLF, LF or a lone CR, in any mix (csv-parse's `record_delimiter` takes all three,
// so CR-only files read like any other). A UTF-8 byte order mark at the start is dropped. Quotes
// are read leniently (csv-parse's `relax_quotes`): a quote inside an unquoted field, or text after
// a closing quote, is kept as written rather than failing the file; such a value is then judged by
// its column's rules (a ticker or number with a quote in it is skipped, an ignored column is ignored).
//
// The quote-free route. ORATS writes no quotes at all, and for text without a `"` RFC 4180 is only
// this: a record is a line, its fields are the pieces between commas. csv-parse reads a byte at a
// time (about 20 MB/s here); a line search runs at memory speed. So while a source has shown no `"`,
// its lines are cut here; from the line holding the first `"` to the end of the source, every byte
// goes through csv-parse. test/csv-records.test.ts checks on generated inputs (quotes, line breaks
// in quotes, CR/LF/CRLF mixes, BOM, blank lines, any chunking) that this reader gives exactly the
// records, fields and line numbers it gives when csv-parse reads everything (`quoteFreeRoute: false`).
//
// Lines and records. Every physical line belongs to exactly one record: a record is one line, or
// several when a quoted field holds line breaks. Records are handed over with their first and last
// line (1-based). A blank line is a record of one empty (or all-blank) field; the caller decides.
//
// Unterminated quotes. A quote that opens a field and is never closed makes csv-parse read on to
// the end of the file as one record, swallowing every line after it. So a record that spans several
// lines and does not have the header's field count (`width`), or that is still inside its quote at
// the end of the input, is not taken: its first line is handed over as `unterminated` and reading
// starts again, with a fresh parser, at the next line. Every line after it is read as what it is.
// The same happens when an unfinished record passes MAX_RECORD_BYTES (it can only be one inside
// quotes, since a line break outside quotes ends a record); a single line that long is a fatal error.
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
  /** A line whose quote is never closed (see above): not a record; reading goes on at the next line. */
  unterminated(text: string, line: number): void;
}

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
  /** Where to restart after a broken record (-1: none); records after it from this parser are ignored. */
  private restartAt = -1;
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
    this.restartAt = -1;
    this.parser = new Parser({
      bom: false, // dropped above, once, at the start of the stream
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_quotes: true,
      relax_column_count: true,
      skip_records_with_error: true,
      // Records are taken here, synchronously inside write() and end(); none reaches the stream's
      // readable side, so it never applies back-pressure. An error thrown by the sink is kept and
      // rethrown by feedParser (csv-parse would turn it into an asynchronous stream error).
      on_record: (fields: string[], ctx: { bytes: number }) => {
        if (this.failure) return null;
        try {
          this.onParsed(fields, this.parserAt + ctx.bytes);
        } catch (err) {
          this.failure = err instanceof Error ? err : new Error(String(err));
        }
        return null;
      },
      on_skip: (err) => {
        if (this.failure) return undefined;
        try {
          // With relax_quotes and relax_column_count the only error left is a quote still open at the end.
          if (err?.code === "CSV_QUOTE_NOT_CLOSED") this.onUnclosedAtEnd();
          else this.failure = new Error(`line ${this.line + 1}: unreadable CSV (${err?.code ?? "unknown error"})`);
        } catch (e) {
          this.failure = e instanceof Error ? e : new Error(String(e));
        }
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
    if (bytes.length > 0) this.parser!.write(bytes);
    if (last) this.parser!.end();
    this.throwFailure();
    for (;;) {
      if (this.restartAt < 0 && this.heldAt + this.held.length - this.lastEnd > this.maxBytes) this.overlong();
      if (this.restartAt < 0) return;
      const from = this.restartAt;
      const rest = this.held.subarray(from - this.heldAt);
      this.held = rest;
      this.heldAt = from;
      this.newParser(from);
      if (rest.length > 0) this.parser!.write(rest);
      if (last) this.parser!.end();
      this.throwFailure();
    }
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }

  private onParsed(fields: string[], end: number): void {
    if (this.restartAt >= 0) return; // after a broken record: these bytes are read again
    const rec = this.held.subarray(this.lastEnd - this.heldAt, end - this.heldAt);
    const lines = linesIn(rec);
    if (lines > 1 && this.width > 0 && fields.length !== this.width) {
      this.breakAt(rec);
      return;
    }
    this.lastEnd = end;
    const first = this.line + 1;
    this.line += lines;
    const text = lines > 1 ? rec.toString("utf8", 0, firstBreak(rec)) : stripBreak(rec);
    this.sink.record(text, fields, first, this.line);
  }

  /** At the end of the input, still inside a quote: everything from the last record on is suspect. */
  private onUnclosedAtEnd(): void {
    if (this.restartAt >= 0) return;
    const rec = this.held.subarray(this.lastEnd - this.heldAt);
    this.breakAt(rec);
  }

  /** An unfinished record past the size bound: inside a quote that may never close. */
  private overlong(): void {
    const rec = this.held.subarray(this.lastEnd - this.heldAt);
    if (firstBreak(rec) >= rec.length) {
      throw new Error(`line ${this.line + 1}: a line longer than ${this.maxBytes} bytes (not a CSV file?)`);
    }
    this.breakAt(rec);
  }

  /** Hands over the first line of `rec` (starting at lastEnd) as unterminated; restarts after it. */
  private breakAt(rec: Buffer): void {
    const cut = firstBreak(rec);
    let next = cut;
    if (next < rec.length) next += rec[next] === CR && rec[next + 1] === LF ? 2 : 1;
    this.restartAt = this.lastEnd + next;
    this.lastEnd = this.restartAt;
    this.line++;
    this.sink.unterminated(rec.toString("utf8", 0, cut), this.line);
  }
}

/**
 * The field (0-based) of `line` where a quote opens and is not closed on the line, reading the way
 * csv-parse does (a quote opens only at the start of a field); -1 if every quote closes.
 */
export function unclosedQuoteField(line: string): number {
  let field = 0;
  let i = 0;
  const n = line.length;
  while (i <= n) {
    if (line.charCodeAt(i) === QUOTE) {
      const opened = field;
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return opened;
        if (line.charCodeAt(q + 1) === QUOTE) {
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
    }
    const comma = line.indexOf(",", i);
    if (comma < 0) return -1;
    field++;
    i = comma + 1;
  }
  return -1;
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
