// Reads a sweep's output directory (sweep.json, sweep.arrow, returns.arrow and, as the scenario
// asked, cscv.json, stats.json, walk_forward.json and walk_forward.arrow) into memory, checking
// each file against docs/sweeps.md and naming the file in every error. A file the scenario asked
// for (sweep.json says so) must be there; one a sweep written before it lacks is simply absent.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { columnIs, SWEEP_COLUMNS, WALK_FORWARD_COLUMNS } from "./columns.js";
import { checkTable, readArrowFile, readJsonFile, readOptionalArrowFile, readOptionalJsonFile, ResultsFileError } from "./results-file.js";
import { parseSweepStats } from "./stats-json.js";
import type { SweepInput } from "./sweep-data.js";
import { notesAbout, parseCscv, parseSweepInfo, researchSections } from "./sweep-json.js";
import { checkCurve } from "./walk-forward.js";
import { parseWalkForward } from "./walk-forward-json.js";

export const SWEEP_JSON_FILE = "sweep.json";
export const SWEEP_ARROW_FILE = "sweep.arrow";
export const RETURNS_FILE = "returns.arrow";
export const CSCV_FILE = "cscv.json";
export const STATS_FILE = "stats.json";
export const WALK_FORWARD_JSON_FILE = "walk_forward.json";
export const WALK_FORWARD_ARROW_FILE = "walk_forward.arrow";

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
  const path = (file: string) => join(dir, file);
  const info = await readJsonFile(path(SWEEP_JSON_FILE), SWEEP_DIR, parseSweepInfo, "sweep.json");
  // A shard leaves the analyses to the merge, so only a whole sweep has cscv.json, stats.json and
  // the walk-forward's files; sweep.json says which of them the scenario asked for.
  const whole = info.shard === null;
  const asked = researchSections(info);
  const json = <T>(file: string, parse: (v: unknown) => T, mustExist: boolean): Promise<T | undefined> =>
    mustExist ? readJsonFile(path(file), SWEEP_DIR, parse, file) : readOptionalJsonFile(path(file), SWEEP_DIR, parse, file);
  const sweepPath = path(SWEEP_ARROW_FILE);
  const [sweep, returns, cscv, stats, walkForward, curve] = await Promise.all([
    readArrowFile(sweepPath, SWEEP_DIR, SWEEP_COLUMNS),
    readArrowFile(path(RETURNS_FILE), SWEEP_DIR, { date: "date32" }),
    info.cscv === null || !whole ? null : readJsonFile(path(CSCV_FILE), SWEEP_DIR, parseCscv, CSCV_FILE),
    json(STATS_FILE, parseSweepStats, whole && asked.spa),
    // A merge cannot rerun a walk-forward's points: sweep.json then says so in a note, and there is no file.
    json(WALK_FORWARD_JSON_FILE, parseWalkForward, whole && asked.walkForward && notesAbout(asked.notes, "walk_forward").length === 0),
    readOptionalArrowFile(path(WALK_FORWARD_ARROW_FILE), SWEEP_DIR, WALK_FORWARD_COLUMNS),
  ]);
  checkTable(sweepPath, () => {
    for (const p of info.paths) {
      if (!columnIs(sweep, p, "float64") && !columnIs(sweep, p, "utf8")) {
        throw new Error(`the swept path \`${p}\` should be a Float64 or Utf8 column`);
      }
    }
  });
  if (stats && asked.spa && whole && (stats.spa === undefined || stats.spa === null)) {
    throw new ResultsFileError(path(STATS_FILE), "malformed stats.json: `spa` should be an object (sweep.json has a `spa` section), found nothing");
  }
  // walk_forward.json and walk_forward.arrow are written together: one without the other is a broken directory.
  if (walkForward && !curve) throw new ResultsFileError(path(WALK_FORWARD_ARROW_FILE), `missing (${WALK_FORWARD_JSON_FILE} is there, and they are written together)`);
  if (curve && !walkForward) throw new ResultsFileError(path(WALK_FORWARD_JSON_FILE), `missing (${WALK_FORWARD_ARROW_FILE} is there, and they are written together)`);
  if (walkForward && curve) checkTable(path(WALK_FORWARD_ARROW_FILE), () => checkCurve(walkForward, curve));
  return {
    sweep,
    info,
    cscv,
    returns,
    stats: stats ?? null,
    walkForward: walkForward && curve ? { report: walkForward, curve } : null,
  };
}
