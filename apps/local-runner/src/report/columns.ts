// The column contracts of equity.arrow and trades.arrow (docs/results.md), their check, and typed
// readers that turn an Arrow column into plain JS arrays for the report.
import { DataType, DateUnit, Precision, type Table } from "apache-arrow";
import { toEpochMs } from "./dates.js";

export type ColumnKind = "date32" | "int32" | "float64" | "utf8";

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

const KIND_NAMES: Record<ColumnKind, string> = { date32: "Date32", int32: "Int32", float64: "Float64", utf8: "Utf8" };

/** Throws describing the first column of `spec` that `table` lacks or holds with another type. */
export function checkColumns(table: Table, spec: Readonly<Record<string, ColumnKind>>): void {
  for (const [name, kind] of Object.entries(spec)) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) throw new Error(`missing column \`${name}\` (${KIND_NAMES[kind]})`);
    if (!isKind(field.type, kind)) throw new Error(`column \`${name}\` should be ${KIND_NAMES[kind]}, found ${String(field.type)}`);
  }
}

function isKind(type: DataType, kind: ColumnKind): boolean {
  switch (kind) {
    case "date32": return DataType.isDate(type) && type.unit === DateUnit.DAY;
    case "int32": return DataType.isInt(type) && type.bitWidth === 32 && type.isSigned;
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

/** A Utf8 column as strings (null → ""). */
export function stringColumn(table: Table, name: string): string[] {
  return Array.from(column(table, name), (v) => (typeof v === "string" ? v : ""));
}

function column(table: Table, name: string): Iterable<unknown> {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`missing column \`${name}\``);
  return vector as Iterable<unknown>;
}
