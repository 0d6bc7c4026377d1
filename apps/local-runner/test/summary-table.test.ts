import { describe, expect, it } from "vitest";
import type { Metrics, RunSummary, StrategySummary } from "../src/report/summary.js";
import { summaryTable } from "../src/summary-table.js";
import { writeFixture as writeReportFixture } from "./report-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";

// Every fixture directory is removed when the file is done.
const writeFixture = removedAfterAll(writeReportFixture);

describe("the summary table", () => {
  it("says nothing about refused data when there was none", async () => {
    const { summary } = await writeFixture();
    expect(summaryTable(summary)).not.toContain("data refused");
  });

  it("names every kind of data the engine refused to use, so it is never silent", async () => {
    const { summary } = await writeFixture();
    const diagnostics = { ...summary.diagnostics, quotes_invalid: 12, underlying_unusable_days: 2, greeks_unusable: 0, sizes_capped: 1 };
    const table = summaryTable({ ...summary, diagnostics });
    expect(table).toMatch(/data refused\s+12 invalid quotes, 2 days without a usable underlying price, 1 positions cut to 100,000 units/);
    expect(table).not.toContain("greeks");
  });

  it("adds the P&L by source when given, and the hedge when it traded", async () => {
    const { summary } = await writeFixture();
    expect(summaryTable(summary)).not.toMatch(/P&L by source|hedge/);
    const attribution = { delta: 1234.5, gamma: -2000, theta: 3100.25, vega: -45, residual: 0.5, hedge: -800, other: -120.75 };
    const hedge = { fills: 57, shares_traded: 12_340, pnl: -812.5, fees: 61.7 };
    const table = summaryTable({ ...summary, hedge }, attribution);
    expect(table).toMatch(/P&L by source\s+delta \$1,234\.50, gamma -\$2,000\.00, theta \$3,100\.25, vega -\$45\.00, residual \$0\.50, hedge -\$800\.00, other -\$120\.75\n/);
    expect(table).toMatch(/\n {2}hedge\s+57 fills, 12,340 shares traded, P&L -\$812\.50, fees \$61\.70, net -\$874\.20/);
    expect(summaryTable({ ...summary, hedge: { fills: 0, shares_traded: 0, pnl: 0, fees: 0 } })).not.toMatch(/\n {2}hedge/);
  });

  it("names exercises, assignments and dividends when there were any, and covers that could not be written", async () => {
    const { summary } = await writeFixture();
    expect(summaryTable(summary)).not.toContain("stock events");
    const diagnostics = { ...summary.diagnostics, exercised: 2, assigned: 5, early_assignments: 1, dividends: 9, covers_skipped: 3 };
    const table = summaryTable({ ...summary, diagnostics });
    expect(table).toMatch(/stock events\s+2 long legs exercised at expiry, 5 short legs assigned at expiry, 1 assigned early, 9 ex-dividend dates with shares/);
    expect(table).toMatch(/diagnostics\s+quotes missing 0, exits deferred 3, covers skipped 3, skipped: max_open 10, no_strike 2/);
  });

  it("names the entry signals that blocked entry days, by kind, and the liquidity skips", async () => {
    const { summary } = await writeFixture();
    expect(summaryTable(summary)).not.toMatch(/\n {2}signals/);
    const entries_skipped = { ...summary.diagnostics.entries_skipped, signals: 302, wide_spread: 4 };
    const signals_blocked = { iv_percentile: 138, term_structure: 164, iv_rv: 0, sma: 0, momentum: 0 };
    const table = summaryTable({ ...summary, diagnostics: { ...summary.diagnostics, entries_skipped, signals_blocked } });
    expect(table).toMatch(/\n {2}signals\s+302 entry days blocked: iv_percentile 138, term_structure 164$/m);
    expect(table).toMatch(/skipped: max_open 10, no_strike 2, signals 302, wide_spread 4/);
  });
});

// Hand-built summaries: an account without the portfolio fields (what an older engine wrote), then
// with `strategies` and `benchmark`.
const METRICS: Metrics = {
  total_return: 0.3123, cagr: 0.0397, annual_volatility: 0.081, sharpe: 0.52, sortino: 0.61, max_drawdown: -0.1234, max_drawdown_days: 211,
  calmar: 0.28, win_rate: 0.81, profit_factor: 1.6, average_win: 412, average_loss: -1090, expectancy: 126, trade_count: 40,
  average_days_in_trade: 21.4, time_in_market: 0.93, skew: -2.1, kurtosis: 14.2, var_95: -0.011, cvar_95: -0.024,
};

function olderSummary(): RunSummary {
  return {
    scenario: "portfolio-puts-calls",
    start: "2021-01-04",
    end: "2023-12-29",
    trading_days: 753,
    capital: 100_000,
    final_equity: 131_234.5,
    metrics: METRICS,
    diagnostics: {
      quotes_missing: 0, exits_deferred: 3, closed_at_last_mark: 0, quotes_invalid: 0, underlying_unusable_days: 0, greeks_unusable: 0, sizes_capped: 0,
      positions_opened: 40, positions_closed: 40, entries_skipped: { max_open: 10, no_expiry: 0, no_strike: 2, min_credit: 0, iv_rank: 0, size_zero: 0 },
      exercised: 0, assigned: 0, early_assignments: 0, dividends: 0, covers_skipped: 0, rolls: 0, rolls_skipped: 0,
    },
  };
}

/** Today's table of `olderSummary()`, line for line. */
const OLDER_TABLE = [
  "  portfolio-puts-calls",
  "  span              2021-01-04 → 2023-12-29 (753 trading days)",
  "  equity            $100,000.00 → $131,234.50",
  "  total return      31.23%",
  "  CAGR              3.97%",
  "  volatility        8.10%",
  "  Sharpe / Sortino  0.52 / 0.61",
  "  max drawdown      -12.34% (211 days)",
  "  Calmar            0.28",
  "  trades            40 (win rate 81.00%, profit factor 1.60)",
  "  avg win / loss    $412.00 / -$1,090.00",
  "  expectancy        $126.00",
  "  days in trade     21.4",
  "  time in market    93.00%",
  "  VaR / CVaR 95%    -1.10% / -2.40%",
  "  diagnostics       quotes missing 0, exits deferred 3, skipped: max_open 10, no_strike 2",
].join("\n");

describe("the summary table of a portfolio", () => {
  it("prints a summary without strategies or benchmark exactly as before", () => {
    expect(summaryTable(olderSummary())).toBe(OLDER_TABLE);
  });

  it("adds a row a strategy, aligned, when there are two or more, and the benchmark's row", () => {
    const summary: RunSummary = {
      ...olderSummary(),
      strategies: [
        strategy("puts", 0.5, 34_012.25, { cagr: 0.1012, sharpe: 1.234, max_drawdown: -0.0821, trade_count: 1_204 }),
        strategy("calls", 1 / 3, -2_777.75, { cagr: -0.0093, sharpe: null, max_drawdown: -0.3102, trade_count: 36 }),
      ],
      benchmark: { name: "SPX", kind: "ticker", total_return: 0.98, cagr: 0.101, beta: 0.21, correlation: 0.55, excess_return: -0.0613 },
    };
    const lines = summaryTable(summary).split("\n");
    const at = lines.indexOf("  VaR / CVaR 95%    -1.10% / -2.40%");
    expect(lines.slice(at + 1, at + 5)).toEqual([
      "  strategies        weight         P&L    CAGR  Sharpe  max drawdown  trades",
      "    puts               50%  $34,012.25  10.12%    1.23        -8.21%   1,204",
      "    calls            33.3%  -$2,777.75  -0.93%       —       -31.02%      36",
      "  benchmark         SPX: total return 98.00%, beta 0.21, correlation 0.55, excess return (CAGR) -6.13%",
    ]);
    // Everything else as before.
    expect([...lines.slice(0, at + 1), ...lines.slice(at + 5)].join("\n")).toBe(OLDER_TABLE);
  });

  it("shows no strategy rows for one strategy, and a benchmark without ratios or without a first close", () => {
    const one = { ...olderSummary(), strategies: [strategy("main", 1, 31_234.5, {})] };
    expect(summaryTable(one)).toBe(OLDER_TABLE);
    const flat = summaryTable({ ...one, benchmark: { name: "VIX", kind: "series", total_return: -0.12 } });
    expect(flat).toMatch(/\n {2}benchmark {9}VIX: total return -12\.00%, beta —, correlation —, excess return \(CAGR\) —\n {2}diagnostics/);
    expect(summaryTable({ ...one, benchmark: null })).toMatch(/\n {2}benchmark {9}none \(no close on the run's first day\)\n/);
  });
});

function strategy(name: string, weight: number, pnl: number, metrics: Partial<Metrics>): StrategySummary {
  const capital = 100_000 * weight;
  return { name, weight, tickers: ["SPX"], capital, final_equity: capital + pnl, pnl, metrics: { ...METRICS, ...metrics } };
}
