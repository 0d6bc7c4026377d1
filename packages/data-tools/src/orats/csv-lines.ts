// A small streaming CSV reader: bytes in, (record text, 1-based line number) out, one record at a
// time. ORATS files are plain comma-separated text without quoting, so the common path is a
// newline search and `split(",")`, several times faster than a general CSV parser; quoted fields
// (RFC 4180, `""` escapes, even a newline inside quotes) are still read correctly when they occur.
// Memory: the undecoded tail of the current chunk plus one record.
import { StringDecoder } from "node:string_decoder";

/** No ORATS record comes near this; a longer one means a broken file, not a reason to buffer it all. */
export const MAX_RECORD_CHARS = 1 << 20;

export type RecordHandler = (text: string, line: number) => void;

export class CsvLineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private rest = "";
  /** Physical lines consumed before `rest`. */
  private linesBefore = 0;
  private atStart = true;

  constructor(private readonly onRecord: RecordHandler) {}

  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(): void {
    this.feed(this.decoder.end());
    if (this.rest.length > 0) {
      const text = this.rest.charCodeAt(this.rest.length - 1) === 13 ? this.rest.slice(0, -1) : this.rest;
      this.rest = "";
      this.onRecord(text, this.linesBefore + 1);
      this.linesBefore += 1 + countNewlines(text);
    }
  }

  private feed(piece: string): void {
    let text = this.rest.length > 0 ? this.rest + piece : piece;
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    let scan = 0;
    let inQuotes = false;
    let innerNewlines = 0;
    let nextQuote = text.indexOf('"');
    for (;;) {
      const nl = text.indexOf("\n", scan);
      if (nl < 0) break;
      // Quote parity up to this newline decides whether it ends the record.
      while (nextQuote >= 0 && nextQuote < nl) {
        inQuotes = !inQuotes;
        nextQuote = text.indexOf('"', nextQuote + 1);
      }
      if (inQuotes) {
        innerNewlines++;
        scan = nl + 1;
        continue;
      }
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = this.linesBefore + 1;
      this.linesBefore += 1 + innerNewlines;
      innerNewlines = 0;
      this.onRecord(text.slice(start, end), line);
      start = scan = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    if (this.rest.length > MAX_RECORD_CHARS) {
      throw new Error(
        `line ${this.linesBefore + 1}: a record longer than ${MAX_RECORD_CHARS} characters (an unbalanced quote, or not a CSV file?)`,
      );
    }
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Splits one record into fields; quoted fields lose their quotes and `""` becomes `"`. */
export function splitFields(record: string): string[] {
  if (record.indexOf('"') < 0) return record.split(",");
  const out: string[] = [];
  let i = 0;
  const n = record.length;
  for (;;) {
    let field = "";
    if (record.charCodeAt(i) === 34) {
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) {
          field += record.slice(i);
          i = n;
          break;
        }
        field += record.slice(i, q);
        if (record.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Anything between the closing quote and the next comma is kept as written (lenient).
      const comma = record.indexOf(",", i);
      const tail = comma < 0 ? record.slice(i) : record.slice(i, comma);
      field += tail;
      i = comma < 0 ? n + 1 : comma + 1;
    } else {
      const comma = record.indexOf(",", i);
      field = comma < 0 ? record.slice(i) : record.slice(i, comma);
      i = comma < 0 ? n + 1 : comma + 1;
    }
    out.push(field);
    if (i > n) return out;
  }
}
