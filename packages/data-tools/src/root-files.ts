// Files at a dataset's root beside the partitions: events.arrow and series.arrow (docs/data-format.md).
//
// What they have in common lives here once. Each is one Arrow IPC file written whole (one record
// batch, dictionaries built from sorted values, so the same rows give the same bytes), through
// `<file>.partial` and a rename, before the manifest that lists it: the manifest stays the last file
// written. The manifest's entry for it records at least its path, rows, bytes, sha256 and first and
// last date. A reader checks the bytes against that entry (size, then sha256) before decoding them,
// and decodes only a file whose columns are exactly the contract's (names, order, types).
//
// Errors are DatasetFileErrors: the message starts with the file's path, and `problem` says what
// kind of problem it is (the file is missing, differs from the manifest, or breaks the contract), so
// `aegis-data validate` can report it under the engine's kinds.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Dictionary,
  Int32,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  Utf8,
  makeData,
  tableFromIPC,
  util,
  vectorFromArray,
  type Data,
  type Schema,
  type Table,
} from "apache-arrow";
import { MANIFEST_FILE, commitManifest, removeManifestPartial, writeManifestPartial, type Manifest } from "./manifest.js";

/** `missing`: not on disk; `mismatch`: differs from its manifest entry; `invalid`: breaks the contract. */
export type FileProblem = "missing" | "mismatch" | "invalid";

export class DatasetFileError extends Error {
  constructor(
    /** The file the problem is in (a root file, or the manifest for a bad entry). */
    readonly path: string,
    readonly problem: FileProblem,
    /** The message without the path. */
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** The manifest fields every root file's entry has. */
export interface RootFileEntry {
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  firstDate: string;
  lastDate: string;
}

/** Size and checksum of bytes written. */
export interface WrittenFile {
  bytes: number;
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Strings in UTF-16 code-unit order: byte order for the ASCII text (tickers, names) a dataset allows. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The earliest and latest of `dates` (YYYY-MM-DD), or undefined when there are none. */
export function dateSpan(dates: Iterable<string>): { first: string; last: string } | undefined {
  let span: { first: string; last: string } | undefined;
  for (const d of dates) {
    if (!span) span = { first: d, last: d };
    else if (d < span.first) span.first = d;
    else if (d > span.last) span.last = d;
  }
  return span;
}

// ---- writing ----

/** A Dictionary<Int32, Utf8> column of `indices.length` rows over `values`. */
export function dictionaryData(id: number, values: readonly string[], indices: Int32Array): Data {
  return makeData({
    type: new Dictionary(new Utf8(), new Int32(), id),
    length: indices.length,
    data: indices,
    dictionary: vectorFromArray([...values], new Utf8()),
  });
}

/** The bytes of an Arrow IPC file holding `columns` (one per field of `schema`) as one record batch. */
export function singleBatchFileBytes(schema: Schema, rows: number, columns: Data[]): Uint8Array {
  const struct = makeData({ type: new Struct(schema.fields), length: rows, children: columns, nullCount: 0 });
  return RecordBatchFileWriter.writeAll([new RecordBatch(schema, struct)]).toUint8Array(true);
}

/** Writes `bytes` to `<dir>/<file>.partial`; `commitRootFile` renames it into place. */
export function writeRootPartial(dir: string, file: string, bytes: Uint8Array): WrittenFile {
  writeFileSync(join(dir, `${file}.partial`), bytes);
  return { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

export function commitRootFile(dir: string, file: string): void {
  renameSync(join(dir, `${file}.partial`), join(dir, file));
}

export function removeRootPartial(dir: string, file: string): void {
  rmSync(join(dir, `${file}.partial`), { force: true });
}

/** Writes `<dir>/<file>` through a temporary file and a rename (the temporary file removed on failure). */
export function writeRootFile(dir: string, file: string, bytes: Uint8Array): WrittenFile {
  try {
    const written = writeRootPartial(dir, file, bytes);
    commitRootFile(dir, file);
    return written;
  } catch (err) {
    removeRootPartial(dir, file);
    throw err;
  }
}

/**
 * Replaces `<dir>/<file>` with `bytes` and the manifest with `manifestFor(written)`: both are written
 * as `.partial` files first, then renamed into place, the file before the manifest, so the manifest
 * stays the last thing to change. When anything fails before the renames, both temporary files are
 * removed and the dataset is as it was.
 */
export function replaceRootFile(dir: string, file: string, bytes: Uint8Array, manifestFor: (written: WrittenFile) => Manifest): void {
  try {
    const written = writeRootPartial(dir, file, bytes);
    writeManifestPartial(dir, manifestFor(written));
    commitRootFile(dir, file);
    commitManifest(dir);
  } catch (err) {
    for (const cleanup of [() => removeRootPartial(dir, file), () => removeManifestPartial(dir)]) {
      try {
        cleanup();
      } catch {
        // the first error is the one to report
      }
    }
    throw err;
  }
}

// ---- reading ----

/**
 * The bytes of `<dir>/<file>`, which the manifest lists under `key` with `entry`: the entry must name
 * the file, and the bytes must have its size and (unless `checksum` is false) its sha256.
 */
export function readListedRootFile(dir: string, key: string, file: string, entry: unknown, checksum = true): Buffer {
  const listed = entry as Partial<RootFileEntry> | null;
  if (listed === null || typeof listed !== "object" || listed.path !== file) {
    throw new DatasetFileError(join(dir, MANIFEST_FILE), "mismatch", `${key}.path must be "${file}"`);
  }
  const path = join(dir, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetFileError(path, code === "ENOENT" ? "missing" : "invalid", `listed in the manifest but cannot be read (${code ?? err})`);
  }
  if (bytes.byteLength !== listed.bytes) throw new DatasetFileError(path, "mismatch", `${bytes.byteLength} bytes, the manifest says ${listed.bytes}`);
  if (checksum) {
    const digest = sha256Hex(bytes);
    if (digest !== listed.sha256) throw new DatasetFileError(path, "mismatch", `sha256 ${digest} differs from the manifest's ${listed.sha256}`);
  }
  return bytes;
}

/** Throws when the file's row count is not its manifest entry's. */
export function checkListedRows(path: string, entry: Pick<RootFileEntry, "rows">, rows: number): void {
  if (rows !== entry.rows) throw new DatasetFileError(path, "mismatch", `${rows} rows, the manifest says ${entry.rows}`);
}

/** Throws when the file's dates span another range than its manifest entry's (nothing to check without rows). */
export function checkListedDates(path: string, entry: Pick<RootFileEntry, "firstDate" | "lastDate">, dates: Iterable<string>): void {
  const span = dateSpan(dates);
  if (span && (span.first !== entry.firstDate || span.last !== entry.lastDate)) {
    throw new DatasetFileError(path, "mismatch", `dates do not match the manifest's firstDate ${entry.firstDate} and lastDate ${entry.lastDate}`);
  }
}

/** Decodes an Arrow IPC file whose columns must be exactly `schema`'s: names, order and types. */
export function decodeRootTable(bytes: Uint8Array, path: string, schema: Schema): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new DatasetFileError(path, "invalid", `not an Arrow IPC file (${(err as Error).message})`);
  }
  const names = table.schema.fields.map((f) => f.name);
  const expected = schema.fields.map((f) => f.name);
  if (names.join(",") !== expected.join(",")) {
    throw new DatasetFileError(path, "invalid", `columns are ${names.join(", ")}; expected ${expected.join(", ")}`);
  }
  table.schema.fields.forEach((f, i) => {
    const want = schema.fields[i]!.type;
    if (!util.compareTypes(f.type, want)) throw new DatasetFileError(path, "invalid", `column ${f.name} is ${f.type}, expected ${want}`);
  });
  return table;
}
