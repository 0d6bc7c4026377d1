// Reads a results directory (summary.json, equity.arrow, trades.arrow and, when the engine wrote
// them, positions.arrow, strategies.arrow, market.arrow and montecarlo.json) into memory, checking each file
// against docs/results.md and naming the file in every error. Directories from runs before the P&L
// attribution lack positions.arrow and equity.arrow's pnl_* columns; those from runs before
// portfolios and benchmarks lack strategies.arrow, market.arrow, the `strategy` columns and
// summary.json's `strategies` and `benchmark`: they load, without them. montecarlo.json is there
// only when the scenario had a `montecarlo:` section.
import { join } from "node:path";
import type { Table } from "apache-arrow";
import {
  checkOptionalColumns, EQUITY_ATTRIBUTION_COLUMNS, EQUITY_COLUMNS, MARKET_COLUMNS, POSITION_COLUMNS, STRATEGIES_COLUMNS, STRATEGY_COLUMN, TRADE_COLUMNS,
} from "./columns.js";
import { checkMarketKinds } from "./market.js";
import { parseMonteCarlo, type MonteCarloReport } from "./montecarlo.js";
import { checkTable, readArrowFile, readJsonFile, readOptionalArrowFile, readOptionalJsonFile } from "./results-file.js";
import { parseSummary, type RunSummary } from "./summary.js";

export { ResultsFileError } from "./results-file.js";

export const SUMMARY_FILE = "summary.json";
export const EQUITY_FILE = "equity.arrow";
export const TRADES_FILE = "trades.arrow";
export const POSITIONS_FILE = "positions.arrow";
export const STRATEGIES_FILE = "strategies.arrow";
export const MARKET_FILE = "market.arrow";
export const MONTECARLO_FILE = "montecarlo.json";

const RUN_DIR = "a results directory of a finished run";

/** What a run wrote: the summary and the Arrow tables, columns as in docs/results.md. */
export interface RunResults {
  summary: RunSummary;
  /** With the pnl_* attribution columns when the engine wrote them (see hasAttribution). */
  equity: Table;
  /** With a `strategy` column when the engine wrote one. */
  trades: Table;
  /** positions.arrow, with a `strategy` column when the engine wrote one; undefined for a directory written before the engine wrote it. */
  positions?: Table | undefined;
  /** strategies.arrow; undefined for a directory written before portfolios. */
  strategies?: Table | undefined;
  /** market.arrow; undefined for a directory written before the engine kept the closes. */
  market?: Table | undefined;
  /** montecarlo.json; undefined when the run had no `montecarlo:` section. */
  montecarlo?: MonteCarloReport | undefined;
}

/** Loads the results directory `dir`; throws a ResultsFileError naming the file that is missing or malformed. */
export async function loadResults(dir: string): Promise<RunResults> {
  const path = (file: string) => join(dir, file);
  const [summary, equity, trades, positions, strategies, market, montecarlo] = await Promise.all([
    readJsonFile(path(SUMMARY_FILE), RUN_DIR, parseSummary, "summary"),
    readArrowFile(path(EQUITY_FILE), RUN_DIR, EQUITY_COLUMNS),
    readArrowFile(path(TRADES_FILE), RUN_DIR, TRADE_COLUMNS),
    readOptionalArrowFile(path(POSITIONS_FILE), RUN_DIR, POSITION_COLUMNS),
    readOptionalArrowFile(path(STRATEGIES_FILE), RUN_DIR, STRATEGIES_COLUMNS),
    readOptionalArrowFile(path(MARKET_FILE), RUN_DIR, MARKET_COLUMNS),
    readOptionalJsonFile(path(MONTECARLO_FILE), RUN_DIR, parseMonteCarlo, "Monte Carlo report"),
  ]);
  checkTable(path(EQUITY_FILE), () => checkOptionalColumns(equity, EQUITY_ATTRIBUTION_COLUMNS));
  checkTable(path(TRADES_FILE), () => checkOptionalColumns(trades, STRATEGY_COLUMN));
  if (positions) checkTable(path(POSITIONS_FILE), () => checkOptionalColumns(positions, STRATEGY_COLUMN));
  if (market) checkTable(path(MARKET_FILE), () => checkMarketKinds(market));
  return { summary, equity, trades, positions, strategies, market, montecarlo };
}
