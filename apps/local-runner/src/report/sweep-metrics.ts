// How a sweep's ranking metric (CSCV's: sharpe, mean, total_return) reads: its label and format,
// shared by the report and the terminal table.
import { formatValue, MISSING } from "./format.js";
import type { CscvMetric } from "./sweep-json.js";

/** The metric's name as it reads mid-sentence ("points by Sharpe ratio", "best total return"). */
export const RANK_METRIC_LABELS: Readonly<Record<CscvMetric, string>> = {
  sharpe: "Sharpe ratio",
  mean: "mean daily return",
  total_return: "total return",
};

/** The metric's name at the start of a title: "Sharpe ratio", "Mean daily return". */
export function rankMetricTitle(metric: CscvMetric): string {
  const label = RANK_METRIC_LABELS[metric];
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** `value` of `metric` as text: Sharpe 0.52 → "0.52", total return 0.1234 → "12.34%", a mean daily return 0.00012 → "1.20 bp". */
export function formatRankMetric(metric: CscvMetric, value: number | null | undefined): string {
  switch (metric) {
    case "sharpe": return formatValue(value, "ratio");
    case "total_return": return formatValue(value, "percent");
    case "mean": return value === null || value === undefined || !Number.isFinite(value) ? MISSING : `${(value * 1e4).toFixed(2)} bp`;
  }
}

/** Short axis labels for `metric`: one decimal of percent or basis point at most, so close ticks stay distinct. */
export function rankMetricAxis(metric: CscvMetric): (value: number) => string {
  switch (metric) {
    case "sharpe": return (v) => formatValue(v, "number");
    case "total_return": return (v) => `${Number((v * 100).toFixed(1))}%`;
    case "mean": return (v) => `${Number((v * 1e4).toFixed(1))} bp`;
  }
}

/** What CSCV measures on each half of the data for `metric` (per-period, as in docs/scenario.md). */
export const CSCV_METRIC_LABELS: Readonly<Record<CscvMetric, string>> = {
  sharpe: "Sharpe ratio per day",
  mean: "mean daily return",
  total_return: "total return",
};
