// market.arrow for the report: each ticker's and series' close by day, the buy-and-hold equity of a
// benchmark, and the entries and exits of positions placed on their ticker's close that day.
import type { Table } from "apache-arrow";
import { dateColumn, numberColumn, rowsByKey, stringColumn } from "./columns.js";
import type { PositionRow } from "./positions.js";

export type MarketKind = "ticker" | "series";

/** One name of market.arrow: its closes on the run's trading days. */
export interface MarketSeries {
  name: string;
  kind: MarketKind;
  /** Epoch ms, in file order (ascending by contract). */
  dates: number[];
  /** NaN where the file has null (before the first known price). */
  closes: number[];
}

/** Throws naming the first row whose `kind` is neither `ticker` nor `series`. */
export function checkMarketKinds(table: Table): void {
  const kinds = stringColumn(table, "kind");
  const bad = kinds.findIndex((k) => k !== "ticker" && k !== "series");
  if (bad >= 0) throw new Error(`column \`kind\` should be "ticker" or "series", found ${JSON.stringify(kinds[bad])} in row ${bad}`);
}

/** The series of market.arrow, in the order their names first appear (the scenario's tickers, then series). */
export function readMarket(table: Table): MarketSeries[] {
  const dates = dateColumn(table, "date");
  const names = stringColumn(table, "name");
  const kinds = stringColumn(table, "kind");
  const closes = numberColumn(table, "close");
  const groups = rowsByKey(names.map((name, i) => `${kinds[i] as string}\u0000${name}`));
  return [...groups.values()].map((rows) => ({
    name: names[rows[0] as number] as string,
    kind: kinds[rows[0] as number] as MarketKind,
    dates: rows.map((i) => dates[i] as number),
    closes: rows.map((i) => closes[i] as number),
  }));
}

/** The series named `name` of `kind`, if market.arrow has it. */
export function findSeries(market: readonly MarketSeries[], name: string, kind: MarketKind): MarketSeries | undefined {
  return market.find((s) => s.name === name && s.kind === kind);
}

/**
 * The value of `capital` put into the series at its first known close and held: capital × close /
 * first close. NaN before that close, where a close is unknown, and throughout when the first
 * known close is not positive.
 */
export function buyAndHold(closes: readonly number[], capital: number): number[] {
  const base = closes.find(Number.isFinite);
  if (base === undefined || !(base > 0)) return closes.map(() => Number.NaN);
  return closes.map((c) => (Number.isFinite(c) ? (capital * c) / base : Number.NaN));
}

/** The closes of `series` aligned on `dates` (NaN where it has none that day). */
export function closesOn(series: MarketSeries, dates: readonly number[]): number[] {
  const byDate = closeByDate(series);
  return dates.map((d) => byDate.get(d) ?? Number.NaN);
}

/** A position's entry or exit on its ticker's chart. */
export interface TradeMark {
  date: number;
  /** The ticker's close that day. */
  price: number;
  positionId: number;
  /** The position's net P&L (an exit's colour). */
  pnl: number;
}

/**
 * The entries (opened) and exits (closed) of the positions on `series`' ticker, each at the close
 * of its day; a day without a known close has no mark. A ticker's hedge book (no legs, ended by
 * `hedge`) is not a trade and has none.
 */
export function tradeMarks(series: MarketSeries, positions: readonly PositionRow[]): { entries: TradeMark[]; exits: TradeMark[] } {
  const byDate = closeByDate(series);
  const entries: TradeMark[] = [];
  const exits: TradeMark[] = [];
  for (const p of positions) {
    if (p.ticker !== series.name || isHedgeBook(p)) continue;
    const open = byDate.get(p.opened);
    const close = byDate.get(p.closed);
    if (open !== undefined) entries.push({ date: p.opened, price: open, positionId: p.positionId, pnl: p.pnl });
    if (close !== undefined) exits.push({ date: p.closed, price: close, positionId: p.positionId, pnl: p.pnl });
  }
  return { entries, exits };
}

/** positions.arrow's row of a ticker's hedge book (`strategy.hedge.scope: ticker`): no option legs, ended by its hedge. */
export function isHedgeBook(p: Pick<PositionRow, "legs" | "reason">): boolean {
  return p.legs === 0 && p.reason === "hedge";
}

function closeByDate(series: MarketSeries): Map<number, number> {
  const byDate = new Map<number, number>();
  series.dates.forEach((d, i) => {
    const c = series.closes[i] as number;
    if (Number.isFinite(c)) byDate.set(d, c);
  });
  return byDate;
}
