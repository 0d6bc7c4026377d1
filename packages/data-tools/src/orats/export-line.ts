// One dataset row → one line of an ORATS "SMV Strikes" CSV, in ORATS' column order (ORATS_COLUMNS),
// so a dataset can be turned back into the files the importer reads.
//
// Numbers, by default ("exact"), are written in JavaScript's shortest round-trip form (`String(x)`;
// "-0" for negative zero), so the importer's parser gives back exactly the same doubles. That takes
// up to 17 significant digits, where ORATS writes 2 to 6 decimals, so files are nearly twice ORATS'
// size per row; "orats" writes ORATS' own decimals instead (ORATS_DECIMALS), for input that looks
// like the real thing (the import benchmark) at the price of exactness. Strikes and counts are
// exact either way. Dates are M/D/YYYY; cOpra/pOpra are OSI symbols without root padding (root,
// YYMMDD, C/P, strike × 1000 as 8 digits). The ORATS columns the schema lacks are derived from the
// row: extVol, extCTheo, extPTheo repeat smvVol, cValue, pValue; phi (per 1% of dividend yield) and
// driftlessTheta (per day, the σ term of theta alone) follow from the row's call delta and vega under
// Black–Scholes–Merton; residualRateData is 0.
import { isoFromDays } from "../dates.js";
import type { PartitionBatch } from "../partition-reader.js";
import { FLOAT_COLUMNS } from "../schema.js";
import { ORATS_COLUMNS, SCHEMA_COLUMNS, headerNamesOf, type OratsColumn, type SchemaColumn } from "./columns.js";

/** The header line (without a line end). */
export const ORATS_HEADER = ORATS_COLUMNS.join(",");

/** How numbers are written: shortest round-trip form, or ORATS' fixed decimals. */
export type NumberStyle = "exact" | "orats";

/** Decimals ORATS writes, by column; the columns not listed are written exactly in either style. */
export const ORATS_DECIMALS: Partial<Record<OratsColumn, number>> = {
  stkPx: 2,
  spot_px: 2,
  cBidPx: 2,
  cAskPx: 2,
  pBidPx: 2,
  pAskPx: 2,
  cValue: 4,
  pValue: 4,
  extCTheo: 4,
  extPTheo: 4,
  cBidIv: 4,
  cMidIv: 4,
  cAskIv: 4,
  pBidIv: 4,
  pMidIv: 4,
  pAskIv: 4,
  smoothSmvVol: 4,
  extVol: 4,
  iRate: 4,
  divRate: 4,
  yte: 6,
  delta: 6,
  gamma: 6,
  theta: 6,
  vega: 6,
  rho: 6,
  phi: 6,
  driftlessTheta: 6,
};

/** Shortest decimal that reads back as exactly `x`; throws for NaN and infinities, which no CSV cell can carry. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as an ORATS number`);
  return x === 0 && 1 / x < 0 ? "-0" : String(x);
}

type Format = (x: number) => string;

function numberFormat(name: OratsColumn, style: NumberStyle): Format {
  const decimals = ORATS_DECIMALS[name];
  if (style === "exact" || decimals === undefined) return formatNumber;
  return (x) => {
    if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as an ORATS number`);
    return x.toFixed(decimals);
  };
}

const mdyCache = new Map<number, string>();
const yymmddCache = new Map<number, string>();

function cached(cache: Map<number, string>, days: number, make: (iso: string) => string): string {
  let text = cache.get(days);
  if (text === undefined) {
    if (cache.size > 4096) cache.clear();
    text = make(isoFromDays(days));
    cache.set(days, text);
  }
  return text;
}

/** ORATS' M/D/YYYY for days since the epoch. */
export function formatOratsDate(days: number): string {
  return cached(mdyCache, days, (iso) => `${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}/${iso.slice(0, 4)}`);
}

/** OSI option symbol: root, YYMMDD expiry, C or P, strike in thousandths as 8 digits. */
export function opraSymbol(root: string, expirDays: number, right: "C" | "P", strike: number): string {
  const yymmdd = cached(yymmddCache, expirDays, (iso) => iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10));
  return `${root}${yymmdd}${right}${String(Math.round(strike * 1000)).padStart(8, "0")}`;
}

type Cell = (row: number) => string;

/** ORATS header name → schema column, for the 31 columns both have. */
const SCHEMA_BY_ORATS_NAME = new Map<string, SchemaColumn>(SCHEMA_COLUMNS.map((c) => [headerNamesOf(c)[0]!, c]));
const FLOATS = new Set<string>(FLOAT_COLUMNS);

function schemaCell(column: SchemaColumn, b: PartitionBatch, num: Format): Cell {
  if (column === "ticker") return () => b.ticker;
  if (column === "tradeDate" || column === "expirDate") {
    const days = b[column];
    return (r) => formatOratsDate(days[r]!);
  }
  if (column === "strike") return (r) => num(b.strike[r]!);
  if (FLOATS.has(column)) {
    const values = b.floats[column as keyof PartitionBatch["floats"]];
    return (r) => num(values[r]!);
  }
  const counts = b.ints[column as keyof PartitionBatch["ints"]];
  return (r) => String(counts[r]!);
}

/** Cells of the columns ORATS has and the schema lacks. `+ 0` turns a derived −0 into 0. */
function extraCell(name: OratsColumn, b: PartitionBatch, num: Format): Cell {
  const { stkPx, yte, delta, vega, smvVol } = b.floats;
  switch (name) {
    case "cOpra":
      return (r) => opraSymbol(b.ticker, b.expirDate[r]!, "C", b.strike[r]!);
    case "pOpra":
      return (r) => opraSymbol(b.ticker, b.expirDate[r]!, "P", b.strike[r]!);
    case "residualRateData":
      return () => "0";
    case "phi":
      // ∂C/∂q = −S·T·e^(−qT)·N(d1) = −S·T·delta, per 1%.
      return (r) => num((-stkPx[r]! * yte[r]! * delta[r]!) / 100 + 0);
    case "driftlessTheta":
      // −S·e^(−qT)·n(d1)·σ / (2√T) per day, with S·e^(−qT)·n(d1)·√T = 100·vega.
      return (r) => num((-100 * vega[r]! * smvVol[r]!) / (2 * yte[r]! * 365) + 0);
    case "extVol":
      return schemaCell("smvVol", b, num);
    case "extCTheo":
      return schemaCell("cValue", b, num);
    case "extPTheo":
      return schemaCell("pValue", b, num);
    default:
      throw new Error(`no value for ORATS column ${name}`);
  }
}

/** A function giving the CSV line (without a line end) of row `r` of `b`. */
export function lineWriter(b: PartitionBatch, style: NumberStyle = "exact"): (r: number) => string {
  const cells = ORATS_COLUMNS.map((name) => {
    const column = SCHEMA_BY_ORATS_NAME.get(name);
    const num = numberFormat(name, style);
    return column === undefined ? extraCell(name, b, num) : schemaCell(column, b, num);
  });
  const width = cells.length;
  return (r) => {
    let line = cells[0]!(r);
    for (let k = 1; k < width; k++) line += `,${cells[k]!(r)}`;
    return line;
  };
}
