// Per-position net P&L from the leg fills of trades.arrow.
import type { Table } from "apache-arrow";
import { numberColumn, stringColumn } from "./columns.js";

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
