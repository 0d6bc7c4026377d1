// The typed shape of summary.json (docs/results.md) and its validation. Float metrics may be null:
// the engine writes null where a ratio is undefined (profit factor without a loss, NaN, ±∞).

// The types come from the engine (generated from its JSON Schema); this module adds the runtime
// check of a summary.json read from disk.
import type { Diagnostics, EntriesSkipped, Metrics, Summary } from "@aegis-bt/engine";
import { describe, number, object, string } from "./json-check.js";

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

/** summary.json as read from disk: `hedge` is absent from results written before the delta hedge. */
export type RunSummary = Omit<Summary, "hedge"> & { hedge?: HedgeTotals };

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

/** Checks that `value` (parsed JSON) has the contract's shape; throws describing the first problem. */
export function parseSummary(value: unknown): RunSummary {
  const root = object(value, "the document");
  string(root, "scenario");
  string(root, "start");
  string(root, "end");
  for (const key of ["trading_days", "capital", "final_equity"]) number(root, key);
  const metrics = object(root["metrics"], "`metrics`");
  for (const name of METRIC_NAMES) {
    if (COUNT_METRICS.has(name)) number(metrics, name, "metrics.");
    else if (metrics[name] !== null && typeof metrics[name] !== "number") {
      throw new Error(`\`metrics.${name}\` should be a number or null, found ${describe(metrics[name])}`);
    }
  }
  const diagnostics = object(root["diagnostics"], "`diagnostics`");
  for (const key of ["quotes_missing", "exits_deferred", "positions_opened", "positions_closed"]) number(diagnostics, key, "diagnostics.");
  const skipped = object(diagnostics["entries_skipped"], "`diagnostics.entries_skipped`");
  for (const reason of ENTRY_SKIP_REASONS) number(skipped, reason, "diagnostics.entries_skipped.");
  if (root["hedge"] !== undefined) {
    const hedge = object(root["hedge"], "`hedge`");
    for (const key of HEDGE_FIELDS) number(hedge, key, "hedge.");
  }
  return root as unknown as RunSummary;
}
