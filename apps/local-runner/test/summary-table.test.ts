import { describe, expect, it } from "vitest";
import { summaryTable } from "../src/summary-table.js";
import { writeFixture } from "./report-fixture.js";

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
});
