// A tiny dataset written directly with apache-arrow (the addon's tests cannot use data-tools,
// which depends on this package): one ticker, a few days, a few strikes, values chosen so that the
// scan counts below can be worked out by hand.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DateDay, Dictionary, Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from "apache-arrow";

const FLOATS = [
  "strike", "stkPx", "spotPx", "yte", "cBidPx", "cAskPx", "cValue", "pBidPx", "pAskPx", "pValue",
  "cBidIv", "cMidIv", "cAskIv", "pBidIv", "pMidIv", "pAskIv", "smvVol", "iRate", "divRate",
  "delta", "gamma", "theta", "vega", "rho",
];
const INTS = ["cVolu", "cOi", "pVolu", "pOi"];
const DAY_MS = 86_400_000;
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;

/** Rows per trade day: 2 expiries (30 and 58 days out of 2023-01-03) × strikes 90..110 step 5. */
export const STRIKES = [90, 95, 100, 105, 110];
export const CALL_DELTAS = [0.9, 0.7, 0.5, 0.3, 0.1];

export function writeTinyDataset(tradeDays = ["2023-01-03", "2023-01-04", "2023-01-05"]): string {
  const dir = mkdtempSync(join(tmpdir(), "aegis-engine-"));
  const expiries = ["2023-02-02", "2023-03-02"];
  const cols: Record<string, number[]> = Object.fromEntries([...FLOATS, ...INTS, "tradeDate", "expirDate"].map((c) => [c, []]));
  for (const t of tradeDays) {
    for (const e of expiries) {
      STRIKES.forEach((k, i) => {
        const row: Record<string, number> = Object.fromEntries([...FLOATS, ...INTS].map((c) => [c, 1]));
        Object.assign(row, { strike: k, stkPx: 100, spotPx: 100, yte: (days(e) - days(t)) / 365, delta: CALL_DELTAS[i]! });
        Object.assign(row, { cBidPx: 1, cAskPx: 1.2, pBidPx: 2, pAskPx: 2.2, tradeDate: days(t), expirDate: days(e) });
        for (const c of Object.keys(cols)) cols[c]!.push(row[c]!);
      });
    }
  }
  const n = cols.strike!.length;
  const table = new Table({
    ticker: vectorFromArray(Array(n).fill("SPX"), new Dictionary(new Utf8(), new Int32())),
    tradeDate: vectorFromArray(cols.tradeDate!.map((d) => new Date(d * DAY_MS)), new DateDay()),
    expirDate: vectorFromArray(cols.expirDate!.map((d) => new Date(d * DAY_MS)), new DateDay()),
    ...Object.fromEntries(FLOATS.map((c) => [c, vectorFromArray(cols[c]!, new Float64())])),
    ...Object.fromEntries(INTS.map((c) => [c, vectorFromArray(cols[c]!, new Int32())])),
  });
  mkdirSync(join(dir, "SPX"));
  const bytes = tableToIPC(table, "file");
  writeFileSync(join(dir, "SPX/2023.arrow"), bytes);
  const manifest = {
    schemaVersion: 1,
    name: "tiny",
    source: { kind: "synthetic", generator: "engine-node test fixture", seed: 0 },
    tickers: ["SPX"],
    partitions: [
      {
        path: "SPX/2023.arrow",
        ticker: "SPX",
        year: 2023,
        firstTradeDate: tradeDays[0],
        lastTradeDate: tradeDays[tradeDays.length - 1],
        rows: n,
        bytes: bytes.byteLength,
        sha256: createHash("sha256").update(readFileSync(join(dir, "SPX/2023.arrow"))).digest("hex"),
      },
    ],
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}
