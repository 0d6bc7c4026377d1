// A growable set of ORATS columns for one partition: rows are appended a trading day at a time and
// handed to the writer as one Arrow record batch. Typed arrays, not row objects, so generating and
// importing millions of rows stays fast and memory-light.
import { FLOAT_COLUMNS, INT_COLUMNS, type FloatColumn, type IntColumn } from "./schema.js";

/** One row's values by column name (used by the importer and by tests; the generator fills columns directly). */
export type ChainRow = { tradeDate: number; expirDate: number; strike: number } & Record<FloatColumn, number> &
  Record<IntColumn, number>;

export class ChainBatch {
  length = 0;
  tradeDate: Int32Array;
  expirDate: Int32Array;
  strike: Float64Array;
  readonly floats: Record<FloatColumn, Float64Array>;
  readonly ints: Record<IntColumn, Int32Array>;

  constructor(capacity = 4096) {
    this.tradeDate = new Int32Array(capacity);
    this.expirDate = new Int32Array(capacity);
    this.strike = new Float64Array(capacity);
    this.floats = Object.fromEntries(FLOAT_COLUMNS.map((c) => [c, new Float64Array(capacity)])) as Record<
      FloatColumn,
      Float64Array
    >;
    this.ints = Object.fromEntries(INT_COLUMNS.map((c) => [c, new Int32Array(capacity)])) as Record<IntColumn, Int32Array>;
  }

  get capacity(): number {
    return this.strike.length;
  }

  /** Makes room for `extra` more rows; returns the index of the first of them. */
  reserve(extra: number): number {
    const need = this.length + extra;
    if (need > this.capacity) {
      let cap = this.capacity * 2;
      while (cap < need) cap *= 2;
      this.tradeDate = grow(this.tradeDate, cap);
      this.expirDate = grow(this.expirDate, cap);
      this.strike = grow(this.strike, cap);
      for (const c of FLOAT_COLUMNS) this.floats[c] = grow(this.floats[c], cap);
      for (const c of INT_COLUMNS) this.ints[c] = grow(this.ints[c], cap);
    }
    const start = this.length;
    this.length = need;
    return start;
  }

  push(row: ChainRow): void {
    const i = this.reserve(1);
    this.tradeDate[i] = row.tradeDate;
    this.expirDate[i] = row.expirDate;
    this.strike[i] = row.strike;
    for (const c of FLOAT_COLUMNS) this.floats[c][i] = row[c];
    for (const c of INT_COLUMNS) this.ints[c][i] = row[c];
  }

  /** Reads row `i` back as an object (tests, diagnostics). */
  row(i: number): ChainRow {
    const out: Record<string, number> = {
      tradeDate: this.tradeDate[i]!,
      expirDate: this.expirDate[i]!,
      strike: this.strike[i]!,
    };
    for (const c of FLOAT_COLUMNS) out[c] = this.floats[c][i]!;
    for (const c of INT_COLUMNS) out[c] = this.ints[c][i]!;
    return out as ChainRow;
  }

  clear(): void {
    this.length = 0;
  }
}

function grow<T extends Int32Array | Float64Array>(arr: T, cap: number): T {
  const next = new (arr.constructor as { new (n: number): T })(cap);
  next.set(arr);
  return next;
}
