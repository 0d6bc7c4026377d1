// The column contracts of equity.arrow, trades.arrow, positions.arrow, strategies.arrow and
// market.arrow (docs/results.md) and of sweep.arrow and walk_forward.arrow (docs/sweeps.md), their check, and typed readers that turn an Arrow column into plain
// JS arrays for the report.
import { DataType, DateUnit, Precision, type Table } from "apache-arrow";
import { toEpochMs } from "./dates.js";

export type ColumnKind = "date32" | "int32" | "uint32" | "float64" | "utf8";

export const EQUITY_COLUMNS = {
  date: "date32",
  equity: "float64",
  cash: "float64",
  positions_value: "float64",
  daily_return: "float64",
  drawdown: "float64",
  open_positions: "int32",
  realized_pnl: "float64",
  unrealized_pnl: "float64",
  delta_dollars: "float64",
  gamma_dollars: "float64",
  theta_dollars: "float64",
  vega_dollars: "float64",
} as const satisfies Record<string, ColumnKind>;

/** The sources of the daily P&L attribution (docs/results.md, "Attribution"), in the report's order. */
export const ATTRIBUTION_SOURCES = ["delta", "gamma", "theta", "vega", "residual", "hedge", "other"] as const;

export type AttributionSource = (typeof ATTRIBUTION_SOURCES)[number];

/**
 * equity.arrow's P&L attribution, one column per source, summing to the day's change in equity.
 * Optional as a group: results written before the attribution have none of them.
 */
export const EQUITY_ATTRIBUTION_COLUMNS = {
  pnl_delta: "float64",
  pnl_gamma: "float64",
  pnl_theta: "float64",
  pnl_vega: "float64",
  pnl_residual: "float64",
  pnl_hedge: "float64",
  pnl_other: "float64",
} as const satisfies Record<`pnl_${AttributionSource}`, ColumnKind>;

export const TRADE_COLUMNS = {
  position_id: "int32",
  leg: "int32",
  ticker: "utf8",
  action: "utf8",
  date: "date32",
  expiry: "date32",
  strike: "float64",
  right: "utf8",
  quantity: "int32",
  price: "float64",
  fees: "float64",
  reason: "utf8",
  underlying_price: "float64",
  pnl: "float64",
} as const satisfies Record<string, ColumnKind>;

/** positions.arrow: one row per position as it ends. The file is absent from results written before it. */
export const POSITION_COLUMNS = {
  position_id: "int32",
  ticker: "utf8",
  opened: "date32",
  closed: "date32",
  legs: "int32",
  rolls: "int32",
  units: "int32",
  premium: "float64",
  pnl: "float64",
  fees: "float64",
  dividends: "float64",
  pnl_delta: "float64",
  pnl_gamma: "float64",
  pnl_theta: "float64",
  pnl_vega: "float64",
  pnl_residual: "float64",
  pnl_hedge: "float64",
  reason: "utf8",
} as const satisfies Record<string, ColumnKind>;

/**
 * The `strategy` column trades.arrow and positions.arrow have right after `ticker` in a run that
 * names its strategies; results written before portfolios lack it.
 */
export const STRATEGY_COLUMN = { strategy: "utf8" } as const satisfies Record<string, ColumnKind>;

/** strategies.arrow: one row per trading day per strategy (date, then scenario order). Absent from results before portfolios. */
export const STRATEGIES_COLUMNS = {
  date: "date32",
  strategy: "utf8",
  equity: "float64",
  pnl: "float64",
  daily_return: "float64",
  drawdown: "float64",
  open_positions: "int32",
} as const satisfies Record<string, ColumnKind>;

/** market.arrow: one row per trading day per ticker or series; `close` null before its first known price. Absent from older results. */
export const MARKET_COLUMNS = {
  date: "date32",
  name: "utf8",
  kind: "utf8",
  close: "float64",
} as const satisfies Record<string, ColumnKind>;

/** The fixed columns of sweep.arrow and the metrics the sweep report reads; the swept paths' columns vary by sweep. */
export const SWEEP_COLUMNS = {
  point: "uint32",
  id: "utf8",
  params: "utf8",
  error: "utf8",
  final_equity: "float64",
  sharpe: "float64",
  total_return: "float64",
  max_drawdown: "float64",
  trade_count: "float64",
} as const satisfies Record<string, ColumnKind>;

/**
 * walk_forward.arrow: one row per out-of-sample day of a walk-forward, first window to last: its
 * window, the point chosen there (null: in cash), the stitched daily return and equity (growth of
 * 1), and the in-hindsight best point's equity over the same days (null without one).
 */
export const WALK_FORWARD_COLUMNS = {
  date: "date32",
  window: "uint32",
  point: "utf8",
  return: "float64",
  equity: "float64",
  hindsight_equity: "float64",
} as const satisfies Record<string, ColumnKind>;

const KIND_NAMES: Record<ColumnKind, string> = { date32: "Date32", int32: "Int32", uint32: "UInt32", float64: "Float64", utf8: "Utf8" };

/** Throws describing the first column of `spec` that `table` lacks or holds with another type. */
export function checkColumns(table: Table, spec: Readonly<Record<string, ColumnKind>>): void {
  for (const [name, kind] of Object.entries(spec)) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) throw new Error(`missing column \`${name}\` (${KIND_NAMES[kind]})`);
    if (!isKind(field.type, kind)) throw new Error(`column \`${name}\` should be ${KIND_NAMES[kind]}, found ${String(field.type)}`);
  }
}

/**
 * Checks a group of columns that is optional as a whole: false when `table` has none of them, true
 * when it has all of them with their types; throws describing the first problem otherwise (some of
 * them only, or one mistyped).
 */
export function checkOptionalColumns(table: Table, spec: Readonly<Record<string, ColumnKind>>): boolean {
  const names = Object.keys(spec);
  if (!names.some((name) => table.schema.fields.some((f) => f.name === name))) return false;
  checkColumns(table, spec);
  return true;
}

/** Whether `table` has a column `name` of `kind`. */
export function columnIs(table: Table, name: string, kind: ColumnKind): boolean {
  const field = table.schema.fields.find((f) => f.name === name);
  return field !== undefined && isKind(field.type, kind);
}

function isKind(type: DataType, kind: ColumnKind): boolean {
  switch (kind) {
    case "date32": return DataType.isDate(type) && type.unit === DateUnit.DAY;
    case "int32": return DataType.isInt(type) && type.bitWidth === 32 && type.isSigned;
    case "uint32": return DataType.isInt(type) && type.bitWidth === 32 && !type.isSigned;
    case "float64": return DataType.isFloat(type) && type.precision === Precision.DOUBLE;
    case "utf8": return DataType.isUtf8(type);
  }
}

/** A numeric column as numbers (null → NaN). */
export function numberColumn(table: Table, name: string): number[] {
  return Array.from(column(table, name), (v) => (typeof v === "number" ? v : Number.NaN));
}

/** A Date32 column as UTC epoch milliseconds (null → NaN). */
export function dateColumn(table: Table, name: string): number[] {
  return Array.from(column(table, name), toEpochMs);
}

/** A numeric column as numbers, keeping nulls (a sweep's failed point has null metrics). */
export function nullableNumberColumn(table: Table, name: string): (number | null)[] {
  return Array.from(column(table, name), (v) => (typeof v === "number" ? v : null));
}

/** A Utf8 column as strings, keeping nulls. */
export function nullableStringColumn(table: Table, name: string): (string | null)[] {
  return Array.from(column(table, name), (v) => (typeof v === "string" ? v : null));
}

/** A column of numbers or strings as they are, keeping nulls (a sweep's parameter column is Float64 or Utf8). */
export function valueColumn(table: Table, name: string): (number | string | null)[] {
  return Array.from(column(table, name), (v) => (typeof v === "number" || typeof v === "string" ? v : null));
}

/** A Utf8 column as strings (null → ""). */
export function stringColumn(table: Table, name: string): string[] {
  return Array.from(column(table, name), (v) => (typeof v === "string" ? v : ""));
}

/** The row indices of each distinct key of `keys`, keys in the order they first appear. */
export function rowsByKey(keys: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const rows = groups.get(key);
    if (rows) rows.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

function column(table: Table, name: string): Iterable<unknown> {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`missing column \`${name}\``);
  return vector as Iterable<unknown>;
}
