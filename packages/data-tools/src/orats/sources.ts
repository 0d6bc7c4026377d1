// Input files as CSV "sources": a plain file is one source, a zip holds one source per `.csv` entry
// (read through yauzl's streaming inflater, never extracted or loaded whole, each entry's CRC-32
// checked at its end). Each source is peeked before the import — header checked, first trade date
// read from the first data rows — so a bad header fails the run before anything is written and the
// sources can be imported in date order. A source with no header at all (an empty file, or only
// blank lines) is no error here: the import reads it, counts its blank lines and warns.
//
// Zip problems come out in plain words naming the archive (and the entry), never as the zip
// library's own text: see `zipError`.
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";
import { parseOratsDate } from "../dates.js";
import { resolveHeader, type ColumnMap } from "./columns.js";
import { CsvRecordReader, type BrokenReason } from "./csv-records.js";

export interface Source {
  /** The input file's path as given. */
  path: string;
  /** Its base name (what the manifest lists). */
  fileBase: string;
  /** What messages call this source: `x.csv`, or `x.zip:inner/y.csv` for a zip entry. */
  label: string;
  /** Entry name inside the zip, for zip sources. */
  entryName?: string;
  /** Position of the input file in the caller's list, and of the entry inside its zip. */
  fileOrder: number;
  entryOrder: number;
  /** Bytes of the input file attributed to this source (progress), and the bytes its stream yields. */
  share: number;
  streamBytes: number;
  /** Trade date (days) of the first data row with a readable one; undefined for a header-only file. */
  firstTradeDay?: number;
  /** The header's column map; undefined for a source without a header (empty, or only blank lines). */
  columns?: ColumnMap;
  /** CRC-32 of a zip entry's contents, checked once the entry has been read to its end. */
  crc32?: number;
}

const READ_CHUNK = 256 * 1024;
/** How far the peek reads looking for a data row with a readable trade date. */
const PEEK_MAX_RECORDS = 1000;

/** Lists the sources of every input file; throws naming the file when one cannot be read. */
export async function listSources(files: readonly string[]): Promise<Source[]> {
  const out: Source[] = [];
  for (const [fileOrder, path] of files.entries()) {
    const fileBase = basename(path);
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error("not a regular file");
      size = st.size;
    } catch (err) {
      throw new Error(`${path}: cannot read (${errText(err)})`, { cause: err });
    }
    if (!isZip(path)) {
      out.push({ path, fileBase, label: fileBase, fileOrder, entryOrder: 0, share: size, streamBytes: size });
      continue;
    }
    let all: yauzl.Entry[];
    try {
      all = await zipEntries(path);
    } catch (err) {
      throw zipError(err, fileBase);
    }
    const entries = all.filter(isCsvEntry);
    if (entries.length === 0) {
      const names = all.filter((e) => !e.fileName.endsWith("/")).map((e) => e.fileName);
      const held = names.length === 0 ? "it is empty" : `it holds ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}`;
      throw new Error(`${fileBase}: no .csv file inside the zip (${held})`);
    }
    const compressed = entries.reduce((sum, e) => sum + e.compressedSize, 0);
    entries.forEach((e, entryOrder) => {
      out.push({
        path,
        fileBase,
        label: `${fileBase}:${e.fileName}`,
        entryName: e.fileName,
        fileOrder,
        entryOrder,
        share: compressed > 0 ? (size * e.compressedSize) / compressed : size / entries.length,
        streamBytes: e.uncompressedSize,
        crc32: e.crc32,
      });
    });
  }
  return out;
}

export function isZip(path: string): boolean {
  return path.toLowerCase().endsWith(".zip");
}

/** The bytes of one source, chunk by chunk; `close` releases the file (and its zip) early or after the end. */
export interface SourceStream {
  chunks: AsyncIterable<Buffer>;
  close(): void;
}

export async function openSource(src: Source): Promise<SourceStream> {
  if (src.entryName === undefined) {
    const stream = createReadStream(src.path, { highWaterMark: READ_CHUNK });
    return { chunks: stream as AsyncIterable<Buffer>, close: () => stream.destroy() };
  }
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await openZip(src.path);
    const entry = (await readEntries(zip)).find((e) => e.fileName === src.entryName);
    if (!entry) throw new Error(`entry ${src.entryName} not found`);
    const opened = zip;
    const stream = await new Promise<Readable>((resolve, reject) =>
      opened.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    // close() lets yauzl release the fd once this entry's stream ends or is destroyed.
    zip.close();
    return { chunks: checkedEntry(stream, src), close: () => stream.destroy() };
  } catch (err) {
    zip?.close();
    throw zipError(err, src.fileBase, src.entryName);
  }
}

/** A zip entry's chunks, with inflate errors in plain words and its CRC-32 checked at the end. */
async function* checkedEntry(stream: Readable, src: Source): AsyncGenerator<Buffer> {
  let crc = 0;
  try {
    for await (const chunk of stream) {
      crc = crc32(chunk as Buffer, crc);
      yield chunk as Buffer;
    }
  } catch (err) {
    throw zipError(err, src.fileBase, src.entryName);
  }
  if (src.crc32 !== undefined && crc >>> 0 !== src.crc32 >>> 0) {
    throw new Error(
      `${src.label}: damaged zip archive: the entry's contents do not match its checksum (a corrupted or incomplete copy; get the file again)`,
    );
  }
}

/**
 * Rewrites an error met while reading a zip into plain words naming the archive (and the entry):
 * the zip library's and zlib's own messages never reach the user. The original stays as `cause`.
 */
export function zipError(err: unknown, fileBase: string, entryName?: string): Error {
  const raw = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  const where = entryName === undefined ? fileBase : `${fileBase}:${entryName}`;
  if (raw.startsWith(`${fileBase}:`)) return err instanceof Error ? err : new Error(raw);
  let what: string;
  if (/^E[A-Z]+$/.test(code) && !code.startsWith("ERR_")) {
    what = `cannot read the file (${code})`; // the file system's own error (EACCES, EIO, …)
  } else if (/end of central directory record signature not found/i.test(raw)) {
    what = "not a zip archive, or an incomplete one: the table of contents a zip ends with is missing (a truncated download, or another kind of file named .zip)";
  } else if (/encrypt/i.test(raw)) {
    what = "the entry is password-protected; unzip it with its password and import the .csv file";
  } else if (/unsupported compression method/i.test(raw)) {
    const method = /(\d+)/.exec(raw)?.[1];
    what = `the entry is compressed with a method this importer cannot read${method ? ` (zip method ${method})` : ""}; unzip it, or zip it again with the standard (deflate) method`;
  } else if (/multi-disk/i.test(raw)) {
    what = "a zip split over several parts; join the parts (or unzip them) first";
  } else if (/fileName|relative path|absolute path/i.test(raw)) {
    what = "it holds an entry with an unsafe name (an absolute path or one leading out of the archive); unzip it with care and import the .csv files";
  } else if (code.startsWith("Z_") || /invalid (block|code|distance|stored)|incorrect (header|data) check|unexpected end of file/i.test(raw)) {
    what = "damaged zip archive: the entry cannot be decompressed (a corrupted or incomplete copy; get the file again)";
  } else if (/too many bytes|not enough bytes|size mismatch|overflows file bounds|unexpected EOF|signature|comment length|zip64|extra field/i.test(raw)) {
    what = "damaged zip archive: its contents do not match its table of contents (a corrupted or incomplete copy; get the file again)";
  } else {
    what = "unreadable zip archive (damaged, or a kind of zip this importer does not read)";
  }
  return new Error(`${where}: ${what}`, { cause: err });
}

/** Reads the header and the first trade date of a source; throws on a bad header. */
export async function peekSource(src: Source): Promise<void> {
  await withLabel(src.label, async () => {
    const { chunks, close } = await openSource(src);
    let columns: ColumnMap | undefined;
    let records = 0;
    let done = false;
    let first = true;
    const reader = new CsvRecordReader({
      record: (text, fields, line) => {
        if (done) return;
        if (!columns) {
          if (isBlank(text, fields)) return;
          columns = resolveHeader(fields ?? text.split(","), `${src.label}:${line}`);
          reader.width = columns.width;
          return;
        }
        if (isBlank(text, fields)) return;
        const at = columns.index.tradeDate;
        const day = parseOratsDate((fields ? fields[at] : text.split(",")[at]) ?? "");
        if (day !== undefined) {
          src.firstTradeDay = day;
          done = true;
        } else if (++records >= PEEK_MAX_RECORDS) {
          done = true;
        }
      },
      broken: (_text, line, reason, field) => {
        if (!columns) throw new Error(`${src.label}:${line}: the header line ${brokenText(reason, field)}`);
      },
    });
    try {
      for await (const chunk of chunks) {
        if (first) {
          first = false;
          checkNotArchive(chunk, src.label);
        }
        reader.push(chunk);
        if (done) break;
      }
      if (!done) reader.end();
    } finally {
      close();
    }
    if (columns) src.columns = columns;
  });
}

/** A blank line: one field, empty or all blanks (spaces, tabs). */
export function isBlank(text: string, fields: string[] | undefined): boolean {
  if (fields) return fields.length === 1 && fields[0]!.trim() === "";
  return text.length === 0 || (text.indexOf(",") < 0 && text.trim() === "");
}

/** How a line with a broken quote is described in a fatal error. */
export function brokenText(reason: BrokenReason, field: number): string {
  const where = field >= 0 ? ` in field ${field + 1}` : "";
  if (reason === "unterminated quote") return `has a quote${where} that never closes`;
  return `has a quote${where} where none may stand (inside a field, or right after a closing quote)`;
}

/** A compressed file under a .csv name would otherwise show up as a header with missing columns. */
function checkNotArchive(chunk: Buffer, label: string): void {
  if (chunk.length >= 4 && chunk[0] === 0x50 && chunk[1] === 0x4b && chunk[2] === 3 && chunk[3] === 4) {
    throw new Error(`${label}: this is a zip archive, not a CSV file; give it a .zip name to import the CSV files inside`);
  }
  if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
    throw new Error(`${label}: this is a gzip-compressed file, not a CSV file; decompress it (gunzip) first`);
  }
}

function isCsvEntry(e: yauzl.Entry): boolean {
  const name = e.fileName;
  const base = name.slice(name.lastIndexOf("/") + 1);
  return !name.endsWith("/") && !name.startsWith("__MACOSX/") && !base.startsWith("._") && /\.csv$/i.test(name);
}

async function zipEntries(path: string): Promise<yauzl.Entry[]> {
  const zip = await openZip(path);
  try {
    return await readEntries(zip);
  } finally {
    zip.close();
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    const onEntry = (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    };
    const finish = (err?: Error) => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", finish);
      if (err) reject(err);
      else resolve(entries);
    };
    const onEnd = () => finish();
    zip.on("entry", onEntry);
    zip.once("end", onEnd);
    zip.once("error", finish);
    zip.readEntry();
  });
}

/** Runs `fn`, prefixing any error's message with `label` unless it already starts with it. */
export async function withLabel<T>(label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw labelled(label, err);
  }
}

export function labelled(label: string, err: unknown): Error {
  const message = errText(err);
  if (message.startsWith(label)) return err instanceof Error ? err : new Error(message);
  return new Error(`${label}: ${message}`, { cause: err });
}

function errText(err: unknown): string {
  if (err instanceof Error) return err.message || String((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}
