// Which metrics the report shows, under which label and group, and how each is formatted.
import { formatValue, type FormatKind } from "./format.js";
import type { MetricName, Metrics } from "./summary.js";

export interface MetricRow {
  key: string;
  label: string;
  group: string;
  /** Formatted value, "—" when null. */
  value: string;
}

interface MetricSpec {
  label: string;
  group: "Returns" | "Risk" | "Trades";
  kind: FormatKind;
}

const SPECS: Record<MetricName, MetricSpec> = {
  total_return: { label: "Total return", group: "Returns", kind: "percent" },
  cagr: { label: "CAGR", group: "Returns", kind: "percent" },
  annual_volatility: { label: "Annual volatility", group: "Returns", kind: "percent" },
  sharpe: { label: "Sharpe ratio", group: "Returns", kind: "ratio" },
  sortino: { label: "Sortino ratio", group: "Returns", kind: "ratio" },
  calmar: { label: "Calmar ratio", group: "Returns", kind: "ratio" },
  max_drawdown: { label: "Max drawdown", group: "Risk", kind: "percent" },
  max_drawdown_days: { label: "Longest drawdown", group: "Risk", kind: "tradingDays" },
  var_95: { label: "Daily VaR 95%", group: "Risk", kind: "percent" },
  cvar_95: { label: "Daily CVaR 95%", group: "Risk", kind: "percent" },
  skew: { label: "Skew", group: "Risk", kind: "ratio" },
  kurtosis: { label: "Excess kurtosis", group: "Risk", kind: "ratio" },
  trade_count: { label: "Trades", group: "Trades", kind: "count" },
  win_rate: { label: "Win rate", group: "Trades", kind: "percent" },
  profit_factor: { label: "Profit factor", group: "Trades", kind: "ratio" },
  expectancy: { label: "Expectancy", group: "Trades", kind: "dollars" },
  average_win: { label: "Average win", group: "Trades", kind: "dollars" },
  average_loss: { label: "Average loss", group: "Trades", kind: "dollars" },
  average_days_in_trade: { label: "Average time in trade", group: "Trades", kind: "days" },
  time_in_market: { label: "Time in market", group: "Trades", kind: "percent" },
};

/** One row per metric of `metrics`: the known ones grouped in a fixed order, any others last under "Other". */
export function metricRows(metrics: Metrics): MetricRow[] {
  const known = (Object.keys(SPECS) as MetricName[]).map((key) => {
    const spec = SPECS[key];
    return { key, label: spec.label, group: spec.group, value: formatValue(metrics[key], spec.kind) };
  });
  const others = Object.entries(metrics as unknown as Record<string, unknown>)
    .filter(([key]) => !(key in SPECS))
    .map(([key, value]) => ({
      key,
      label: humanize(key),
      group: "Other",
      value: typeof value === "number" || value === null ? formatValue(value, "number") : JSON.stringify(value),
    }));
  return [...known, ...others];
}

/** `entries_skipped` → "Entries skipped". */
export function humanize(key: string): string {
  const words = key.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
