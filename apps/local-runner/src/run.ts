// `aegis-local run` as a library: scenario file → dataset (generated when synthetic and missing)
// → in-process backtest → results directory → report.html.
import { join, resolve } from "node:path";
import { runBacktest, type BacktestProgress, type BacktestResult } from "@aegis-bt/engine";
import type { GenerateProgress } from "@aegis-bt/data-tools";
import { writeReport } from "./report/index.js";
import { ensureScenarioData, readScenarioFile } from "./scenario-file.js";
import type { GenerateNotice } from "./synthetic.js";

export interface LocalRunOptions {
  /** A data root holding `<dataset>/manifest.json`, or the dataset directory itself; default the cache. */
  data?: string;
  /** Results directory; default `results/<scenario name>` under the working directory. */
  out?: string;
  report?: boolean;
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
  const result = await runBacktest(text, { data: root, out, source: path, signal: opts.signal, onProgress: opts.onProgress });
  const report = opts.report === false ? undefined : await writeReport(out, { title: scenario.name, scenarioText: text });
  return { result, out, report, dataset };
}
