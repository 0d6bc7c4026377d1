// The typed shape of summary.json (docs/results.md) and its validation. Float metrics may be null:
// the engine writes null where a ratio is undefined (profit factor without a loss, NaN, ±∞).

// The types come from the engine (generated from its JSON Schema); this module adds the runtime
// check of a summary.json read from disk, and the fields newer than the generated types
// (`strategies`, `benchmark`), declared here as narrowly as the report reads them.
import type { Diagnostics, EntriesSkipped, Metrics, Summary } from "@aegis-bt/engine";
import { array, describe, nullableNumber, number, object, string, type Json } from "./json-check.js";

export type { Diagnostics, EntriesSkipped, Metrics, Summary };

export type MetricName = keyof Metrics;

/** summary.json `hedge`: the delta hedge's share fills over the run (all zero without a hedge). */
export interface HedgeTotals {
  fills: number;
  shares_traded: number;
  /** Gross P&L of the hedge shares, dollars. */
  pnl: number;
  fees: number;
}

/** One entry of summary.json `strategies` (scenario order): a strategy of a portfolio run. */
export interface StrategySummary {
  name: string;
  /** Its share of the capital, 0–1. */
  weight: number;
  tickers: string[];
  /** weight × capital, dollars. */
  capital: number;
  final_equity: number;
  /** Cumulative net P&L, dollars. */
  pnl: number;
  metrics: Metrics;
  /** Its own counters; the report treats them as optional. */
  diagnostics?: Diagnostics;
}

/** summary.json `benchmark`: the buy-and-hold comparison the engine computed (the named benchmark, else the first ticker). */
export interface BenchmarkSummary {
  name: string;
  /** `ticker` or `series` (parseSummary refuses anything else; typed as the engine's schema types it). */
  kind: string;
  total_return: number;
  /** The ratios: null (or absent) where undefined. */
  cagr?: number | null;
  /** Of the strategy's daily returns on the benchmark's. */
  beta?: number | null;
  correlation?: number | null;
  /** The strategy's CAGR less the benchmark's. */
  excess_return?: number | null;
}

/**
 * summary.json as read from disk: `hedge` is absent from results written before the delta hedge,
 * `strategies` and `benchmark` from results written before portfolios and benchmarks (`benchmark`
 * is null when the engine had no benchmark price on the run's first day).
 */
export type RunSummary = Omit<Summary, "hedge" | "strategies" | "benchmark"> & {
  hedge?: HedgeTotals;
  strategies?: StrategySummary[];
  benchmark?: BenchmarkSummary | null;
};

const HEDGE_FIELDS = ["fills", "shares_traded", "pnl", "fees"] as const;

/** Every metric of the contract, in the contract's order. */
export const METRIC_NAMES: readonly MetricName[] = [
  "total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "max_drawdown_days",
  "calmar", "win_rate", "profit_factor", "average_win", "average_loss", "expectancy", "trade_count",
  "average_days_in_trade", "time_in_market", "skew", "kurtosis", "var_95", "cvar_95",
];

const COUNT_METRICS: ReadonlySet<MetricName> = new Set(["max_drawdown_days", "trade_count"]);

export const ENTRY_SKIP_REASONS: readonly (keyof EntriesSkipped)[] = [
  "max_open", "no_expiry", "no_strike", "min_credit", "iv_rank", "size_zero",
];

const BENCHMARK_RATIOS = ["cagr", "beta", "correlation", "excess_return"] as const;

/** Checks that `value` (parsed JSON) has the contract's shape; throws describing the first problem. */
export function parseSummary(value: unknown): RunSummary {
  const root = object(value, "the document");
  string(root, "scenario");
  string(root, "start");
  string(root, "end");
  for (const key of ["trading_days", "capital", "final_equity"]) number(root, key);
  checkMetrics(root, "");
  checkDiagnostics(root, "");
  if (root["hedge"] !== undefined) {
    const hedge = object(root["hedge"], "`hedge`");
    for (const key of HEDGE_FIELDS) number(hedge, key, "hedge.");
  }
  if (root["strategies"] !== undefined) array(root, "strategies").forEach((entry, i) => checkStrategy(entry, `strategies[${i}]`));
  if (root["benchmark"] !== undefined && root["benchmark"] !== null) checkBenchmark(object(root["benchmark"], "`benchmark`"));
  return root as unknown as RunSummary;
}

/** `<path>metrics`: every metric of the contract, a number (counts) or a number or null. */
function checkMetrics(parent: Json, path: string): void {
  const metrics = object(parent["metrics"], `\`${path}metrics\``);
  for (const name of METRIC_NAMES) {
    if (COUNT_METRICS.has(name)) number(metrics, name, `${path}metrics.`);
    else nullableNumber(metrics, name, `${path}metrics.`);
  }
}

/** `<path>diagnostics`: the counters the report reads; every entry-skip and signal counter a number. */
function checkDiagnostics(parent: Json, path: string): void {
  const at = `${path}diagnostics.`;
  const diagnostics = object(parent["diagnostics"], `\`${path}diagnostics\``);
  for (const key of ["quotes_missing", "exits_deferred", "positions_opened", "positions_closed"]) number(diagnostics, key, at);
  const skipped = object(diagnostics["entries_skipped"], `\`${at}entries_skipped\``);
  for (const reason of ENTRY_SKIP_REASONS) number(skipped, reason, `${at}entries_skipped.`);
  for (const reason of Object.keys(skipped)) number(skipped, reason, `${at}entries_skipped.`);
  if (diagnostics["signals_blocked"] !== undefined) {
    const blocked = object(diagnostics["signals_blocked"], `\`${at}signals_blocked\``);
    for (const kind of Object.keys(blocked)) number(blocked, kind, `${at}signals_blocked.`);
  }
}

function checkStrategy(value: unknown, path: string): void {
  const strategy = object(value, `\`${path}\``);
  const at = `${path}.`;
  string(strategy, "name", at);
  for (const key of ["weight", "capital", "final_equity", "pnl"]) number(strategy, key, at);
  array(strategy, "tickers", at).forEach((ticker, i) => {
    if (typeof ticker !== "string") throw new Error(`\`${at}tickers[${i}]\` should be a string, found ${describe(ticker)}`);
  });
  checkMetrics(strategy, at);
  if (strategy["diagnostics"] !== undefined) checkDiagnostics(strategy, at);
}

function checkBenchmark(benchmark: Json): void {
  string(benchmark, "name", "benchmark.");
  if (benchmark["kind"] !== "ticker" && benchmark["kind"] !== "series") {
    throw new Error(`\`benchmark.kind\` should be "ticker" or "series", found ${JSON.stringify(benchmark["kind"]) ?? describe(benchmark["kind"])}`);
  }
  number(benchmark, "total_return", "benchmark.");
  for (const key of BENCHMARK_RATIOS) if (benchmark[key] !== undefined) nullableNumber(benchmark, key, "benchmark.");
}
