// The HTML reports: the tearsheet of a backtest run and the report of a sweep. Load a directory,
// render it, write report.html.
export { loadResults, ResultsFileError, SUMMARY_FILE, EQUITY_FILE, TRADES_FILE, POSITIONS_FILE, STRATEGIES_FILE, MARKET_FILE, MONTECARLO_FILE, type RunResults } from "./load.js";
export { renderReport, type ReportOptions } from "./render.js";
export { writeReport, writeSweepReport, REPORT_FILE } from "./write.js";
export {
  parseSummary, METRIC_NAMES, type Summary, type RunSummary, type HedgeTotals, type Metrics, type MetricName, type Diagnostics, type EntriesSkipped,
  type StrategySummary, type BenchmarkSummary,
} from "./summary.js";
export {
  EQUITY_COLUMNS, EQUITY_ATTRIBUTION_COLUMNS, TRADE_COLUMNS, POSITION_COLUMNS, STRATEGY_COLUMN, STRATEGIES_COLUMNS, MARKET_COLUMNS, SWEEP_COLUMNS, WALK_FORWARD_COLUMNS, ATTRIBUTION_SOURCES, checkColumns, checkOptionalColumns,
  dateColumn, numberColumn, stringColumn, type ColumnKind, type AttributionSource,
} from "./columns.js";
export {
  hasAttribution, readAttribution, attributionTotals, totalAttribution, monthlyAttribution, sourceSum,
  type DailyAttribution, type AttributionMonth, type SourceValues,
} from "./attribution.js";
export { positionPnl, readFills, readPositions, positionsByReason, winnersAndLosers, type Fill, type PositionPnl, type PositionRow, type ReasonGroup } from "./positions.js";
export { monthlyReturns, periodReturns, monthKey, yearKey, type MonthlyReturn, type PeriodReturn } from "./monthly-returns.js";
export { yearlyReturns, type YearlyReturn } from "./yearly-returns.js";
export { drawdownPeriods, worstDrawdowns, type DrawdownPeriod } from "./drawdowns.js";
export { rollingSharpeVol, ROLLING_WINDOW, TRADING_DAYS_PER_YEAR, type RollingPoint } from "./rolling.js";
export { readMarket, findSeries, buyAndHold, closesOn, tradeMarks, isHedgeBook, type MarketSeries, type MarketKind, type TradeMark } from "./market.js";
export { readStrategyCurves, type StrategyCurve } from "./strategies.js";
export {
  parseMonteCarlo, pathFigures, tradeOrderPath, cagrOver, MONTECARLO_METHODS,
  type MonteCarloReport, type MonteCarloDistribution, type BootstrapDistribution, type MonteCarloSpread, type MonteCarloMethod, type DeeperThan, type DrawdownBin, type FanPoint, type PathFigures,
} from "./montecarlo.js";
export { histogram, niceStep, type HistogramBin } from "./histogram.js";
export { toEpochMs, isoDay } from "./dates.js";
export {
  loadSweep, isSweepDir, SWEEP_JSON_FILE, SWEEP_ARROW_FILE, RETURNS_FILE, CSCV_FILE, STATS_FILE, WALK_FORWARD_JSON_FILE, WALK_FORWARD_ARROW_FILE,
} from "./sweep-load.js";
export { parseSweepStats, type SweepStats, type Plateau, type SpaReport } from "./stats-json.js";
export { plateauReading, spaReading, statsMismatch, benchmarkText, PLATEAU_KEEP, SPIKE_KEEP, type PlateauKind } from "./stats-html.js";
export {
  parseWalkForward, WALK_FORWARD_METRICS, WALK_FORWARD_MODES, WALK_FORWARD_SCHEMES,
  type WalkForwardReport, type WalkForwardWindow, type WalkForwardFigures, type WalkForwardSpan, type WalkForwardMetric,
} from "./walk-forward-json.js";
export { checkCurve, walkForwardView, paramValue, type WalkForwardInput, type WalkForwardView, type WindowView, type ParamTrack } from "./walk-forward.js";
export { renderSweepReport, type SweepReportOptions } from "./sweep-render.js";
export {
  sweepReportData, readPoints, rankPoints, rankMetric, metricGrid, logitHistogram, degradationScatter, paramLabel, shortLabels, MAX_SCATTER_POINTS,
  type SweepInput, type SweepPoint, type RankedPoint, type ParamValue, type ParamAxis, type MetricCell, type MetricGrid, type LogitHistogram,
  type DegradationScatter, type SweepReportData, type SweepReportDataOptions,
} from "./sweep-data.js";
export { parseSweepInfo, parseCscv, researchSections, CSCV_METRICS, type SweepInfo, type CscvReport, type CscvMetric } from "./sweep-json.js";
export { formatRankMetric, RANK_METRIC_LABELS } from "./sweep-metrics.js";
