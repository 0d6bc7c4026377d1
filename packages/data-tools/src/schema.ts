// The ORATS strikes schema as Arrow (docs/data-format.md): one row per (ticker, tradeDate, expirDate,
// strike) with the call and put side by side, ORATS' own column names. The Rust reader checks the
// same list (packages/engine-rs/src/data/schema.rs); keep the two in step.
import { DateDay, Dictionary, Field, Float64, Int32, Schema, Utf8 } from "apache-arrow";

/** Float64 columns, in file order after the four key columns. */
export const FLOAT_COLUMNS = [
  "stkPx",
  "spotPx",
  "yte",
  "cBidPx",
  "cAskPx",
  "cValue",
  "pBidPx",
  "pAskPx",
  "pValue",
  "cBidIv",
  "cMidIv",
  "cAskIv",
  "pBidIv",
  "pMidIv",
  "pAskIv",
  "smvVol",
  "iRate",
  "divRate",
  "delta",
  "gamma",
  "theta",
  "vega",
  "rho",
] as const;

/** Int32 columns: volumes and open interest. */
export const INT_COLUMNS = ["cVolu", "cOi", "pVolu", "pOi"] as const;

export type FloatColumn = (typeof FLOAT_COLUMNS)[number];
export type IntColumn = (typeof INT_COLUMNS)[number];

/** All column names in file order. */
export const COLUMN_NAMES = ["ticker", "tradeDate", "expirDate", "strike", ...FLOAT_COLUMNS, ...INT_COLUMNS] as const;

/** Dictionary id of the ticker column; one dictionary (one ticker) per partition. */
export const TICKER_DICTIONARY_ID = 0;

export const SCHEMA_VERSION = 1;

export function oratsSchema(): Schema {
  const fields: Field[] = [
    new Field("ticker", new Dictionary(new Utf8(), new Int32(), TICKER_DICTIONARY_ID), false),
    new Field("tradeDate", new DateDay(), false),
    new Field("expirDate", new DateDay(), false),
    new Field("strike", new Float64(), false),
    ...FLOAT_COLUMNS.map((name) => new Field(name, new Float64(), false)),
    ...INT_COLUMNS.map((name) => new Field(name, new Int32(), false)),
  ];
  return new Schema(fields);
}
