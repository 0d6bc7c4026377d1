// Import throughput on ORATS-shaped input of a realistic size. The input comes from the project's
// own tools rather than hand-written formulas: the generator's equity-like profile (BSM prices on a
// smile, spreads, volume and open interest) for ten tickers over six weeks, exported as daily "SMV
// Strikes" files (exportOratsCsv) with ORATS' 39 columns and ORATS' own decimals (`numbers:
// "orats"`), so the parser sees the number lengths of real files. Deterministic (fixed seed and
// dates): 30 files, about 175,000 rows, about 51 MB of CSV. Only the import is timed.
//
// Run by `npm run bench` (scripts/bench.mjs), which imports `benchImport` from dist/bench/import-bench.js.
import { join } from "node:path";
import { exportOratsCsv, importOrats } from "../orats/index.js";
import { generateDataset, type GenerateOptions } from "../synth/index.js";

/** The source dataset: ten single-name tickers, 2023-03-01 … 2023-04-12 (30 trading days). */
export const BENCH_DATASET: Omit<GenerateOptions, "out"> = {
  profile: "equity-like",
  tickers: ["AAPL", "AMZN", "GOOG", "IWM", "META", "MSFT", "NVDA", "QQQ", "SPY", "TSLA"],
  start: "2023-03-01",
  end: "2023-04-12",
  seed: 1,
};

/**
 * Generates the source dataset into `workDir/source`, exports it as CSV into `workDir/input`,
 * imports that into `workDir/dataset`, and times the import. `workDir` should be new or empty.
 */
export async function benchImport(
  workDir: string,
): Promise<{ rows: number; seconds: number; rowsPerSecond: number; inputBytes: number }> {
  const source = join(workDir, "source");
  await generateDataset({ ...BENCH_DATASET, out: source });
  const { files, rows, bytes: inputBytes } = await exportOratsCsv(source, join(workDir, "input"), { numbers: "orats" });
  const started = process.hrtime.bigint();
  const summary = await importOrats(files, { out: join(workDir, "dataset"), overwrite: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (summary.rowsWritten !== rows || summary.rowsSkipped !== 0) {
    throw new Error(`benchmark input did not import cleanly: ${JSON.stringify(summary.skippedByReason)}`);
  }
  return { rows, seconds, rowsPerSecond: Math.round(rows / seconds), inputBytes };
}
