// The P&L attribution of equity.arrow (docs/results.md, "Attribution"): each day's change in equity
// split into delta, gamma, theta, vega, residual, hedge and other, summing to it (the first day
// against the starting capital). Read by day, totalled over the run, and cumulated to month ends
// for the report's stacked chart.
import type { Table } from "apache-arrow";
import { ATTRIBUTION_SOURCES, checkOptionalColumns, dateColumn, EQUITY_ATTRIBUTION_COLUMNS, numberColumn, type AttributionSource } from "./columns.js";

export type SourceValues = Record<AttributionSource, number>;

/** equity.arrow's attribution, day by day. */
export interface DailyAttribution {
  /** Epoch ms, ascending. */
  dates: number[];
  equity: number[];
  parts: Record<AttributionSource, number[]>;
}

/** The cumulative attribution at the last trading day of a calendar month. */
export interface AttributionMonth {
  year: number;
  /** 1–12. */
  month: number;
  /** Epoch ms of the month's last trading day. */
  date: number;
  /** Σ of each source from the first day to this one. */
  cumulative: SourceValues;
  /** Equity that day less the starting capital: what the cumulative parts sum to. */
  change: number;
}

/** Whether equity.arrow has the attribution columns (results written before it do not); throws on a partial or mistyped set. */
export function hasAttribution(equity: Table): boolean {
  return checkOptionalColumns(equity, EQUITY_ATTRIBUTION_COLUMNS);
}

/** The attribution day by day; undefined when equity.arrow predates it. */
export function readAttribution(equity: Table): DailyAttribution | undefined {
  if (!hasAttribution(equity)) return undefined;
  const parts = Object.fromEntries(ATTRIBUTION_SOURCES.map((s) => [s, numberColumn(equity, `pnl_${s}`)])) as Record<AttributionSource, number[]>;
  return { dates: dateColumn(equity, "date"), equity: numberColumn(equity, "equity"), parts };
}

/** Each source summed over the run; undefined when equity.arrow predates the attribution. */
export function attributionTotals(equity: Table): SourceValues | undefined {
  const daily = readAttribution(equity);
  return daily && totalAttribution(daily);
}

/** Each source summed over the days of `daily`. */
export function totalAttribution(daily: DailyAttribution): SourceValues {
  const totals = zero();
  for (const s of ATTRIBUTION_SOURCES) totals[s] = daily.parts[s].reduce((a, b) => a + b, 0);
  return totals;
}

/** Σ of the sources' values, source by source. */
export function sourceSum(values: SourceValues): number {
  return ATTRIBUTION_SOURCES.reduce((sum, s) => sum + values[s], 0);
}

/** The cumulative attribution at each month's last trading day, months in order; `capital` is the starting equity. */
export function monthlyAttribution(daily: DailyAttribution, capital: number): AttributionMonth[] {
  const months: AttributionMonth[] = [];
  const running = zero();
  daily.dates.forEach((date, i) => {
    for (const s of ATTRIBUTION_SOURCES) running[s] += daily.parts[s][i] as number;
    const d = new Date(date);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const last = months[months.length - 1];
    const point = { year, month, date, cumulative: { ...running }, change: (daily.equity[i] as number) - capital };
    if (last && last.year === year && last.month === month) months[months.length - 1] = point;
    else months.push(point);
  });
  return months;
}

function zero(): SourceValues {
  return { delta: 0, gamma: 0, theta: 0, vega: 0, residual: 0, hedge: 0, other: 0 };
}
