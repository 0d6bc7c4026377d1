// Dataset-level operations shared by the CLI and library users: info and validation through the
// engine (one implementation of the data contract, in Rust), and clearing a dataset for overwrite.
// series.arrow is checked here, by series.ts, while the engine's verifier does not know it: its
// problems join the engine's report unless the engine reported series.arrow itself.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { datasetInfo, verifyDataset, type DatasetInfo, type DatasetProblem, type VerifyReport } from "@aegis-bt/engine";
import { EVENTS_FILE } from "./events.js";
import { MANIFEST_FILE, readManifest, type Manifest } from "./manifest.js";
import { DatasetFileError } from "./root-files.js";
import { SERIES_FILE, readSeries } from "./series.js";

export type { DatasetInfo, VerifyReport };

/** Summary of a dataset from its manifest (through the engine's reader). */
export function info(dir: string): Promise<DatasetInfo> {
  return datasetInfo(dir);
}

/**
 * Checks schema, sort order, duplicate keys, 0 ≤ bid ≤ ask, dates, checksums, row counts, and
 * missing or extra partitions; events.arrow and series.arrow against their manifest entries and
 * their rules. Problems come back in the report, each naming its file.
 */
export async function validate(dir: string, options: { checksums?: boolean; contents?: boolean } = {}): Promise<VerifyReport> {
  const report = await verifyDataset(dir, options);
  if (report.problems.some((p) => p.file === SERIES_FILE || p.file === `${SERIES_FILE}.partial`)) return report;
  const problems = seriesProblems(dir, options.checksums ?? true);
  return problems.length === 0 ? report : { ...report, ok: false, problems: [...report.problems, ...problems] };
}

/**
 * series.arrow's problems: listed but missing (`missing`), differing from its manifest entry
 * (`mismatch`), breaking the contract (`series`), or on disk but not listed (`extra`), like a
 * left-over series.arrow.partial. None when the manifest cannot be read (the engine reports that).
 */
export function seriesProblems(dir: string, checksum = true): DatasetProblem[] {
  let manifest: Manifest;
  try {
    manifest = readManifest(dir);
  } catch {
    return [];
  }
  const problem = (file: string, kind: string, message: string): DatasetProblem => ({ file, kind, message, count: 1 });
  const problems: DatasetProblem[] = [];
  if (manifest.series === undefined && existsSync(join(dir, SERIES_FILE))) {
    problems.push(problem(SERIES_FILE, "extra", "a series file the manifest does not list"));
  }
  if (existsSync(join(dir, `${SERIES_FILE}.partial`))) {
    problems.push(problem(`${SERIES_FILE}.partial`, "extra", "an unfinished series file (an interrupted write?)"));
  }
  try {
    readSeries(dir, manifest, { checksum });
  } catch (err) {
    if (!(err instanceof DatasetFileError)) problems.push(problem(SERIES_FILE, "series", (err as Error).message));
    else {
      const file = relative(dir, err.path);
      const kind = file === MANIFEST_FILE ? "manifest" : err.problem === "invalid" ? "series" : err.problem;
      problems.push(problem(file, kind, err.detail));
    }
  }
  return problems;
}

/**
 * Makes `dir` ready for a new dataset. An existing dataset is removed only with `overwrite`
 * (its manifest first, so an interruption never leaves a manifest that lies); any other
 * non-empty directory is refused.
 */
export function prepareOutputDir(dir: string, overwrite: boolean): void {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return;
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    throw new Error(`${dir} is not empty and holds no dataset; choose an empty or new directory`);
  }
  if (!overwrite) throw new Error(`${dir} already holds a dataset; pass --overwrite to replace it`);
  const manifest = readManifest(dir);
  rmSync(join(dir, MANIFEST_FILE));
  for (const p of manifest.partitions) rmSync(join(dir, p.path), { force: true });
  // events.arrow and series.arrow, listed or left unlisted by an interrupted import, and their temporary files.
  for (const f of [EVENTS_FILE, SERIES_FILE]) {
    for (const path of [join(dir, f), join(dir, `${f}.partial`)]) rmSync(path, { force: true });
  }
  for (const t of manifest.tickers) {
    const sub = join(dir, t);
    if (existsSync(sub) && readdirSync(sub).length === 0) rmSync(sub, { recursive: true });
  }
}
