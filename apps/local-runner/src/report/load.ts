// Reads a results directory (summary.json, equity.arrow, trades.arrow and, when the engine wrote
// it, positions.arrow) into memory, checking each file against docs/results.md and naming the file
// in every error. Directories from runs before the P&L attribution lack positions.arrow and
// equity.arrow's pnl_* columns: they load, without them.
import { join } from "node:path";
import type { Table } from "apache-arrow";
import { checkOptionalColumns, EQUITY_ATTRIBUTION_COLUMNS, EQUITY_COLUMNS, POSITION_COLUMNS, TRADE_COLUMNS } from "./columns.js";
import { checkTable, readArrowFile, readJsonFile, readOptionalArrowFile } from "./results-file.js";
import { parseSummary, type RunSummary } from "./summary.js";

export { ResultsFileError } from "./results-file.js";

export const SUMMARY_FILE = "summary.json";
export const EQUITY_FILE = "equity.arrow";
export const TRADES_FILE = "trades.arrow";
export const POSITIONS_FILE = "positions.arrow";

const RUN_DIR = "a results directory of a finished run";

/** What a run wrote: the summary and the Arrow tables, columns as in docs/results.md. */
export interface RunResults {
  summary: RunSummary;
  /** With the pnl_* attribution columns when the engine wrote them (see hasAttribution). */
  equity: Table;
  trades: Table;
  /** positions.arrow; undefined for a directory written before the engine wrote it. */
  positions?: Table | undefined;
}

/** Loads the results directory `dir`; throws a ResultsFileError naming the file that is missing or malformed. */
export async function loadResults(dir: string): Promise<RunResults> {
  const equityPath = join(dir, EQUITY_FILE);
  const [summary, equity, trades, positions] = await Promise.all([
    readJsonFile(join(dir, SUMMARY_FILE), RUN_DIR, parseSummary, "summary"),
    readArrowFile(equityPath, RUN_DIR, EQUITY_COLUMNS),
    readArrowFile(join(dir, TRADES_FILE), RUN_DIR, TRADE_COLUMNS),
    readOptionalArrowFile(join(dir, POSITIONS_FILE), RUN_DIR, POSITION_COLUMNS),
  ]);
  checkTable(equityPath, () => checkOptionalColumns(equity, EQUITY_ATTRIBUTION_COLUMNS));
  return { summary, equity, trades, positions };
}
