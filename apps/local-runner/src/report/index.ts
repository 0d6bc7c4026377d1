// The HTML tearsheet of a backtest run: load a results directory, render it, write report.html.
export { loadResults, ResultsFileError, SUMMARY_FILE, EQUITY_FILE, TRADES_FILE, type RunResults } from "./load.js";
export { renderReport, type ReportOptions } from "./render.js";
export { writeReport, REPORT_FILE } from "./write.js";
export { parseSummary, METRIC_NAMES, type Summary, type Metrics, type MetricName, type Diagnostics, type EntriesSkipped } from "./summary.js";
export { EQUITY_COLUMNS, TRADE_COLUMNS, checkColumns, dateColumn, numberColumn, stringColumn, type ColumnKind } from "./columns.js";
export { positionPnl, readFills, type Fill, type PositionPnl } from "./positions.js";
export { monthlyReturns, type MonthlyReturn } from "./monthly-returns.js";
export { histogram, niceStep, type HistogramBin } from "./histogram.js";
export { toEpochMs, isoDay } from "./dates.js";
