// What `run` and `sweep` do before the engine: read and check the scenario file, and find the
// dataset it names (generating a synthetic one into the cache the first time).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { validateScenario, type ScenarioSummary } from "@aegis-bt/engine";
import { MANIFEST_FILE, checkDirectory, datasetNotFound, locateDataset, notFoundMessage } from "./data-location.js";
import { ensureDataset, syntheticSpec, type EnsureOptions, type EnsureOutcome } from "./synthetic.js";

/** The cache: where datasets are looked for, and synthetic ones generated, unless `--data` says otherwise. */
export function defaultDataRoot(): string {
  return process.env.AEGIS_DATA_ROOT || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "aegis-bt", "datasets");
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

/**
 * Where the engine reads the scenario's dataset from, as an absolute data root for `runBacktest` /
 * `runSweep` (which apply the same rule to it again).
 *
 * - `data` given (`--data D`): D is a root holding `<dataset>/manifest.json`, or the dataset
 *   directory itself (its manifest's name is the scenario's dataset). Nothing is ever generated or
 *   written there: a dataset D does not hold is an error, even a synthetic one.
 * - `data` absent: the cache ({@link defaultDataRoot}); a synthetic dataset found nowhere there is
 *   generated into it (`options.onGenerateStart` says so first).
 */
export async function ensureScenarioData(
  scenario: ScenarioSummary,
  data: string | undefined,
  options: EnsureOptions = {},
): Promise<{ root: string; dataset: EnsureOutcome }> {
  if (data === undefined) {
    const cache = resolve(defaultDataRoot());
    return { root: cache, dataset: await ensureDataset(cache, scenario.dataset, scenario.tickers, options) };
  }
  if (data === "") throw datasetNotFound("--data: the path is empty");
  const root = resolve(data);
  checkDirectory(root, `--data ${data}`, `name a data root holding <dataset>/${MANIFEST_FILE}, or the dataset directory itself`);
  const at = locateDataset(root, scenario.dataset);
  if (at.kind === "nested" || at.kind === "itself") return { root, dataset: { dir: at.dir, generated: false } };
  const message = notFoundMessage(scenario.dataset, data, at);
  if (at.kind === "absent" && syntheticSpec(scenario.dataset)) {
    throw datasetNotFound(
      `${message}; aegis-local generates synthetic datasets only into its cache (${resolve(defaultDataRoot())}): drop --data to use it, or set AEGIS_DATA_ROOT to choose the cache`,
    );
  }
  throw datasetNotFound(message);
}
