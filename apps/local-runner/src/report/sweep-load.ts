// Reads a sweep's output directory (sweep.json, sweep.arrow, returns.arrow and, with a `cscv:`
// section, cscv.json) into memory, checking each file against docs/sweeps.md and naming the file
// in every error.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { columnIs, SWEEP_COLUMNS } from "./columns.js";
import { checkTable, readArrowFile, readJsonFile } from "./results-file.js";
import type { SweepInput } from "./sweep-data.js";
import { parseCscv, parseSweepInfo } from "./sweep-json.js";

export const SWEEP_JSON_FILE = "sweep.json";
export const SWEEP_ARROW_FILE = "sweep.arrow";
export const RETURNS_FILE = "returns.arrow";
export const CSCV_FILE = "cscv.json";

const SWEEP_DIR = "the directory of a finished sweep";

/** Whether `dir` holds a sweep's output (its sweep.json) rather than a single run's. */
export async function isSweepDir(dir: string): Promise<boolean> {
  return access(join(dir, SWEEP_JSON_FILE)).then(
    () => true,
    () => false,
  );
}

/** Loads the sweep output in `dir`; throws a ResultsFileError naming the file that is missing or malformed. */
export async function loadSweep(dir: string): Promise<Required<SweepInput>> {
  const info = await readJsonFile(join(dir, SWEEP_JSON_FILE), SWEEP_DIR, parseSweepInfo, "sweep.json");
  const sweepPath = join(dir, SWEEP_ARROW_FILE);
  const [sweep, returns, cscv] = await Promise.all([
    readArrowFile(sweepPath, SWEEP_DIR, SWEEP_COLUMNS),
    readArrowFile(join(dir, RETURNS_FILE), SWEEP_DIR, { date: "date32" }),
    // A shard leaves CSCV to the merge, so only a whole sweep with a `cscv:` section has cscv.json.
    info.cscv === null || info.shard !== null ? null : readJsonFile(join(dir, CSCV_FILE), SWEEP_DIR, parseCscv, "cscv.json"),
  ]);
  checkTable(sweepPath, () => {
    for (const path of info.paths) {
      if (!columnIs(sweep, path, "float64") && !columnIs(sweep, path, "utf8")) {
        throw new Error(`the swept path \`${path}\` should be a Float64 or Utf8 column`);
      }
    }
  });
  return { sweep, info, cscv, returns };
}
