// `aegis-local run` as a library: scenario file → dataset (generated into the cache when synthetic
// and missing) → in-process backtest → results directory → report.html → `_SUCCESS`.
import { join, resolve } from "node:path";
import { runBacktest, type BacktestProgress, type BacktestResult, type VerifyMode } from "@aegis-bt/engine";
import type { GenerateProgress } from "@aegis-bt/data-tools";
import { finishDirectory } from "./finish.js";
import { writeReport } from "./report/index.js";
import { ensureScenarioData, readScenarioFile } from "./scenario-file.js";
import type { GenerateNotice } from "./synthetic.js";

export interface LocalRunOptions {
  /** A data root holding `<dataset>/manifest.json`, or the dataset directory itself; default the cache. */
  data?: string;
  /** Results directory; default `results/<scenario name>` under the working directory. */
  out?: string;
  report?: boolean;
  /** How partitions are checked against the manifest (default `auto`). */
  verify?: VerifyMode;
  signal?: AbortSignal;
  onGenerate?: (p: GenerateProgress) => void;
  /** Called before a synthetic dataset is generated into the cache: which, where it looked, where it goes. */
  onGenerateStart?: (notice: GenerateNotice) => void;
  onProgress?: (p: BacktestProgress) => void;
}

export interface LocalRunResult {
  result: BacktestResult;
  out: string;
  report?: string;
  dataset: { dir: string; generated: boolean };
}

export async function runScenarioFile(path: string, opts: LocalRunOptions = {}): Promise<LocalRunResult> {
  const { text, scenario } = readScenarioFile(path);
  const { root, dataset } = await ensureScenarioData(scenario, opts.data, { onProgress: opts.onGenerate, onGenerateStart: opts.onGenerateStart, signal: opts.signal });
  const out = resolve(opts.out ?? join("results", scenario.name));
  // The engine leaves `_SUCCESS` to us: it goes in after report.html, strictly last.
  const result = await runBacktest(text, { data: root, out, source: path, verify: opts.verify, signal: opts.signal, onProgress: opts.onProgress, markSuccess: false });
  const report = await finishDirectory(out, opts.report === false ? undefined : () => writeReport(out, { title: scenario.name, scenarioText: text }), opts.signal);
  return { result, out, report, dataset };
}
