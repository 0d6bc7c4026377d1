// What `run` and `sweep` do before the engine: read and check the scenario file, and make sure the
// dataset it names is under the data root (generating a synthetic one the first time).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { validateScenario, type ScenarioSummary } from "@aegis-bt/engine";
import type { GenerateProgress } from "@aegis-bt/data-tools";
import { ensureDataset, type EnsureOutcome } from "./synthetic.js";

/** Where datasets live unless `--data` says otherwise. */
export function defaultDataRoot(): string {
  return process.env.AEGIS_DATA_ROOT ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "aegis-bt", "datasets");
}

export interface ScenarioFile {
  path: string;
  text: string;
  scenario: ScenarioSummary;
}

/** Reads `path` and checks it through the engine; a file that cannot be read is an error naming it. */
export function readScenarioFile(path: string): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  return { path, text, scenario: validateScenario(text, path) };
}

/** The data root (absolute) with the scenario's dataset in it, generated when synthetic and missing. */
export async function ensureScenarioData(
  scenario: ScenarioSummary,
  data: string | undefined,
  onGenerate?: (p: GenerateProgress) => void,
): Promise<{ root: string; dataset: EnsureOutcome }> {
  const root = resolve(data ?? defaultDataRoot());
  const dataset = await ensureDataset(root, scenario.dataset, scenario.tickers, onGenerate);
  return { root, dataset };
}
