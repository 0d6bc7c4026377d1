// Generation benchmark: the 7-year spx-like SPX dataset (2017-01-03 … 2023-12-29, seed 1), about
// 1760 trading days and 4 million rows. The bench runner passes a fresh (missing or empty) directory.
import { generateDataset } from "../synth/index.js";

export interface GenBenchResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Bytes of all partitions written. */
  bytes: number;
}

export async function benchGenerate(outDir: string): Promise<GenBenchResult> {
  const { manifest, rows, seconds } = await generateDataset({
    profile: "spx-like",
    tickers: ["SPX"],
    start: "2017-01-03",
    end: "2023-12-29",
    seed: 1,
    out: outDir,
  });
  const bytes = manifest.partitions.reduce((sum, p) => sum + p.bytes, 0);
  return { rows, seconds, rowsPerSecond: rows / seconds, bytes };
}
