// strategies.arrow for the report: each strategy's equity day by day.
import type { Table } from "apache-arrow";
import { dateColumn, numberColumn, stringColumn } from "./columns.js";

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
  const names = stringColumn(table, "strategy");
  const equity = numberColumn(table, "equity");
  const pnl = numberColumn(table, "pnl");
  const byName = new Map<string, StrategyCurve>();
  names.forEach((name, i) => {
    let curve = byName.get(name);
    if (!curve) byName.set(name, (curve = { name, dates: [], equity: [], pnl: [] }));
    curve.dates.push(dates[i] as number);
    curve.equity.push(equity[i] as number);
    curve.pnl.push(pnl[i] as number);
  });
  return [...byName.values()];
}
