// strategies.arrow for the report: each strategy's equity day by day.
import type { Table } from "apache-arrow";
import { dateColumn, numberColumn, rowsByKey, stringColumn } from "./columns.js";

/** One strategy's rows of strategies.arrow. */
export interface StrategyCurve {
  name: string;
  /** Epoch ms, ascending. */
  dates: number[];
  /** Its weight × capital plus its net P&L to date. */
  equity: number[];
  /** Its cumulative net P&L. */
  pnl: number[];
}

/** The curves of strategies.arrow, in the order the strategies first appear (the scenario's). */
export function readStrategyCurves(table: Table): StrategyCurve[] {
  const dates = dateColumn(table, "date");
  const equity = numberColumn(table, "equity");
  const pnl = numberColumn(table, "pnl");
  const pick = (values: readonly number[], rows: readonly number[]) => rows.map((i) => values[i] as number);
  return [...rowsByKey(stringColumn(table, "strategy"))].map(([name, rows]) => ({ name, dates: pick(dates, rows), equity: pick(equity, rows), pnl: pick(pnl, rows) }));
}
