// How an ORATS "SMV Strikes" CSV header maps onto the dataset schema, and what each column may hold.
//
// Columns are found by header name (case-insensitive), never by position, so ORATS reordering or
// adding columns changes nothing. Columns the schema has no use for (cOpra, pOpra, residualRateData,
// phi, driftlessTheta, extVol, extCTheo, extPTheo, anything new) are ignored. A schema column missing
// from the header is fatal, as is a schema column that appears twice (which of the two is meant?).
//
// Cell rules (one problem per row: the first failing check, in schema column order, names the row's
// skip reason; every rule's reason string is the key counted in ImportSummary.skippedByReason):
//
// | column(s)                                           | empty cell          | other checks                               |
// |-----------------------------------------------------|---------------------|--------------------------------------------|
// | ticker                                              | skip "empty ticker" | `[A-Za-z0-9][A-Za-z0-9._-]*` else "invalid ticker" (it names a directory) |
// | trade_date, expirDate (M/D/YYYY or YYYY-MM-DD)      | skip "bad date"     | a calendar date else "bad date"; trade date > expiry → "trade date after expiry" |
// | strike                                              | skip "empty value"  | number else "not a number"; ≤ 0 → "non-positive strike" |
// | stkPx, spot_px                                      | skip "empty price"  | number; ≤ 0 → "non-positive underlying price" |
// | cBidPx, cAskPx, cValue, pBidPx, pAskPx, pValue      | skip "empty price"  | number; < 0 → "negative price"; bid > ask → "bid > ask" (reported on the bid) |
// | yte, iRate, divRate, delta (selection needs it)     | skip "empty value"  | number                                     |
// | c/p Bid/Mid/AskIv, smoothSmvVol, gamma … rho        | 0, counted in `filled` | number                                  |
// | cVolu, cOi, pVolu, pOi                              | 0, counted in `filled` | number; fractional → "not an integer"; < 0 → "negative count"; > 2^31−1 → "out of range" |
//
// "number" means a plain decimal such as `-1.5`, `.25` or `2e-3` (surrounding blanks tolerated);
// anything else — including `NaN`, `Infinity` and hex — is "not a number".
import { FLOAT_COLUMNS, INT_COLUMNS, type FloatColumn, type IntColumn } from "../schema.js";

export type KeyColumn = "ticker" | "tradeDate" | "expirDate" | "strike";
export type SchemaColumn = KeyColumn | FloatColumn | IntColumn;

/** How an empty or out-of-range cell of a Float64 column is treated. */
export type FloatKind = "underlying" | "price" | "required" | "fill";

export const FLOAT_KIND: Record<FloatColumn, FloatKind> = {
  stkPx: "underlying",
  spotPx: "underlying",
  yte: "required",
  cBidPx: "price",
  cAskPx: "price",
  cValue: "price",
  pBidPx: "price",
  pAskPx: "price",
  pValue: "price",
  cBidIv: "fill",
  cMidIv: "fill",
  cAskIv: "fill",
  pBidIv: "fill",
  pMidIv: "fill",
  pAskIv: "fill",
  smvVol: "fill",
  iRate: "required",
  divRate: "required",
  delta: "required",
  gamma: "fill",
  theta: "fill",
  vega: "fill",
  rho: "fill",
};

/**
 * ORATS' own "SMV Strikes" header, in ORATS' order: the 31 schema columns under their ORATS names
 * plus eight the schema has no use for. The importer does not need it (it goes by name); the
 * exporter writes it.
 */
export const ORATS_COLUMNS = [
  "ticker",
  "cOpra",
  "pOpra",
  "stkPx",
  "expirDate",
  "yte",
  "strike",
  "cVolu",
  "cOi",
  "pVolu",
  "pOi",
  "cBidPx",
  "cValue",
  "cAskPx",
  "pBidPx",
  "pValue",
  "pAskPx",
  "cBidIv",
  "cMidIv",
  "cAskIv",
  "smoothSmvVol",
  "pBidIv",
  "pMidIv",
  "pAskIv",
  "iRate",
  "divRate",
  "residualRateData",
  "delta",
  "gamma",
  "theta",
  "vega",
  "rho",
  "phi",
  "driftlessTheta",
  "extVol",
  "extCTheo",
  "extPTheo",
  "spot_px",
  "trade_date",
] as const;

export type OratsColumn = (typeof ORATS_COLUMNS)[number];

/** Header names accepted for a schema column, ORATS' own first; a column not listed goes by its schema name. */
const ALIASES: Partial<Record<SchemaColumn, readonly string[]>> = {
  tradeDate: ["trade_date", "tradeDate"],
  spotPx: ["spot_px", "spotPx"],
  smvVol: ["smoothSmvVol", "smvVol"],
};

export const SCHEMA_COLUMNS: readonly SchemaColumn[] = [
  "ticker",
  "tradeDate",
  "expirDate",
  "strike",
  ...FLOAT_COLUMNS,
  ...INT_COLUMNS,
];

/** The header names a file may use for `column`. */
export function headerNamesOf(column: SchemaColumn): readonly string[] {
  return ALIASES[column] ?? [column];
}

/** Where each schema column sits in one file, and what the file calls it (for messages). */
export interface ColumnMap {
  /** Number of fields in the header; every data row must have as many. */
  width: number;
  index: Record<SchemaColumn, number>;
  name: Record<SchemaColumn, string>;
  /** Every header name as written (trimmed), by position: messages name any column with it. */
  header: string[];
}

/** Resolves a header row; throws naming `label` and every missing or doubled column. */
export function resolveHeader(fields: readonly string[], label: string): ColumnMap {
  const positions = new Map<string, number[]>();
  fields.forEach((raw, i) => {
    const key = raw.trim().toLowerCase();
    const list = positions.get(key);
    if (list) list.push(i);
    else positions.set(key, [i]);
  });
  const index = {} as Record<SchemaColumn, number>;
  const name = {} as Record<SchemaColumn, string>;
  const missing: string[] = [];
  const doubled: string[] = [];
  for (const column of SCHEMA_COLUMNS) {
    const candidates = headerNamesOf(column);
    let found: number[] | undefined;
    for (const candidate of candidates) {
      found = positions.get(candidate.toLowerCase());
      if (found) break;
    }
    if (!found) {
      missing.push(candidates[0]!);
      continue;
    }
    if (found.length > 1) doubled.push(fields[found[0]!]!.trim());
    index[column] = found[0]!;
    name[column] = fields[found[0]!]!.trim();
  }
  if (missing.length > 0 || doubled.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) {
      parts.push(`missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
    }
    if (doubled.length > 0) parts.push(`column${doubled.length > 1 ? "s" : ""} ${doubled.join(", ")} appear${doubled.length > 1 ? "" : "s"} more than once`);
    throw new Error(`${label}: ${parts.join("; ")} (is this an ORATS SMV Strikes file?)`);
  }
  return { width: fields.length, index, name, header: fields.map((f) => f.trim()) };
}

const TICKER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A ticker becomes a directory name: letters, digits, `.`, `_`, `-`, not starting with a dot. */
export function isValidTicker(ticker: string): boolean {
  return TICKER_RE.test(ticker);
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * `parseDecimal(s.slice(start, end))` without the slice, several times faster on ORATS-style cells.
 * Plain `[-+]digits[.digits][e±digits]` with at most 15 or so significant digits takes the fast path,
 * which gives exactly the double `Number()` would (an exact integer times or divided by an exact
 * power of ten is correctly rounded); anything else goes through `parseDecimal`.
 */
export function parseDecimalAt(s: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let i = start;
  let c = s.charCodeAt(i);
  let neg = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (dot) scale++;
    } else if (c === 46 /* . */ && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  let exp = 0;
  if (i < end && (c | 32) === 101 /* e */ && digits > 0) {
    i++;
    let eneg = false;
    c = s.charCodeAt(i);
    if (c === 45 || c === 43) {
      eneg = c === 45;
      i++;
    }
    const expStart = i;
    for (; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57 || exp > 1000) break;
      exp = exp * 10 + (c - 48);
    }
    if (i === expStart) return Number.NaN;
    if (eneg) exp = -exp;
  }
  if (i !== end || digits === 0 || mant > Number.MAX_SAFE_INTEGER) return parseDecimal(s.slice(start, end));
  const e10 = exp - scale;
  let v: number;
  if (e10 === 0) v = mant;
  else if (e10 > 0 && e10 <= 22) v = mant * POW10[e10]!;
  else if (e10 < 0 && e10 >= -22) v = mant / POW10[-e10]!;
  else return parseDecimal(s.slice(start, end));
  return neg ? -v : v;
}

/**
 * Parses a plain decimal number. Returns `undefined` for an empty (or all-blank) cell and NaN for
 * anything that is not a finite decimal.
 */
export function parseDecimal(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const v = +text;
  if (v === 0 && text.trim().length === 0) return undefined;
  if (!Number.isFinite(v)) return Number.NaN;
  // `+` also reads 0x…, 0b… and 0o… literals; ORATS never writes them, so they are not numbers here.
  const c0 = text.charCodeAt(0);
  if (c0 === 48 /* 0 */ && text.length > 1) {
    const c1 = text.charCodeAt(1) | 32;
    if (c1 === 120 /* x */ || c1 === 98 /* b */ || c1 === 111 /* o */) return Number.NaN;
  } else if (c0 === 32 || c0 === 9) {
    return parseDecimal(text.trim());
  }
  return v;
}
