// Per-position P&L: read from positions.arrow (net of fees, with dividends, split by source), or,
// for results written before it, derived from the leg fills of trades.arrow (without dividends).
import type { Table } from "apache-arrow";
import type { SourceValues } from "./attribution.js";
import { ATTRIBUTION_SOURCES, columnIs, dateColumn, numberColumn, stringColumn } from "./columns.js";

/** A row of positions.arrow. */
export interface PositionRow {
  positionId: number;
  ticker: string;
  /** The strategy that opened it; undefined for results written before positions.arrow had the column. */
  strategy?: string | undefined;
  /** Epoch ms of its first and last fill. */
  opened: number;
  closed: number;
  legs: number;
  rolls: number;
  units: number;
  premium: number;
  /** Net P&L: gross + dividends − fees, dollars. */
  pnl: number;
  fees: number;
  dividends: number;
  /**
   * Its P&L by source: the six of positions.arrow, and `other` = `pnl` less those six (fills away
   * from the marks, fees, dividends, settlement), so that they sum to `pnl`.
   */
  bySource: SourceValues;
  reason: string;
}

/** The sources positions.arrow has a column for: all but `other`. */
const MARKED_SOURCES = ATTRIBUTION_SOURCES.filter((s) => s !== "other");

/** The positions of a positions.arrow table, in its order (the order they ended). */
export function readPositions(table: Table): PositionRow[] {
  const num = (name: string) => numberColumn(table, name);
  const c = {
    id: num("position_id"), legs: num("legs"), rolls: num("rolls"), units: num("units"), premium: num("premium"),
    pnl: num("pnl"), fees: num("fees"), dividends: num("dividends"),
    opened: dateColumn(table, "opened"), closed: dateColumn(table, "closed"),
    ticker: stringColumn(table, "ticker"), reason: stringColumn(table, "reason"),
  };
  const strategy = columnIs(table, "strategy", "utf8") ? stringColumn(table, "strategy") : undefined;
  const marked = MARKED_SOURCES.map((s) => [s, num(`pnl_${s}`)] as const);
  return c.id.map((positionId, i) => {
    const at = (values: readonly number[]) => values[i] as number;
    const bySource = { other: at(c.pnl) } as SourceValues;
    for (const [s, values] of marked) {
      bySource[s] = at(values);
      bySource.other -= at(values);
    }
    return {
      positionId,
      ticker: c.ticker[i] as string,
      strategy: strategy?.[i],
      opened: at(c.opened),
      closed: at(c.closed),
      legs: at(c.legs),
      rolls: at(c.rolls),
      units: at(c.units),
      premium: at(c.premium),
      pnl: at(c.pnl),
      fees: at(c.fees),
      dividends: at(c.dividends),
      bySource,
      reason: c.reason[i] as string,
    };
  });
}

/** Positions that ended for one reason. */
export interface ReasonGroup {
  reason: string;
  count: number;
  /** Σ net P&L. */
  pnl: number;
  /** Positions with a net P&L above 0. */
  wins: number;
}

/** The positions grouped by the reason they ended, most frequent first (ties by name). */
export function positionsByReason(rows: readonly PositionRow[]): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>();
  for (const row of rows) {
    const group = groups.get(row.reason) ?? { reason: row.reason, count: 0, pnl: 0, wins: 0 };
    group.count += 1;
    group.pnl += row.pnl;
    if (row.pnl > 0) group.wins += 1;
    groups.set(row.reason, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/**
 * The `n` largest winners (net P&L above 0, largest first) and the `n` largest losers (below 0,
 * largest loss first); equal P&L in position-id order.
 */
export function winnersAndLosers(rows: readonly PositionRow[], n: number): { winners: PositionRow[]; losers: PositionRow[] } {
  const sorted = [...rows].sort((a, b) => b.pnl - a.pnl || a.positionId - b.positionId);
  const winners = sorted.filter((p) => p.pnl > 0).slice(0, n);
  const losers = sorted.filter((p) => p.pnl < 0).sort((a, b) => a.pnl - b.pnl || a.positionId - b.positionId).slice(0, n);
  return { winners, losers };
}

/** The fields of a trades.arrow row that the P&L needs. */
export interface Fill {
  positionId: number;
  leg: number;
  action: string;
  pnl: number;
  fees: number;
}

export interface PositionPnl {
  positionId: number;
  /** Σ pnl of its close fills − Σ fees of all its fills, dollars. */
  netPnl: number;
  /** Every leg it opened has a close fill. */
  closed: boolean;
}

/** Groups fills by position (ascending id): net P&L = Σ pnl of close fills − Σ fees of all fills. */
export function positionPnl(fills: Iterable<Fill>): PositionPnl[] {
  const byId = new Map<number, { netPnl: number; opened: Set<number>; closedLegs: Set<number> }>();
  for (const fill of fills) {
    let position = byId.get(fill.positionId);
    if (!position) byId.set(fill.positionId, (position = { netPnl: 0, opened: new Set(), closedLegs: new Set() }));
    position.netPnl -= fill.fees;
    if (fill.action === "close") {
      position.netPnl += fill.pnl;
      position.closedLegs.add(fill.leg);
    } else {
      position.opened.add(fill.leg);
    }
  }
  return [...byId.entries()]
    .sort(([a], [b]) => a - b)
    .map(([positionId, p]) => ({
      positionId,
      netPnl: p.netPnl,
      closed: p.closedLegs.size > 0 && [...p.opened].every((leg) => p.closedLegs.has(leg)),
    }));
}

/** The fills of a trades.arrow table, row by row. */
export function readFills(trades: Table): Fill[] {
  const ids = numberColumn(trades, "position_id");
  const legs = numberColumn(trades, "leg");
  const actions = stringColumn(trades, "action");
  const pnl = numberColumn(trades, "pnl");
  const fees = numberColumn(trades, "fees");
  return ids.map((positionId, i) => ({
    positionId,
    leg: legs[i] as number,
    action: actions[i] as string,
    pnl: pnl[i] as number,
    fees: fees[i] as number,
  }));
}
