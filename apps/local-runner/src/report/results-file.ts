// Reading one file of a results or sweep directory: missing, unreadable, not JSON, not Arrow or
// off-contract, every error names the file.
import { readFile } from "node:fs/promises";
import { tableFromIPC, type Table } from "apache-arrow";
import { checkColumns, type ColumnKind } from "./columns.js";

/** A results file that is missing or does not follow the contract; `file` is its path. */
export class ResultsFileError extends Error {
  override readonly name = "ResultsFileError";
  constructor(readonly file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
  }
}

/** The file's bytes; `whatDir` completes "missing (is this <whatDir>?)". */
export async function readResultsFile(path: string, whatDir: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    throw new ResultsFileError(path, missing ? `missing (is this ${whatDir}?)` : `unreadable: ${errorMessage(cause)}`, { cause });
  }
}

/** As readResultsFile, for a file that older directories (or runs that did not ask for it) lack: undefined when it does not exist. */
export async function readOptionalResultsFile(path: string, whatDir: string): Promise<Buffer | undefined> {
  try {
    return await readResultsFile(path, whatDir);
  } catch (error) {
    if (error instanceof ResultsFileError && (error.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return undefined;
    throw error;
  }
}

/** The file parsed as JSON, then checked by `parse` (which throws describing the problem). */
export async function readJsonFile<T>(path: string, whatDir: string, parse: (value: unknown) => T, what: string): Promise<T> {
  return parseJsonFile(path, await readResultsFile(path, whatDir), parse, what);
}

/** As readJsonFile, for a file that may be absent: undefined when it does not exist. */
export async function readOptionalJsonFile<T>(path: string, whatDir: string, parse: (value: unknown) => T, what: string): Promise<T | undefined> {
  const bytes = await readOptionalResultsFile(path, whatDir);
  return bytes === undefined ? undefined : parseJsonFile(path, bytes, parse, what);
}

function parseJsonFile<T>(path: string, bytes: Buffer, parse: (value: unknown) => T, what: string): T {
  const text = bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ResultsFileError(path, `not valid JSON: ${errorMessage(cause)}`, { cause });
  }
  try {
    return parse(json);
  } catch (cause) {
    throw new ResultsFileError(path, `malformed ${what}: ${errorMessage(cause)}`, { cause });
  }
}

/** The file as an Arrow table, checked against `spec` when given. */
export async function readArrowFile(path: string, whatDir: string, spec?: Readonly<Record<string, ColumnKind>>): Promise<Table> {
  return parseArrowFile(path, await readResultsFile(path, whatDir), spec);
}

/** As readArrowFile, for a file that older directories lack: undefined when it does not exist. */
export async function readOptionalArrowFile(path: string, whatDir: string, spec?: Readonly<Record<string, ColumnKind>>): Promise<Table | undefined> {
  const bytes = await readOptionalResultsFile(path, whatDir);
  return bytes === undefined ? undefined : parseArrowFile(path, bytes, spec);
}

function parseArrowFile(path: string, bytes: Buffer, spec: Readonly<Record<string, ColumnKind>> | undefined): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (cause) {
    throw new ResultsFileError(path, `not a readable Arrow IPC file: ${errorMessage(cause)}`, { cause });
  }
  if (spec) checkTable(path, () => checkColumns(table, spec));
  return table;
}

/** Runs `check` on the table read from `path`, reporting what it throws as "malformed". */
export function checkTable(path: string, check: () => void): void {
  try {
    check();
  } catch (cause) {
    throw new ResultsFileError(path, `malformed: ${errorMessage(cause)}`, { cause });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
