// Writes one partition `<TICKER>/<YEAR>.arrow` as an Arrow IPC file, a record batch at a time, hashing
// the bytes as they go to disk. Contract (docs/data-format.md): rows strictly sorted by
// (tradeDate, expirDate, strike), and a trading day never spans two record batches, so the engine can
// hand out each day as one contiguous slice of the memory-mapped columns.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  DateDay,
  Dictionary,
  Float64,
  Int32,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  Utf8,
  makeData,
  vectorFromArray,
  type Data,
} from "apache-arrow";
import { ChainBatch } from "./chain-batch.js";
import { isoFromDays } from "./dates.js";
import { FLOAT_COLUMNS, INT_COLUMNS, TICKER_DICTIONARY_ID, oratsSchema } from "./schema.js";

/** What the manifest records of a finished partition. */
export interface PartitionInfo {
  path: string;
  ticker: string;
  year: number;
  firstTradeDate: string;
  lastTradeDate: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export class PartitionWriter {
  readonly relPath: string;
  private readonly finalPath: string;
  private readonly tmpPath: string;
  private readonly fd: number;
  private readonly writer = new RecordBatchFileWriter();
  private readonly schema = oratsSchema();
  private readonly hash = createHash("sha256");
  // One dictionary object for every batch: Arrow's file format forbids replacing a dictionary.
  private readonly tickerDictionary;
  private readonly pump: Promise<void>;
  private bytes = 0;
  private rows = 0;
  private firstTradeDate = Number.NaN;
  private lastKey: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  private closed = false;

  constructor(
    outDir: string,
    readonly ticker: string,
    readonly year: number,
  ) {
    this.relPath = `${ticker}/${year}.arrow`;
    this.finalPath = join(outDir, ticker, `${year}.arrow`);
    this.tmpPath = `${this.finalPath}.partial`;
    mkdirSync(dirname(this.finalPath), { recursive: true });
    const fd = openSync(this.tmpPath, "w");
    this.fd = fd;
    this.tickerDictionary = vectorFromArray([ticker], new Utf8());
    // The pump writes synchronously inside the loop, so one macrotask turn after a batch is queued
    // (see `write`) is enough for every queued chunk to reach the file: memory stays at one batch.
    this.pump = (async () => {
      for await (const chunk of this.writer as AsyncIterable<Uint8Array>) {
        this.hash.update(chunk);
        writeSync(fd, chunk);
        this.bytes += chunk.byteLength;
      }
    })();
  }

  /**
   * Appends the rows of `batch` (whole trading days, sorted) as one record batch. Throws if the rows
   * are out of order or a day continues from the previous batch.
   */
  async write(batch: ChainBatch): Promise<void> {
    if (this.closed) throw new Error(`${this.relPath}: write after close`);
    const n = batch.length;
    if (n === 0) return;
    this.checkOrder(batch);
    if (Number.isNaN(this.firstTradeDate)) this.firstTradeDate = batch.tradeDate[0]!;
    this.writer.write(this.toRecordBatch(batch));
    this.rows += n;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Finishes the file (footer), moves it into place and returns what the manifest needs. */
  async close(): Promise<PartitionInfo> {
    this.closed = true;
    this.writer.finish();
    await this.pump;
    closeSync(this.fd);
    if (this.rows === 0) {
      rmSync(this.tmpPath, { force: true });
      throw new Error(`${this.relPath}: no rows written`);
    }
    renameSync(this.tmpPath, this.finalPath);
    return {
      path: this.relPath,
      ticker: this.ticker,
      year: this.year,
      firstTradeDate: isoFromDays(this.firstTradeDate),
      lastTradeDate: isoFromDays(this.lastKey[0]),
      rows: this.rows,
      bytes: this.bytes,
      sha256: this.hash.digest("hex"),
    };
  }

  /** Drops the unfinished file (on failure or interruption). */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.writer.finish();
      await this.pump.catch(() => undefined);
      closeSync(this.fd);
    }
    rmSync(this.tmpPath, { force: true });
  }

  private checkOrder(batch: ChainBatch): void {
    let [pd, pe, ps] = this.lastKey;
    if (batch.tradeDate[0] === pd) {
      throw new Error(`${this.relPath}: trade date ${isoFromDays(pd)} spans two record batches`);
    }
    for (let i = 0; i < batch.length; i++) {
      const d = batch.tradeDate[i]!;
      const e = batch.expirDate[i]!;
      const s = batch.strike[i]!;
      if (!(d > pd || (d === pd && (e > pe || (e === pe && s > ps))))) {
        throw new Error(
          `${this.relPath}: rows out of order or duplicated at ${isoFromDays(d)} expiry ${isoFromDays(e)} strike ${s}`,
        );
      }
      const year = new Date(d * 86_400_000).getUTCFullYear();
      if (year !== this.year) throw new Error(`${this.relPath}: trade date ${isoFromDays(d)} is not in ${this.year}`);
      pd = d;
      pe = e;
      ps = s;
    }
    this.lastKey = [pd, pe, ps];
  }

  private toRecordBatch(batch: ChainBatch): RecordBatch {
    const n = batch.length;
    const f64 = (values: Float64Array) => makeData({ type: new Float64(), length: n, data: values.subarray(0, n) });
    const i32 = (values: Int32Array) => makeData({ type: new Int32(), length: n, data: values.subarray(0, n) });
    const day = (values: Int32Array) => makeData({ type: new DateDay(), length: n, data: values.subarray(0, n) });
    const ticker = makeData({
      type: new Dictionary(new Utf8(), new Int32(), TICKER_DICTIONARY_ID),
      length: n,
      data: new Int32Array(n),
      dictionary: this.tickerDictionary,
    });
    const children: Data[] = [
      ticker,
      day(batch.tradeDate),
      day(batch.expirDate),
      f64(batch.strike),
      ...FLOAT_COLUMNS.map((c) => f64(batch.floats[c])),
      ...INT_COLUMNS.map((c) => i32(batch.ints[c])),
    ];
    const struct = makeData({ type: new Struct(this.schema.fields), length: n, children, nullCount: 0 });
    return new RecordBatch(this.schema, struct);
  }
}
