// Reads a results directory (summary.json, equity.arrow, trades.arrow) into memory, checking each
// file against docs/results.md and naming the file in every error.
import { join } from "node:path";
import type { Table } from "apache-arrow";
import { EQUITY_COLUMNS, TRADE_COLUMNS } from "./columns.js";
import { readArrowFile, readJsonFile } from "./results-file.js";
import { parseSummary, type Summary } from "./summary.js";

export { ResultsFileError } from "./results-file.js";

export const SUMMARY_FILE = "summary.json";
export const EQUITY_FILE = "equity.arrow";
export const TRADES_FILE = "trades.arrow";

const RUN_DIR = "a results directory of a finished run";

/** What a run wrote: the summary and the two Arrow tables, columns as in docs/results.md. */
export interface RunResults {
  summary: Summary;
  equity: Table;
  trades: Table;
}

/** Loads the results directory `dir`; throws a ResultsFileError naming the file that is missing or malformed. */
export async function loadResults(dir: string): Promise<RunResults> {
  const [summary, equity, trades] = await Promise.all([
    readJsonFile(join(dir, SUMMARY_FILE), RUN_DIR, parseSummary, "summary"),
    readArrowFile(join(dir, EQUITY_FILE), RUN_DIR, EQUITY_COLUMNS),
    readArrowFile(join(dir, TRADES_FILE), RUN_DIR, TRADE_COLUMNS),
  ]);
  return { summary, equity, trades };
}
