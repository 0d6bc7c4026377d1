// Import throughput on realistic-size ORATS input: 20 daily "SMV Strikes" files, 3 tickers, 3000
// rows per ticker and day (30 expiries × 100 strikes), ORATS' own 39 columns and number formats.
// The values are deterministic and only roughly option-like (a smooth smile, put-call parity, a
// bid/ask spread); the point is the shape and size of the text, not the pricing.
//
//   AEGIS_BENCH=1 npx vitest run test/orats-bench.test.ts    (prints the result)
import { createWriteStream, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { daysFromYmd, weekdayOfDays } from "../dates.js";
import { importOrats } from "../orats/index.js";

export const BENCH_HEADER =
  "ticker,cOpra,pOpra,stkPx,expirDate,yte,strike,cVolu,cOi,pVolu,pOi,cBidPx,cValue,cAskPx,pBidPx,pValue,pAskPx," +
  "cBidIv,cMidIv,cAskIv,smoothSmvVol,pBidIv,pMidIv,pAskIv,iRate,divRate,residualRateData,delta,gamma,theta,vega,rho," +
  "phi,driftlessTheta,extVol,extCTheo,extPTheo,spot_px,trade_date";

export interface BenchShape {
  tradeDates: number;
  tickers: { name: string; spot: number; step: number }[];
  expiries: number;
  strikes: number;
}

export const DEFAULT_SHAPE: BenchShape = {
  tradeDates: 20,
  tickers: [
    { name: "IWM", spot: 180, step: 1 },
    { name: "QQQ", spot: 290, step: 1 },
    { name: "SPY", spot: 400, step: 1 },
  ],
  expiries: 30,
  strikes: 100,
};

function mdy(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}

function yymmdd(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(2, 10).replaceAll("-", "");
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26), plenty for synthetic data. */
function ncdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const y =
    1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp((-x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Writes one CSV per trade date into `dir`; returns the paths and the data row count. */
export async function writeSyntheticOrats(dir: string, shape: BenchShape = DEFAULT_SHAPE): Promise<{ files: string[]; rows: number }> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let rows = 0;
  let day = daysFromYmd(2023, 3, 1);
  for (let d = 0; d < shape.tradeDates; d++) {
    while (weekdayOfDays(day) === 0 || weekdayOfDays(day) === 6) day++;
    const path = join(dir, `ORATS_SMV_STRIKES_${new Date(day * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "")}.csv`);
    const out = createWriteStream(path);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, "drain");
    };
    await write(`${BENCH_HEADER}\n`);
    for (const [ti, t] of shape.tickers.entries()) {
      const spot = t.spot * (1 + 0.004 * Math.sin(d * 0.7 + ti));
      const lines: string[] = [];
      for (let e = 0; e < shape.expiries; e++) {
        const expir = day + 2 + e * 7 + (e > 12 ? (e - 12) * 21 : 0);
        const yte = (expir - day) / 365;
        const sq = Math.sqrt(yte);
        for (let k = 0; k < shape.strikes; k++) {
          const strike = Math.round(spot) + (k - shape.strikes / 2) * t.step;
          const m = Math.log(strike / spot);
          const vol = 0.18 + 0.9 * m * m - 0.12 * m + 0.02 * sq;
          const r = 0.045;
          const q = 0.013;
          const d1 = (-m + (r - q + (vol * vol) / 2) * yte) / (vol * sq);
          const d2 = d1 - vol * sq;
          const df = Math.exp(-r * yte);
          const dq = Math.exp(-q * yte);
          const callRaw = spot * dq * ncdf(d1) - strike * df * ncdf(d2);
          const call = Math.max(callRaw, 0);
          const put = Math.max(callRaw - spot * dq + strike * df, 0);
          const half = 0.01 + 0.02 * Math.min(call, put) ** 0.5;
          const pdf = Math.exp((-d1 * d1) / 2) / Math.sqrt(2 * Math.PI);
          const delta = dq * ncdf(d1);
          const gamma = (dq * pdf) / (spot * vol * sq);
          const vega = (spot * dq * pdf * sq) / 100;
          const theta = (-(spot * dq * pdf * vol) / (2 * sq) - r * strike * df * ncdf(d2) + q * spot * dq * ncdf(d1)) / 365;
          const rho = (strike * yte * df * ncdf(d2)) / 100;
          const seed = (d * 7919 + ti * 104729 + e * 131 + k * 17) % 1000;
          const oc = `${t.name}${yymmdd(expir)}`;
          const ks = String(strike * 1000).padStart(8, "0");
          lines.push(
            [
              t.name,
              `${oc}C${ks}`,
              `${oc}P${ks}`,
              spot.toFixed(2),
              mdy(expir),
              yte.toFixed(6),
              strike,
              seed * 3,
              seed * 41,
              seed * 2,
              seed * 37,
              Math.max(call - half, 0).toFixed(2),
              call.toFixed(4),
              (call + half).toFixed(2),
              Math.max(put - half, 0).toFixed(2),
              put.toFixed(4),
              (put + half).toFixed(2),
              (vol - 0.004).toFixed(4),
              vol.toFixed(4),
              (vol + 0.004).toFixed(4),
              (vol + 0.0005).toFixed(4),
              (vol - 0.005).toFixed(4),
              (vol + 0.0002).toFixed(4),
              (vol + 0.005).toFixed(4),
              r.toFixed(4),
              q.toFixed(4),
              "0.0011",
              delta.toFixed(6),
              gamma.toFixed(6),
              theta.toFixed(6),
              vega.toFixed(6),
              rho.toFixed(6),
              (-spot * yte * dq * ncdf(d1) / 100).toFixed(6),
              (theta * 0.98).toFixed(6),
              (vol + 0.001).toFixed(4),
              call.toFixed(4),
              put.toFixed(4),
              (spot - 0.03).toFixed(2),
              mdy(day),
            ].join(","),
          );
          rows++;
        }
      }
      await write(`${lines.join("\n")}\n`);
    }
    out.end();
    await once(out, "finish");
    files.push(path);
    day++;
  }
  return { files, rows };
}

/** Writes the synthetic input into `workDir/input`, imports it into `workDir/dataset`, and times the import. */
export async function benchImport(
  workDir: string,
): Promise<{ rows: number; seconds: number; rowsPerSecond: number; inputBytes: number }> {
  const { files, rows } = await writeSyntheticOrats(join(workDir, "input"));
  const inputBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const started = process.hrtime.bigint();
  const summary = await importOrats(files, { out: join(workDir, "dataset"), overwrite: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (summary.rowsWritten !== rows || summary.rowsSkipped !== 0) {
    throw new Error(`benchmark input did not import cleanly: ${JSON.stringify(summary.skippedByReason)}`);
  }
  return { rows, seconds, rowsPerSecond: Math.round(rows / seconds), inputBytes };
}
