// The P&L attribution and positions.arrow as the report reads them: worked by hand on small tables.
import { Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  attributionTotals, checkOptionalColumns, EQUITY_ATTRIBUTION_COLUMNS, hasAttribution, monthlyAttribution, positionsByReason, readAttribution,
  readPositions, sourceSum, winnersAndLosers, type PositionRow,
} from "../src/report/index.js";
import { date32, float64, int32, utf8 } from "./report-fixture.js";

const DAY_MS = 86_400_000;
const dayNumber = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;

/** Four days over two months from a capital of 1,000: equity 1,010, 1,005, 1,030, 1,020. */
function equityTable(withAttribution = true): Table {
  const days = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"].map(dayNumber);
  return new Table({
    date: date32(days),
    equity: float64([1010, 1005, 1030, 1020]),
    ...(withAttribution && {
      // Each day's parts sum to its change: +10, −5, +25, −10.
      pnl_delta: float64([4, -8, 20, -6]),
      pnl_gamma: float64([-1, -1, -2, -1]),
      pnl_theta: float64([3, 3, 3, 3]),
      pnl_vega: float64([2, 0, 1, -4]),
      pnl_residual: float64([0.5, 0, -0.5, 0]),
      pnl_hedge: float64([0, 1, 2, -1]),
      pnl_other: float64([1.5, 0, 1.5, -1]),
    }),
  });
}

describe("the attribution of equity.arrow", () => {
  it("is absent from results written before it, and all there otherwise", () => {
    expect(hasAttribution(equityTable(false))).toBe(false);
    expect(readAttribution(equityTable(false))).toBeUndefined();
    expect(attributionTotals(equityTable(false))).toBeUndefined();
    expect(hasAttribution(equityTable())).toBe(true);
  });

  it("refuses some of the columns only, or one mistyped", () => {
    const partial = new Table({ date: date32([1]), pnl_delta: float64([1]) });
    expect(() => checkOptionalColumns(partial, EQUITY_ATTRIBUTION_COLUMNS)).toThrow("missing column `pnl_gamma` (Float64)");
    const t = equityTable();
    const mistyped = new Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)])), pnl_other: int32([1, 0, 1, -1]) });
    expect(() => hasAttribution(mistyped)).toThrow("column `pnl_other` should be Float64, found Int32");
  });

  it("totals each source over the run, summing to the change in equity", () => {
    const totals = attributionTotals(equityTable());
    expect(totals).toEqual({ delta: 10, gamma: -5, theta: 12, vega: -1, residual: 0, hedge: 2, other: 2 });
    expect(sourceSum(totals as NonNullable<typeof totals>)).toBe(1020 - 1000);
  });

  it("cumulates the sources to each month's last trading day, with the equity change they sum to", () => {
    const months = monthlyAttribution(readAttribution(equityTable()) as NonNullable<ReturnType<typeof readAttribution>>, 1000);
    expect(months.map((m) => [m.year, m.month, new Date(m.date).toISOString().slice(0, 10), m.change])).toEqual([
      [2024, 1, "2024-01-31", 5],
      [2024, 2, "2024-02-02", 20],
    ]);
    expect(months[0]?.cumulative).toEqual({ delta: -4, gamma: -2, theta: 6, vega: 2, residual: 0.5, hedge: 1, other: 1.5 });
    expect(months[1]?.cumulative).toEqual({ delta: 10, gamma: -5, theta: 12, vega: -1, residual: 0, hedge: 2, other: 2 });
    for (const m of months) expect(sourceSum(m.cumulative)).toBeCloseTo(m.change, 12);
  });

  it("has no months without days", () => {
    expect(monthlyAttribution({ dates: [], equity: [], parts: { delta: [], gamma: [], theta: [], vega: [], residual: [], hedge: [], other: [] } }, 1000)).toEqual([]);
  });
});

describe("positions.arrow", () => {
  const table = new Table({
    position_id: int32([2, 1, 3]),
    ticker: utf8(["ACME", "ACME", "ACME"]),
    opened: date32([dayNumber("2024-01-03"), dayNumber("2024-01-02"), dayNumber("2024-01-10")]),
    closed: date32([dayNumber("2024-01-20"), dayNumber("2024-01-25"), dayNumber("2024-02-16")]),
    legs: int32([2, 1, 3]),
    rolls: int32([0, 0, 1]),
    units: int32([1, 2, 1]),
    premium: float64([3.5, 1.25, 2]),
    pnl: float64([120, -40.5, 310]),
    fees: float64([2.6, 1.3, 5.2]),
    dividends: float64([0, 0, 44]),
    pnl_delta: float64([30, -60, 100]),
    pnl_gamma: float64([-20, -10, -30]),
    pnl_theta: float64([90, 25, 120]),
    pnl_vega: float64([15, 5, 20]),
    pnl_residual: float64([1, -0.5, 2]),
    pnl_hedge: float64([10, 0, 0]),
    reason: utf8(["profit_target", "stop_loss", "assignment"]),
  });

  it("reads one row per position, `other` being the net P&L the six sources leave", () => {
    const rows = readPositions(table);
    expect(rows.map((p) => p.positionId)).toEqual([2, 1, 3]);
    const third = rows[2] as PositionRow;
    expect(third).toMatchObject({ ticker: "ACME", legs: 3, rolls: 1, units: 1, premium: 2, pnl: 310, fees: 5.2, dividends: 44, reason: "assignment" });
    expect(new Date(third.opened).toISOString().slice(0, 10)).toBe("2024-01-10");
    // 310 − (100 − 30 + 120 + 20 + 2 + 0) = 98: the dividend, less fees and the spread paid.
    expect(third.bySource).toEqual({ delta: 100, gamma: -30, theta: 120, vega: 20, residual: 2, hedge: 0, other: 98 });
    for (const p of rows) expect(sourceSum(p.bySource)).toBeCloseTo(p.pnl, 12);
  });

  it("counts positions by how they ended, most frequent first", () => {
    const rows = readPositions(table);
    const twice = [...rows, { ...(rows[0] as PositionRow), positionId: 4, pnl: -10 }];
    expect(positionsByReason(twice)).toEqual([
      { reason: "profit_target", count: 2, pnl: 110, wins: 1 },
      { reason: "assignment", count: 1, pnl: 310, wins: 1 },
      { reason: "stop_loss", count: 1, pnl: -40.5, wins: 0 },
    ]);
  });

  it("lists the largest winners (largest first) and the largest losers (largest loss first), never a flat position", () => {
    const rows = readPositions(table);
    const ids = (list: readonly PositionRow[]) => list.map((p) => p.positionId);
    // Net P&L: #2 +120, #1 −40.5, #3 +310.
    const two = winnersAndLosers(rows, 2);
    expect([ids(two.winners), ids(two.losers)]).toEqual([[3, 2], [1]]);
    const one = winnersAndLosers(rows, 1);
    expect([ids(one.winners), ids(one.losers)]).toEqual([[3], [1]]);
    // More losers, a tie and a flat one: #4 −500, #5 −40.5 (ties #1, after it by id), #6 0 (neither).
    const more = [...rows, { ...(rows[1] as PositionRow), positionId: 5 }, { ...(rows[0] as PositionRow), positionId: 4, pnl: -500 }, { ...(rows[0] as PositionRow), positionId: 6, pnl: 0 }];
    const three = winnersAndLosers(more, 3);
    expect([ids(three.winners), ids(three.losers)]).toEqual([[3, 2], [4, 1, 5]]);
    expect(winnersAndLosers([], 5)).toEqual({ winners: [], losers: [] });
  });
});
