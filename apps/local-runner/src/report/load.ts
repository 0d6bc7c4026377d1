// Reads a results directory (summary.json, equity.arrow, trades.arrow) into memory, checking each
// file against docs/results.md and naming the file in every error.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromIPC, type Table } from "apache-arrow";
import { checkColumns, EQUITY_COLUMNS, TRADE_COLUMNS, type ColumnKind } from "./columns.js";
import { parseSummary, type Summary } from "./summary.js";

export const SUMMARY_FILE = "summary.json";
export const EQUITY_FILE = "equity.arrow";
export const TRADES_FILE = "trades.arrow";

/** What a run wrote: the summary and the two Arrow tables, columns as in docs/results.md. */
export interface RunResults {
  summary: Summary;
  equity: Table;
  trades: Table;
}

/** A results file that is missing or does not follow the contract; `file` is its path. */
export class ResultsFileError extends Error {
  override readonly name = "ResultsFileError";
  constructor(readonly file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
  }
}

/** Loads the results directory `dir`; throws a ResultsFileError naming the file that is missing or malformed. */
export async function loadResults(dir: string): Promise<RunResults> {
  const [summary, equity, trades] = await Promise.all([
    loadSummary(join(dir, SUMMARY_FILE)),
    loadTable(join(dir, EQUITY_FILE), EQUITY_COLUMNS),
    loadTable(join(dir, TRADES_FILE), TRADE_COLUMNS),
  ]);
  return { summary, equity, trades };
}

async function loadSummary(path: string): Promise<Summary> {
  const text = (await read(path)).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ResultsFileError(path, `not valid JSON: ${message(cause)}`, { cause });
  }
  try {
    return parseSummary(json);
  } catch (cause) {
    throw new ResultsFileError(path, `malformed summary: ${message(cause)}`, { cause });
  }
}

async function loadTable(path: string, spec: Readonly<Record<string, ColumnKind>>): Promise<Table> {
  const bytes = await read(path);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (cause) {
    throw new ResultsFileError(path, `not a readable Arrow IPC file: ${message(cause)}`, { cause });
  }
  try {
    checkColumns(table, spec);
  } catch (cause) {
    throw new ResultsFileError(path, `malformed: ${message(cause)}`, { cause });
  }
  return table;
}

async function read(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    throw new ResultsFileError(path, missing ? "missing (is this a results directory of a finished run?)" : `unreadable: ${message(cause)}`, { cause });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
