// manifest.json: what a dataset holds and how to check it (docs/data-format.md). Written last by
// every producer, so a directory without one is an unfinished dataset.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PartitionInfo } from "./partition-writer.js";
import { SCHEMA_VERSION } from "./schema.js";

export const MANIFEST_FILE = "manifest.json";

export type DatasetSource =
  | { kind: "synthetic"; generator: string; profile: string; seed: number; start: string; end: string }
  | { kind: "orats-import"; importer: string; files: string[] };

export interface Manifest {
  schemaVersion: number;
  name: string;
  createdBy: string;
  source: DatasetSource;
  tickers: string[];
  partitions: PartitionInfo[];
}

/** Partitions sorted by ticker then year, so the same data always gives the same manifest bytes. */
export function buildManifest(name: string, createdBy: string, source: DatasetSource, partitions: PartitionInfo[]): Manifest {
  const sorted = [...partitions].sort((a, b) => (a.ticker === b.ticker ? a.year - b.year : a.ticker < b.ticker ? -1 : 1));
  const tickers = [...new Set(sorted.map((p) => p.ticker))];
  return { schemaVersion: SCHEMA_VERSION, name, createdBy, source, tickers, partitions: sorted };
}

export function writeManifest(dir: string, manifest: Manifest): void {
  const path = join(dir, MANIFEST_FILE);
  writeFileSync(`${path}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${path}.partial`, path);
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read the dataset manifest (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
