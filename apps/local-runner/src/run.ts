// `aegis-local run` as a library: scenario file → dataset (generated when synthetic and missing)
// → in-process backtest → results directory → report.html.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { runBacktest, validateScenario, type BacktestProgress, type BacktestResult } from "@aegis-bt/engine";
import type { GenerateProgress } from "@aegis-bt/data-tools";
import { writeReport } from "./report/index.js";
import { ensureDataset } from "./synthetic.js";

/** Where datasets live unless `--data` says otherwise. */
export function defaultDataRoot(): string {
  return process.env.AEGIS_DATA_ROOT ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "aegis-bt", "datasets");
}

export interface LocalRunOptions {
  data?: string;
  /** Results directory; default `results/<scenario name>` under the working directory. */
  out?: string;
  report?: boolean;
  signal?: AbortSignal;
  onGenerate?: (p: GenerateProgress) => void;
  onProgress?: (p: BacktestProgress) => void;
}

export interface LocalRunResult {
  result: BacktestResult;
  out: string;
  report?: string;
  dataset: { dir: string; generated: boolean };
}

export async function runScenarioFile(path: string, opts: LocalRunOptions = {}): Promise<LocalRunResult> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const scenario = validateScenario(text, path);
  const root = resolve(opts.data ?? defaultDataRoot());
  const dataset = await ensureDataset(root, scenario.dataset, scenario.tickers, opts.onGenerate);
  const out = resolve(opts.out ?? join("results", scenario.name));
  const result = await runBacktest(text, { data: root, out, source: path, signal: opts.signal, onProgress: opts.onProgress });
  const report = opts.report === false ? undefined : await writeReport(out, { title: scenario.name, scenarioText: text });
  return { result, out, report, dataset };
}
