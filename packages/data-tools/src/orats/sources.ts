// Input files as CSV "sources": a plain file is one source, a zip holds one source per `.csv` entry
// (read through yauzl's streaming inflater, never extracted or loaded whole). Each source is peeked
// before the import — header checked, first trade date read from the first data rows — so a bad
// header fails the run before anything is written and the sources can be imported in date order.
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { parseOratsDate } from "../dates.js";
import { resolveHeader, type ColumnMap } from "./columns.js";
import { CsvLineSplitter, splitFields } from "./csv-lines.js";

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
  columns?: ColumnMap;
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
    const entries = await withLabel(fileBase, () => zipCsvEntries(path));
    if (entries.length === 0) throw new Error(`${fileBase}: no .csv file inside the zip`);
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
      });
    });
  }
  return out;
}

export function isZip(path: string): boolean {
  return path.toLowerCase().endsWith(".zip");
}

/** An open byte stream of one source; `close` releases it (and its zip) early or after the end. */
export interface SourceStream {
  stream: Readable;
  close(): void;
}

export async function openSource(src: Source): Promise<SourceStream> {
  if (src.entryName === undefined) {
    const stream = createReadStream(src.path, { highWaterMark: READ_CHUNK });
    return { stream, close: () => stream.destroy() };
  }
  const zip = await openZip(src.path);
  try {
    const entry = (await readEntries(zip)).find((e) => e.fileName === src.entryName);
    if (!entry) throw new Error(`entry ${src.entryName} not found`);
    const stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    // close() lets yauzl release the fd once this entry's stream ends or is destroyed.
    zip.close();
    return { stream, close: () => stream.destroy() };
  } catch (err) {
    zip.close();
    throw err;
  }
}

/** Reads the header and the first trade date of a source; throws on a bad header or an empty file. */
export async function peekSource(src: Source): Promise<void> {
  await withLabel(src.label, async () => {
    const { stream, close } = await openSource(src);
    let columns: ColumnMap | undefined;
    let records = 0;
    let done = false;
    const splitter = new CsvLineSplitter((text) => {
      if (done || text.length === 0) return;
      const fields = splitFields(text);
      if (!columns) {
        columns = resolveHeader(fields, src.label);
        return;
      }
      const day = parseOratsDate(fields[columns.index.tradeDate] ?? "");
      if (day !== undefined) {
        src.firstTradeDay = day;
        done = true;
      } else if (++records >= PEEK_MAX_RECORDS) {
        done = true;
      }
    });
    try {
      for await (const chunk of stream) {
        splitter.push(chunk as Buffer);
        if (done) break;
      }
      if (!done) splitter.end();
    } finally {
      close();
    }
    if (!columns) throw new Error(`${src.label}: empty file (no header row)`);
    src.columns = columns;
  });
}

async function zipCsvEntries(path: string): Promise<yauzl.Entry[]> {
  const zip = await openZip(path);
  try {
    const entries = await readEntries(zip);
    return entries.filter((e) => {
      const name = e.fileName;
      const base = name.slice(name.lastIndexOf("/") + 1);
      return !name.endsWith("/") && !name.startsWith("__MACOSX/") && !base.startsWith("._") && /\.csv$/i.test(name);
    });
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
