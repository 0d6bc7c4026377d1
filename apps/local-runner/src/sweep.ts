// `aegis-local sweep` as a library: scenario file → every point expanded and validated → dataset
// (generated when synthetic and missing) → in-process sweep on all cores → output directory →
// report.html.
import { existsSync } from "node:fs";
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AbortError, expandSweep, runSweep, type SweepPlan, type SweepProgress, type SweepResult, type VerifyMode } from "@aegis-bt/engine";
import type { GenerateProgress } from "@aegis-bt/data-tools";
import { finishDirectory } from "./finish.js";
import { SUCCESS_FILE } from "./results-dir.js";
import { writeSweepReport } from "./report/index.js";
import { chartAxes } from "./report/sweep-data.js";
import { ensureScenarioData, readScenarioFile } from "./scenario-file.js";
import type { GenerateNotice } from "./synthetic.js";

/** Where a sweep writes unless `--out` says otherwise: `results/sweeps/<scenario name>`, apart from single runs' `results/<scenario name>`. */
export function defaultSweepOut(name: string): string {
  return resolve(join("results", "sweeps", name));
}

/** The files a sweep may write at the top of its directory, in the order `aegis-local sweep` lists them (docs/sweeps.md). */
export const SWEEP_OUTPUT_FILES = [
  "sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "sweep.json", "cscv.json", "stats.json", "walk_forward.json", "walk_forward.arrow",
] as const;

/** Which of SWEEP_OUTPUT_FILES `dir` holds, in that order. */
export async function sweepOutputFiles(dir: string): Promise<string[]> {
  const present = await Promise.all(SWEEP_OUTPUT_FILES.map((f) => access(join(dir, f)).then(() => true, () => false)));
  return SWEEP_OUTPUT_FILES.filter((_, i) => present[i]);
}

export interface LocalSweepOptions {
  /** A data root holding `<dataset>/manifest.json`, or the dataset directory itself; default the cache. */
  data?: string;
  /** Output directory; default {@link defaultSweepOut}. */
  out?: string;
  /** Also write each point's full results under `points/<id>/`. */
  points?: boolean;
  report?: boolean;
  /** How partitions are checked against the manifest (default `auto`). */
  verify?: VerifyMode;
  /** The report's metric chart: one or two swept paths (default the first two). */
  axes?: string[];
  signal?: AbortSignal;
  onGenerate?: (p: GenerateProgress) => void;
  /** Called before a synthetic dataset is generated into the cache: which, where it looked, where it goes. */
  onGenerateStart?: (notice: GenerateNotice) => void;
  /** Called once the sweep is expanded and every point validated, before any data is touched. */
  onPlan?: (plan: SweepPlan) => void;
  onProgress?: (p: SweepProgress) => void;
}

export interface LocalSweepResult {
  plan: SweepPlan;
  result: SweepResult;
  out: string;
  report?: string;
  dataset: { dir: string; generated: boolean };
}

export async function sweepScenarioFile(path: string, opts: LocalSweepOptions = {}): Promise<LocalSweepResult> {
  const { text, scenario } = readScenarioFile(path);
  const plan = await expandSweep(text, path, { signal: opts.signal });
  chartAxes(plan.paths, opts.axes); // a bad --axes fails now, not after the sweep
  opts.onPlan?.(plan);
  const { root, dataset } = await ensureScenarioData(scenario, opts.data, { onProgress: opts.onGenerate, onGenerateStart: opts.onGenerateStart, signal: opts.signal });
  const out = opts.out === undefined ? defaultSweepOut(scenario.name) : resolve(opts.out);
  try {
    // The engine leaves `_SUCCESS` to us: it goes in after report.html, strictly last.
    const result = await runSweep(text, { data: root, out, source: path, points: opts.points, verify: opts.verify, signal: opts.signal, onProgress: opts.onProgress, markSuccess: false });
    const report = await finishDirectory(out, opts.report === false ? undefined : () => writeSweepReport(out, { title: scenario.name, scenarioText: text, axes: opts.axes }), opts.signal);
    return { plan, result, out, report, dataset };
  } catch (err) {
    if (err instanceof AbortError) throw new AbortError(stoppedMessage(out));
    throw err;
  }
}

/**
 * What a sweep into `out` stopped by its signal (Ctrl-C) says: where its finished points are kept,
 * when a checkpoint holds them; otherwise (stopped before any point was kept, or after the engine
 * had written its files) that the directory is not marked finished.
 */
export function stoppedMessage(out: string): string {
  const checkpoint = join(out, "checkpoint");
  return existsSync(join(checkpoint, "checkpoint.json"))
    ? `stopped: the points finished so far are kept in ${checkpoint}/; run the same command again to resume`
    : `stopped: ${out} is not marked finished (no ${SUCCESS_FILE}); run the same command again`;
}
