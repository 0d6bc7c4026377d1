// Reads a partition `<TICKER>/<YEAR>.arrow` one record batch at a time, for producers that turn a
// dataset into something else (the ORATS CSV exporter). Arrow's file reader seeks to each batch
// through the footer, so memory stays at one record batch (about 20 trading days for a generated
// dataset, one for an import) whatever the partition size. Columns come back as typed arrays over
// Arrow's own buffers, without copying; dates as days since the epoch, like ChainBatch.
import { open } from "node:fs/promises";
import { RecordBatchReader, util, type RecordBatch } from "apache-arrow";
import { FLOAT_COLUMNS, INT_COLUMNS, oratsSchema, type FloatColumn, type IntColumn } from "./schema.js";

/** One record batch of a partition, column by column (ChainBatch's shape, read-only by convention). */
export interface PartitionBatch {
  ticker: string;
  length: number;
  tradeDate: Int32Array;
  expirDate: Int32Array;
  strike: Float64Array;
  floats: Record<FloatColumn, Float64Array>;
  ints: Record<IntColumn, Int32Array>;
}

/** Yields the record batches of the partition at `path`; throws naming `path` when a column is missing or mistyped. */
export async function* readPartitionBatches(path: string): AsyncGenerator<PartitionBatch> {
  const file = await open(path);
  try {
    const reader = await RecordBatchReader.from(file);
    await reader.open();
    if (!reader.isFile()) throw new Error(`${path}: not an Arrow IPC file`);
    for await (const batch of reader) {
      if (batch.numRows > 0) yield columnsOf(batch, path);
    }
  } finally {
    await file.close();
  }
}

const EXPECTED = new Map(oratsSchema().fields.map((f) => [f.name, f.type]));

function columnsOf(batch: RecordBatch, path: string): PartitionBatch {
  const n = batch.numRows;
  const values = <T extends Int32Array | Float64Array>(name: string): T => {
    const column = batch.getChild(name);
    if (!column) throw new Error(`${path}: no column ${name}`);
    // Read types are the base classes (Date_, Float, Int), so they go first: the check is `instanceof`.
    if (!util.compareTypes(column.type, EXPECTED.get(name)!)) {
      throw new Error(`${path}: column ${name} is ${column.type}, expected ${EXPECTED.get(name)}`);
    }
    if (column.nullCount > 0) throw new Error(`${path}: column ${name} holds nulls`);
    // A record batch read from a file is one chunk; `values` starts at its first row.
    return (column.data[0]!.values as T).subarray(0, n) as T;
  };
  const ticker = batch.getChild("ticker")?.get(0);
  if (typeof ticker !== "string") throw new Error(`${path}: no ticker in the ticker column`);
  return {
    ticker,
    length: n,
    tradeDate: values<Int32Array>("tradeDate"),
    expirDate: values<Int32Array>("expirDate"),
    strike: values<Float64Array>("strike"),
    floats: Object.fromEntries(FLOAT_COLUMNS.map((c) => [c, values<Float64Array>(c)])) as Record<FloatColumn, Float64Array>,
    ints: Object.fromEntries(INT_COLUMNS.map((c) => [c, values<Int32Array>(c)])) as Record<IntColumn, Int32Array>,
  };
}
