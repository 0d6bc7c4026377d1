import { describe, expect, it } from "vitest";
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
