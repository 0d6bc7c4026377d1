// Dataset-level operations shared by the CLI and library users: info and validation through the
// engine (one implementation of the data contract, in Rust), and clearing a dataset for overwrite.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { datasetInfo, verifyDataset, type DatasetInfo, type VerifyReport } from "@aegis-bt/engine";
import { EVENTS_FILE } from "./events.js";
import { MANIFEST_FILE, readManifest } from "./manifest.js";

export type { DatasetInfo, VerifyReport };

/** Summary of a dataset from its manifest (through the engine's reader). */
export function info(dir: string): Promise<DatasetInfo> {
  return datasetInfo(dir);
}

/**
 * Checks schema, sort order, duplicate keys, 0 ≤ bid ≤ ask, dates, checksums, row counts, and
 * missing or extra partitions. Problems come back in the report, each naming its file.
 */
export function validate(dir: string, options: { checksums?: boolean; contents?: boolean } = {}): Promise<VerifyReport> {
  return verifyDataset(dir, options);
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
  // events.arrow, listed or left unlisted by an interrupted import-events, and its temporary file.
  for (const f of [EVENTS_FILE, `${EVENTS_FILE}.partial`]) rmSync(join(dir, f), { force: true });
  for (const t of manifest.tickers) {
    const sub = join(dir, t);
    if (existsSync(sub) && readdirSync(sub).length === 0) rmSync(sub, { recursive: true });
  }
}
